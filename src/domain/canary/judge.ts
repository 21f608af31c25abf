/**
 * The canary judge: per-KPI evidence, then one decision with a stable rule name.
 *
 * Error control (alpha = 1 − confidenceLevel). The judge makes two kinds of claim, and each is
 * its own family of ONE-SIDED tests with its own share of alpha:
 *   - Proceed family, "the primaries improved": better-direction tests over the PRIMARY KPIs
 *     only, Holm within the family, share alphaP. Guardrails can never make this claim, so they
 *     take nothing from it: with one primary the claim is tested at the whole alphaP, i.e. the
 *     improvement tail of a two-sided test at the full alpha (the test the MDE is defined by),
 *     where Holm over all K KPIs would test the primary at alpha/K.
 *   - Rollback family, "some KPI got worse": worse-direction tests over EVERY KPI with data
 *     (primaries and guardrails), Holm within the family, share alphaH.
 * alphaP + alphaH = alpha (alpha/2 each by default: the two tails of a two-sided test), so by a
 * union bound P(any false claim | no effect) ≤ alpha, counting every Rollback and every Proceed
 * that claims an improvement. A guardrail's better tail is never tested (it could not make
 * either claim).
 *
 * Non-inferiority ("neutral", 3.4; "every guardrail non-inferior" before an early stop) is an
 * intersection-union test: the Proceed it supports needs EVERY such check to pass, so a false
 * Proceed needs the one truly inferior KPI's check to pass, which happens with probability ≤ its
 * own level whatever the other checks do. Each check therefore runs at the FULL alpha, one-sided
 * (the lower end of the 1 − 2·alpha two-sided interval above −margin), with no Holm or Bonferroni
 * across KPIs (Berger 1982). The price is on the power side: P(all pass) is the product of the
 * checks' powers (roughly), which the optimizer's forecast multiplies (objective.ts) and the
 * planned canary must be sized for; the number of checks never lowers a check's level.
 * Degradation (the Rollback family) is a union-intersection claim, "SOME KPI got worse": it
 * keeps Holm over every KPI, so a false Rollback under no effect stays ≤ alphaH whatever K.
 *
 * Interim and final looks share each family's alpha (a union bound again):
 *   - Interim checks use the always-valid normal-mixture confidence sequence (statistics.ts),
 *     Bonferroni within the family. A two-sided mixture boundary at level 2a is crossed on one
 *     given side with probability ≤ ≈ a (the other half of the mixture is negligible there), so
 *     the family's one-sided nominal level interimShare·alphaF becomes two-sided sequences at
 *     2·interimShare·alphaP/P for the primaries (P = configured primaries) and at
 *     2·interimShare·alphaH/K for the Rollback claim (K = every configured KPI, so levels do not
 *     move as KPIs gain data). Guardrails' non-inferiority for an early Proceed uses a sequence
 *     at 1 − 2·alpha two-sided, i.e. one-sided at the full alpha (intersection-union, like the
 *     final NI test).
 *   - The final check charges the interim looks what they really spent: the crossing
 *     probability of each KPI's sequence over the information the canary gathered, computed for
 *     continuous monitoring (sequential.ts; an upper bound for any schedule of looks, far below
 *     Ville's nominal bound over a finite canary), summed over the family. The final Welch
 *     tests (t distribution) run Holm at finalAlpha = alphaF − interimSpent.
 *
 * Stages (issue 12, group-sequential). A canary may run up to maxStages stages, each as long as
 * its planned duration; a stage end is a fixed-horizon look (isFinalCheck), and one that is
 * neither degraded nor confirmed before the last stage continues (continue_next_stage). The
 * error is spent across all stages up front, by two means:
 *   - the per-minute looks keep the always-valid sequence (valid at any time, so at any stage),
 *     and the final budget is charged its crossing probability up to the LAST stage's end (the
 *     information projected from this look's at the same rate), not just to this stage's;
 *   - the rest of each family's alpha (and the non-inferiority checks' full alpha) is spent over
 *     the stage ends by alpha-spending, f(t) = t^ρ (Kim–DeMets, ρ = 0.5: half at stage 1 of 4,
 *     then 21 %, 16 %, 13 %), each stage end tested at its increment (a union bound over the
 *     stage ends: conservative, since successive looks are correlated; exact group-sequential
 *     boundaries would give some power back).
 * Why both: the sequence alone at the planned end would lose most of the fixed-horizon test's
 * power there (every neutral move would run all four stages), and extending the sequence costs
 * little (its crossing probability grows with the log of the information). With one stage this
 * is exactly the single fixed-horizon judge.
 * interimShare (0.4) and tau (0.15) were chosen with bench/canary-stats.ts: false decisions
 * under A/A ~4 %, power at the MDE ~77 %, mean stop at 2×MDE ~23 of 60 minutes.
 *
 * Rules, in order:
 *   primary_degraded / guardrail_degraded  Rollback family rejects for a KPI     → Rollback
 *     (a guardrail with `tolerance` only when its whole interval lies beyond −tolerance)
 *   insufficient_data   ≥ half the KPIs, or any primary, lack data             → Inconclusive
 *   band purpose (the move brings one KPI back into its band, issue 12):
 *     band_corrected        final: the target KPI Improved toward its band (Proceed family, the
 *                           target alone), nothing Degraded (the primary only beyond the
 *                           margin) and the primary's estimate not below −margin; interim: the
 *                           same and every other KPI non-inferior → Proceed
 *     no_confident_result / continue_monitoring   otherwise                  → Inconclusive
 *   final check (primary purpose):
 *     primary_improved      every primary Improved|NonInferior, ≥ 1 Improved  → Proceed
 *     primary_non_inferior  every primary NonInferior                         → Proceed (3.4)
 *     no_confident_result   otherwise                                         → Inconclusive
 *     continue_next_stage   the same at a stage end before the last           → Inconclusive, final=false
 *   interim check:
 *     primary_improved      every primary's sequence wholly better and every guardrail's lower
 *                           bound above -margin (non-inferiority already shown) → Proceed
 *     continue_monitoring   otherwise                             → Inconclusive, final=false
 *   sample_ratio_mismatch / placebo_failed  (after the degradation rules) the paired design's
 *                         checks failed for a KPI (canary/paired.ts: the canary's share of the
 *                         rows, or a difference where the arms aired the same): the data cannot be
 *                         trusted, so no Proceed. Final look → Inconclusive, final (it stops, an
 *                         operator may still decide); interim → Inconclusive, final=false.
 * Degradation is checked before missing data: a KPI that is significantly worse rolls back
 * even when another KPI has no data yet. It is also checked before the paired design's checks:
 * with broken tagging a Rollback is still the safe side.
 */
import type {
  ChangePurpose,
  CanaryDecision,
  CanaryVerdict,
  ErrorControl,
  GroupSummary,
  KpiClassification,
  KpiDef,
  KpiEvidence,
  KpiVarianceReduction,
  SrmCheck,
  VerdictRule,
} from '../types';
import { confidenceSequence, DEFAULT_CS_TUNING, holm, oneSidedP, welch, type CsTuning, type Interval } from '../statistics';
import { errorControl, stagePlan } from './error-control';
import type { JudgeInput } from './judge-input';
import { checkedPurpose, describePurpose } from './purpose';
import { integrityFailure } from './paired';

export type { JudgeInput } from './judge-input';
export { DEFAULT_INTERIM_SHARE, DEFAULT_STAGE_SPENDING_RHO, errorControl, stagePlan } from './error-control';

const EMPTY: GroupSummary = { n: 0, mean: 0, sd: 0 };

/** +1 when higher is better, -1 when lower is better. */
const goalSign = (k: Pick<KpiDef, 'goal'>): 1 | -1 => (k.goal === 'maximize' ? 1 : -1);

/** The interval turned so that positive = better for this KPI. */
function goalSigned(ci: Interval, sign: 1 | -1): Interval {
  return sign === 1 ? ci : [-ci[1], -ci[0]];
}

/**
 * How the move's purpose shapes the test (issue 12). Primary purpose: the Proceed family holds
 * the primaries, "better" is the goal's direction. Band purpose: the Proceed family holds the
 * target KPI alone, whose "better" is toward its band (whatever its goal); the primary is no
 * longer required to be non-inferior, only not degraded beyond its margin (the margin acts as
 * its tolerance), and every other KPI keeps its own Degraded rule.
 */
interface Roles {
  purpose: ChangePurpose;
  inProceed: (k: KpiDef) => boolean;
  sign: (k: KpiDef) => 1 | -1;
  tolerance: (k: KpiDef) => number;
}

function rolesOf(input: JudgeInput): Roles {
  const purpose = checkedPurpose(input.purpose, input.kpis);
  if (purpose.kind !== 'band')
    return { purpose, inProceed: (k) => k.role === 'primary', sign: goalSign, tolerance: (k) => k.tolerance ?? 0 };
  return {
    purpose,
    inProceed: (k) => k.name === purpose.kpi,
    sign: (k) => (k.name === purpose.kpi ? purpose.direction : goalSign(k)),
    tolerance: (k) =>
      k.name !== purpose.kpi && k.role === 'primary' ? Math.max(k.tolerance ?? 0, input.nonInferiorityMargin) : (k.tolerance ?? 0),
  };
}

/**
 * One KPI's class. `better`/`worse`: its family rejected in that direction. A KPI's `tolerance`
 * (guardrails) widens both tests: it is Degraded only when significantly worse AND the whole
 * interval `worseCI` lies beyond −tolerance, and it is NonInferior when the interval's worse end
 * stays above −max(margin, tolerance).
 */
function classify(
  sign: 1 | -1,
  better: boolean,
  worse: boolean,
  relCI: Interval,
  worseCI: Interval,
  margin: number,
  tolerance = 0,
): KpiClassification {
  if (worse && (tolerance === 0 || goalSigned(worseCI, sign)[1] < -tolerance)) return 'Degraded';
  if (better) return 'Improved';
  return goalSigned(relCI, sign)[0] > -Math.max(margin, tolerance) ? 'NonInferior' : 'Inconclusive';
}

/**
 * Two-sided level of the interval whose worse end decides non-inferiority: 2·alpha, so the
 * one-sided check runs at the full alpha (intersection-union, see the header).
 */
export function niTwoSidedLevel(input: Pick<JudgeInput, 'confidenceLevel' | 'nonInferiorityAlphaShare'>): number {
  return Math.min(1, 2 * (1 - input.confidenceLevel) * (input.nonInferiorityAlphaShare ?? 1));
}

function hasData(input: JudgeInput, k: KpiDef): boolean {
  const g = input.groups[k.name];
  return g !== undefined && g.control.n >= input.minSamplesPerGroup && g.canary.n >= input.minSamplesPerGroup;
}

function noDataEvidence(input: JudgeInput, k: KpiDef): KpiEvidence {
  const g = input.groups[k.name];
  const control = g?.control ?? EMPTY;
  const canary = g?.canary ?? EMPTY;
  const usable = control.n > 0 && canary.n > 0 && Number.isFinite(canary.mean - control.mean);
  const diff = usable ? canary.mean - control.mean : 0;
  return {
    kpi: k.name,
    goal: k.goal,
    role: k.role,
    control,
    canary,
    diff,
    relDiff: usable && control.mean !== 0 ? diff / Math.abs(control.mean) : 0,
    relCI: [-Infinity, Infinity],
    diffCI: [-Infinity, Infinity],
    t: 0,
    df: 0,
    pValue: 1,
    adjustedP: 1,
    classification: 'NoData',
    flags: [g === undefined ? 'no_data' : 'too_few_samples'],
  };
}

/**
 * adjustedP on the scale of alpha (reject ⟺ adjustedP < alpha): the smaller of the two
 * family-adjusted one-sided p-values, each divided by the level it is compared with.
 */
function combinedAdjusted(alpha: number, adjB: number, levelB: number, adjW: number, levelW: number): number {
  const b = levelB > 0 ? (adjB * alpha) / levelB : Infinity;
  const w = levelW > 0 ? (adjW * alpha) / levelW : Infinity;
  return Math.min(1, b, w);
}

function finalEvidence(input: JudgeInput, withData: KpiDef[], ec: ErrorControl, roles: Roles): Map<string, KpiEvidence> {
  const tests = withData.map((k) => {
    const g = input.groups[k.name]!;
    const w = welch(g.control, g.canary, input.confidenceLevel);
    // At a stage end the non-inferiority check gets the stage's share of the full alpha (stagePlan).
    const ni = welch(g.control, g.canary, 1 - niTwoSidedLevel(input) * (ec.stageShare ?? 1)).relCI;
    const p = oneSidedP(w);
    const sign = roles.sign(k);
    return { k, g, w, ni, sign, pBetter: sign === 1 ? p.upper : p.lower, pWorse: sign === 1 ? p.lower : p.upper };
  });
  const primaryIdx = tests.map((t, i) => (roles.inProceed(t.k) ? i : -1)).filter((i) => i >= 0);
  const adjB = new Array<number>(tests.length).fill(1);
  holm(primaryIdx.map((i) => tests[i]!.pBetter)).forEach((p, j) => (adjB[primaryIdx[j]!] = p));
  const adjW = holm(tests.map((t) => t.pWorse));
  const alpha = ec.alpha;
  const out = new Map<string, KpiEvidence>();
  tests.forEach(({ k, g, w, ni, sign, pBetter, pWorse }, i) => {
    // Outside the Proceed family a KPI cannot claim an improvement; its "Improved" is descriptive (CI wholly better).
    const better = roles.inProceed(k) ? adjB[i]! < ec.proceed.finalAlpha : w.pValue < alpha && sign * w.diff > 0;
    const worse = adjW[i]! < ec.harm.finalAlpha;
    out.set(k.name, {
      kpi: k.name,
      goal: k.goal,
      role: k.role,
      control: g.control,
      canary: g.canary,
      diff: w.diff,
      relDiff: w.relDiff,
      relCI: w.relCI,
      diffCI: w.ci,
      intervalLevel: input.confidenceLevel,
      t: w.t,
      df: w.df,
      pValue: w.pValue,
      adjustedP: combinedAdjusted(alpha, adjB[i]!, ec.proceed.finalAlpha, adjW[i]!, ec.harm.finalAlpha),
      pBetter,
      pWorse,
      adjustedPBetter: adjB[i]!,
      adjustedPWorse: adjW[i]!,
      niRelCI: ni,
      classification: classify(sign, better, worse, ni, w.relCI, input.nonInferiorityMargin, roles.tolerance(k)),
      flags: w.flags,
    });
  });
  return out;
}

function interimEvidence(
  input: JudgeInput,
  withData: KpiDef[],
  ec: ErrorControl,
  tuning: CsTuning,
  roles: Roles,
): Map<string, KpiEvidence> {
  const nPrimaries = Math.max(1, input.kpis.filter(roles.inProceed).length);
  const nKpis = Math.max(1, input.kpis.length);
  const levelP = 1 - ec.proceed.interimLevel;
  const levelH = 1 - ec.harm.interimLevel;
  const levelNI = niTwoSidedLevel(input);
  const out = new Map<string, KpiEvidence>();
  for (const k of withData) {
    const g = input.groups[k.name]!;
    const sign = roles.sign(k);
    const primary = roles.inProceed(k);
    const seq = (level: number) => confidenceSequence(g.control, g.canary, level, tuning);
    const harm = seq(levelH);
    // Primaries: the Proceed family's sequence. Guardrails: the non-inferiority sequence, one-sided
    // at the full alpha (an intersection-union condition for stopping early, like the final NI test).
    const cs = primary ? seq(levelP) : seq(levelNI);
    const w = welch(g.control, g.canary, input.confidenceLevel);
    const half = Math.min(1, cs.pValue / 2); // Λ does not depend on the level: one p for every sequence
    const pBetter = sign * cs.diff > 0 ? half : 1;
    const pWorse = sign * cs.diff < 0 ? half : 1;
    const adjB = primary ? Math.min(1, pBetter * nPrimaries) : 1;
    const adjW = Math.min(1, pWorse * nKpis);
    const better = goalSigned(cs.ci, sign)[0] > 0;
    out.set(k.name, {
      kpi: k.name,
      goal: k.goal,
      role: k.role,
      control: g.control,
      canary: g.canary,
      diff: cs.diff,
      relDiff: cs.relDiff,
      relCI: cs.relCI,
      diffCI: cs.ci,
      intervalLevel: 1 - (primary ? levelP : levelNI),
      t: w.t,
      df: w.df,
      pValue: cs.pValue,
      adjustedP: combinedAdjusted(ec.alpha, adjB, ec.proceed.alpha * ec.interimShare, adjW, ec.harm.alpha * ec.interimShare),
      pBetter,
      pWorse,
      adjustedPBetter: adjB,
      adjustedPWorse: adjW,
      harmRelCI: harm.relCI,
      ...(primary ? {} : { niRelCI: cs.relCI }),
      classification: classify(
        sign,
        better,
        goalSigned(harm.ci, sign)[1] < 0,
        cs.relCI,
        harm.relCI,
        input.nonInferiorityMargin,
        roles.tolerance(k),
      ),
      flags: cs.flags,
    });
  }
  return out;
}

// ---------------------------------------------------------------- reasons

const pct = (x: number): string => (Number.isFinite(x) ? `${(x * 100).toFixed(2)}%` : x > 0 ? '+∞' : '-∞');
const num = (x: number): string => (Number.isFinite(x) ? Number(x.toPrecision(4)).toString() : x > 0 ? '+∞' : '-∞');

function describe(e: KpiEvidence): string {
  const sign = e.goal === 'maximize' ? 1 : -1;
  const [lo, hi] = goalSigned(e.relCI, sign);
  const level = e.intervalLevel !== undefined ? `${num(e.intervalLevel * 100)}% ` : '';
  const ni = e.niRelCI ? `, non-inferiority bound ${pct(goalSigned(e.niRelCI, sign)[0])}` : '';
  const directional =
    e.adjustedPBetter !== undefined ? `, adjusted one-sided p better=${num(e.adjustedPBetter)} worse=${num(e.adjustedPWorse ?? 1)}` : '';
  return (
    `${e.role} ${e.kpi} (${e.goal}): control ${num(e.control.mean)} (n=${e.control.n}) vs canary ` +
    `${num(e.canary.mean)} (n=${e.canary.n}), better-signed change ${pct(sign * e.relDiff)} ` +
    `[${level}interval ${pct(lo)}..${pct(hi)}]${ni}, p=${num(e.pValue)}${directional} → ${e.classification}`
  );
}

/** What failed in a KPI's paired checks, with its numbers. */
function integrityText(r: KpiVarianceReduction): string {
  const p = r.paired!;
  const srm = (name: string, c: SrmCheck) =>
    c.passed ? [] : [`${name} canary share ${pct(c.observedShare)} of ${c.total} rows vs planned ${pct(c.share)}, p=${num(c.pValue)}`];
  const placebo =
    p.placebo && !p.placebo.passed ? [`untriggered rows differ by ${pct(p.placebo.relDiff)} (placebo), p=${num(p.placebo.pValue)}`] : [];
  return [...srm('all tagged rows:', p.srmAll), ...srm('triggered rows:', p.srmTriggered), ...placebo].join(', ');
}

// ---------------------------------------------------------------- decision

export function judgeCanary(input: JudgeInput): CanaryVerdict {
  const tuning = input.csTuning ?? DEFAULT_CS_TUNING;
  const margin = input.nonInferiorityMargin;
  const roles = rolesOf(input);
  const band = roles.purpose.kind === 'band' ? roles.purpose : null;
  const withData = input.kpis.filter((k) => hasData(input, k));
  const ec = errorControl(input, withData, roles.inProceed);
  const final = input.isFinalCheck;
  const { stage, maxStages } = stagePlan(input);
  // A stage end before the last: what would end Inconclusive continues into the next stage.
  const lastLook = !final || stage === maxStages;
  const computed = final ? finalEvidence(input, withData, ec, roles) : interimEvidence(input, withData, ec, tuning, roles);
  const kpis = input.kpis.map((k) => computed.get(k.name) ?? noDataEvidence(input, k));

  const primaries = kpis.filter((e) => e.role === 'primary');
  const guardrails = kpis.filter((e) => e.role === 'guardrail');
  const proceeders = kpis.filter((e) => roles.inProceed(input.kpis.find((k) => k.name === e.kpi)!));
  const others = kpis.filter((e) => !proceeders.includes(e));
  const noData = kpis.filter((e) => e.classification === 'NoData');
  const claim = band ? `${band.kpi} toward its band` : `${ec.proceed.kpis.length} primary KPI(s)`;
  const test = final
    ? `Welch t, one-sided: improvement Holm over ${claim} at ${num(ec.proceed.alpha)}, ` +
      `worsening Holm over ${ec.harm.kpis.length} KPI(s) at ${num(ec.harm.alpha)}`
    : `always-valid confidence sequence (tau=${tuning.tau}): ${band ? band.kpi : 'primaries'} at ` +
      `${num(ec.proceed.interimLevel * 100)}%, worsening at ${num(ec.harm.interimLevel * 100)}% per KPI (Bonferroni within each family)`;
  const purposeText = `purpose: ${describePurpose(roles.purpose)}`;
  const stageText =
    maxStages > 1
      ? `stage ${stage} of ${maxStages}${final ? ` (stage end, ${num((ec.stageShare ?? 1) * 100)}% of the stage budget)` : ''}; `
      : '';

  const verdict = (decision: CanaryDecision, rule: VerdictRule, why: string, isFinal: boolean, cited: KpiEvidence[]): CanaryVerdict => {
    const integrity = rule === 'sample_ratio_mismatch' || rule === 'placebo_failed';
    if (decision === 'Inconclusive' && isFinal && !lastLook && !integrity) {
      rule = 'continue_next_stage';
      why = `${why}; not confirmed at the end of stage ${stage}: continuing into stage ${stage + 1}`;
      isFinal = false;
    }
    return {
      decision,
      rule,
      reason: `${stageText}${why}; ${purposeText}; ${test}; margin ${pct(margin)}. ${cited.map(describe).join('; ')}`,
      confidenceLevel: input.confidenceLevel,
      nonInferiorityMargin: margin,
      kpis,
      final: isFinal,
      method: final ? 'welch_fixed_horizon' : 'confidence_sequence',
      ...(final ? {} : { csTau: tuning.tau }),
      errorControl: ec,
      purpose: roles.purpose,
      stage,
      maxStages,
      ...(input.varianceReduction ? { varianceReduction: input.varianceReduction } : {}),
    };
  };

  const degraded = kpis.filter((e) => e.classification === 'Degraded');
  if (degraded.length > 0) {
    const primary = degraded.some((e) => e.role === 'primary');
    const beyondTolerance = degraded.some((e) => roles.tolerance(input.kpis.find((k) => k.name === e.kpi)!) > 0);
    return verdict(
      'Rollback',
      primary ? 'primary_degraded' : 'guardrail_degraded',
      `${degraded.map((e) => e.kpi).join(', ')} significantly worse${beyondTolerance ? ' (beyond tolerance)' : ''}`,
      true,
      degraded,
    );
  }

  const broken = input.kpis
    .map((k) => ({ kpi: k.name, rule: integrityFailure(input.varianceReduction?.[k.name]) }))
    .filter((b): b is { kpi: string; rule: 'sample_ratio_mismatch' | 'placebo_failed' } => b.rule !== null);
  if (broken.length > 0) {
    const rule = broken.some((b) => b.rule === 'sample_ratio_mismatch') ? 'sample_ratio_mismatch' : 'placebo_failed';
    const what = broken.map((b) => `${b.kpi}: ${integrityText(input.varianceReduction![b.kpi]!)}`).join('; ');
    return verdict('Inconclusive', rule, `the paired design's checks failed (${what}): no Proceed on this data`, final, kpis);
  }

  if (noData.length * 2 >= kpis.length || [...primaries, ...proceeders].some((e) => e.classification === 'NoData')) {
    return verdict(
      'Inconclusive',
      'insufficient_data',
      `${noData.length} of ${kpis.length} KPI(s) without ${input.minSamplesPerGroup} samples per group ` +
        `(${noData.map((e) => e.kpi).join(', ')})` +
        (final ? '' : '; keep watching'),
      final,
      kpis,
    );
  }

  const isOk = (e: KpiEvidence): boolean => e.classification === 'Improved' || e.classification === 'NonInferior';
  if (band) {
    const target = proceeders[0]!;
    // A Correction may cost the primary at most the margin, as measured: its estimate, not only
    // its interval (which a noisy canary widens until nothing is "found" degraded).
    const allowance = (e: KpiEvidence): number => roles.tolerance(input.kpis.find((k) => k.name === e.kpi)!);
    const better = (e: KpiEvidence): number => goalSign(e) * e.relDiff;
    const costly =
      (input.bandPrimaryEstimate ?? true)
        ? primaries.filter((e) => e.kpi !== band.kpi && e.classification !== 'NoData' && better(e) < -allowance(e))
        : [];
    if (target.classification === 'Improved' && costly.length > 0) {
      const cost = costly.map((e) => `${e.kpi} ${pct(better(e))} against a margin of ${pct(allowance(e))}`).join(', ');
      const why = `${band.kpi} improved toward its band, but the primary's estimate costs more than its margin (${cost})`;
      return final
        ? verdict('Inconclusive', 'no_confident_result', why, true, [target, ...costly])
        : verdict('Inconclusive', 'continue_monitoring', `${why}; keep watching`, false, [target, ...costly]);
    }
    if (target.classification === 'Improved' && (final || others.every(isOk))) {
      return verdict(
        'Proceed',
        'band_corrected',
        final
          ? `${band.kpi} improved toward its band (the move's purpose); no KPI degraded beyond its margin, the primary's estimate within it`
          : `${band.kpi} clearly improved toward its band (the move's purpose) and every other KPI non-inferior: stopping early`,
        true,
        kpis,
      );
    }
    if (final) return verdict('Inconclusive', 'no_confident_result', `${band.kpi} not shown improved toward its band`, true, kpis);
    return verdict('Inconclusive', 'continue_monitoring', 'no clear result yet', false, kpis);
  }
  if (final) {
    if (primaries.every(isOk) && primaries.some((e) => e.classification === 'Improved')) {
      return verdict(
        'Proceed',
        'primary_improved',
        'primaries improved or non-inferior, at least one improved; no KPI degraded',
        true,
        kpis,
      );
    }
    if (primaries.every((e) => e.classification === 'NonInferior')) {
      return verdict(
        'Proceed',
        'primary_non_inferior',
        'every primary within the non-inferiority margin (neutral result, 3.4); no KPI degraded',
        true,
        kpis,
      );
    }
    return verdict('Inconclusive', 'no_confident_result', 'no primary clearly improved or non-inferior', true, kpis);
  }

  if (primaries.every((e) => e.classification === 'Improved') && guardrails.every(isOk)) {
    return verdict(
      'Proceed',
      'primary_improved',
      'every primary clearly better and every guardrail non-inferior: stopping early',
      true,
      kpis,
    );
  }
  return verdict('Inconclusive', 'continue_monitoring', 'no clear result yet', false, kpis);
}
