/**
 * The canary judge: per-KPI evidence, then one decision with a stable rule name.
 *
 * Final check (fixed horizon): Welch per KPI at confidenceLevel, Holm across the KPIs with data.
 * Interim checks: the always-valid normal-mixture confidence sequence (statistics.ts) at
 * 1 - alpha/K per KPI (Bonferroni over all K configured KPIs, so the level does not move as
 * KPIs gain data), so checking every minute does not inflate false decisions.
 *
 * Rules, in order:
 *   primary_degraded / guardrail_degraded  any KPI significantly worse         → Rollback
 *   insufficient_data   ≥ half the KPIs, or any primary, lack data             → Inconclusive
 *   final check:
 *     primary_improved      every primary Improved|NonInferior, ≥ 1 Improved  → Proceed
 *     primary_non_inferior  every primary NonInferior                         → Proceed (3.4)
 *     no_confident_result   otherwise                                         → Inconclusive
 *   interim check:
 *     primary_improved      every primary's CS wholly better and every guardrail's CS lower
 *                           bound above -margin (non-inferiority already shown) → Proceed
 *     continue_monitoring   otherwise                             → Inconclusive, final=false
 * Degradation is checked before missing data: a KPI that is significantly worse rolls back
 * even when another KPI has no data yet.
 */
import type { CanaryDecision, CanaryVerdict, GroupSummary, KpiClassification, KpiDef, KpiEvidence } from './types';
import { confidenceSequence, DEFAULT_CS_TUNING, holm, welch, type CsTuning, type Interval } from './statistics';

export interface JudgeInput {
  kpis: KpiDef[];
  groups: Record<string, { control: GroupSummary; canary: GroupSummary } | undefined>;
  /** e.g. 0.95; alpha = 1 - confidenceLevel. */
  confidenceLevel: number;
  /** Relative margin, e.g. 0.02: goal-signed relative CI lower bound above -margin = non-inferior. */
  nonInferiorityMargin: number;
  minSamplesPerGroup: number;
  isFinalCheck: boolean;
  /** Interim confidence-sequence tuning; DEFAULT_CS_TUNING when absent. */
  csTuning?: CsTuning;
}

const EMPTY: GroupSummary = { n: 0, mean: 0, sd: 0 };

/** +1 when higher is better, -1 when lower is better. */
const goalSign = (k: KpiDef): 1 | -1 => (k.goal === 'maximize' ? 1 : -1);

/** The interval turned so that positive = better for this KPI. */
function goalSigned(ci: Interval, sign: 1 | -1): Interval {
  return sign === 1 ? ci : [-ci[1], -ci[0]];
}

/**
 * One KPI's class. A KPI's `tolerance` (guardrails) widens both tests: it is Degraded only when
 * significantly worse AND the whole interval lies beyond −tolerance, and it is NonInferior when
 * the interval's worse end stays above −max(margin, tolerance).
 */
function classify(sign: 1 | -1, diffCIExcludesZero: boolean, diff: number, relCI: Interval, margin: number, tolerance = 0): KpiClassification {
  const [lo, hi] = goalSigned(relCI, sign);
  if (diffCIExcludesZero && sign * diff < 0 && (tolerance === 0 || hi < -tolerance)) return 'Degraded';
  if (diffCIExcludesZero && sign * diff > 0) return 'Improved';
  return lo > -Math.max(margin, tolerance) ? 'NonInferior' : 'Inconclusive';
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
    kpi: k.name, goal: k.goal, role: k.role, control, canary,
    diff, relDiff: usable && control.mean !== 0 ? diff / Math.abs(control.mean) : 0,
    relCI: [-Infinity, Infinity], diffCI: [-Infinity, Infinity],
    t: 0, df: 0, pValue: 1, adjustedP: 1, classification: 'NoData',
    flags: [g === undefined ? 'no_data' : 'too_few_samples'],
  };
}

function finalEvidence(input: JudgeInput, withData: KpiDef[]): Map<string, KpiEvidence> {
  const alpha = 1 - input.confidenceLevel;
  const tests = withData.map((k) => {
    const g = input.groups[k.name]!;
    return { k, g, w: welch(g.control, g.canary, input.confidenceLevel) };
  });
  const adjusted = holm(tests.map((x) => x.w.pValue));
  const out = new Map<string, KpiEvidence>();
  tests.forEach(({ k, g, w }, i) => {
    const adjustedP = adjusted[i]!;
    out.set(k.name, {
      kpi: k.name, goal: k.goal, role: k.role, control: g.control, canary: g.canary,
      diff: w.diff, relDiff: w.relDiff, relCI: w.relCI, diffCI: w.ci, intervalLevel: input.confidenceLevel,
      t: w.t, df: w.df, pValue: w.pValue, adjustedP,
      classification: classify(goalSign(k), adjustedP < alpha, w.diff, w.relCI, input.nonInferiorityMargin, k.tolerance),
      flags: w.flags,
    });
  });
  return out;
}

function interimEvidence(input: JudgeInput, withData: KpiDef[], tuning: CsTuning): Map<string, KpiEvidence> {
  const perKpiAlpha = (1 - input.confidenceLevel) / Math.max(1, input.kpis.length);
  const out = new Map<string, KpiEvidence>();
  for (const k of withData) {
    const g = input.groups[k.name]!;
    const cs = confidenceSequence(g.control, g.canary, perKpiAlpha, tuning);
    const w = welch(g.control, g.canary, input.confidenceLevel);
    const excludesZero = cs.ci[0] > 0 || cs.ci[1] < 0;
    out.set(k.name, {
      kpi: k.name, goal: k.goal, role: k.role, control: g.control, canary: g.canary,
      diff: cs.diff, relDiff: cs.relDiff, relCI: cs.relCI, diffCI: cs.ci, intervalLevel: 1 - perKpiAlpha,
      t: w.t, df: w.df, pValue: cs.pValue, adjustedP: Math.min(1, cs.pValue * input.kpis.length),
      classification: classify(goalSign(k), excludesZero, cs.diff, cs.relCI, input.nonInferiorityMargin, k.tolerance),
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
  return `${e.role} ${e.kpi} (${e.goal}): control ${num(e.control.mean)} (n=${e.control.n}) vs canary ` +
    `${num(e.canary.mean)} (n=${e.canary.n}), better-signed change ${pct(sign * e.relDiff)} ` +
    `[${level}interval ${pct(lo)}..${pct(hi)}], p=${num(e.pValue)}, adjusted p=${num(e.adjustedP)} → ${e.classification}`;
}

// ---------------------------------------------------------------- decision

export function judgeCanary(input: JudgeInput): CanaryVerdict {
  const tuning = input.csTuning ?? DEFAULT_CS_TUNING;
  const alpha = 1 - input.confidenceLevel;
  const margin = input.nonInferiorityMargin;
  const withData = input.kpis.filter((k) => hasData(input, k));
  const computed = input.isFinalCheck ? finalEvidence(input, withData) : interimEvidence(input, withData, tuning);
  const kpis = input.kpis.map((k) => computed.get(k.name) ?? noDataEvidence(input, k));

  const primaries = kpis.filter((e) => e.role === 'primary');
  const guardrails = kpis.filter((e) => e.role === 'guardrail');
  const noData = kpis.filter((e) => e.classification === 'NoData');
  const final = input.isFinalCheck;
  const test = final
    ? `Welch t at ${num(input.confidenceLevel * 100)}% with Holm over ${withData.length} KPI(s)`
    : `always-valid confidence sequence at ${num((1 - alpha / Math.max(1, input.kpis.length)) * 100)}% per KPI (Bonferroni over ${input.kpis.length}, tau=${tuning.tau})`;

  const verdict = (decision: CanaryDecision, rule: string, why: string, isFinal: boolean, cited: KpiEvidence[]): CanaryVerdict => ({
    decision, rule,
    reason: `${why}; ${test}; margin ${pct(margin)}. ${cited.map(describe).join('; ')}`,
    confidenceLevel: input.confidenceLevel,
    nonInferiorityMargin: margin,
    kpis, final: isFinal,
    method: final ? 'welch_fixed_horizon' : 'confidence_sequence',
    ...(final ? {} : { csTau: tuning.tau }),
  });

  const degraded = kpis.filter((e) => e.classification === 'Degraded');
  if (degraded.length > 0) {
    const primary = degraded.some((e) => e.role === 'primary');
    return verdict('Rollback', primary ? 'primary_degraded' : 'guardrail_degraded',
      `${degraded.map((e) => e.kpi).join(', ')} significantly worse${degraded.some((e) => (input.kpis.find((k) => k.name === e.kpi)?.tolerance ?? 0) > 0) ? ' (beyond tolerance)' : ''}`, true, degraded);
  }

  if (noData.length * 2 >= kpis.length || primaries.some((e) => e.classification === 'NoData')) {
    return verdict('Inconclusive', 'insufficient_data',
      `${noData.length} of ${kpis.length} KPI(s) without ${input.minSamplesPerGroup} samples per group (${noData.map((e) => e.kpi).join(', ')})` +
        (final ? '' : '; keep watching'), final, kpis);
  }

  const isOk = (e: KpiEvidence): boolean => e.classification === 'Improved' || e.classification === 'NonInferior';
  if (final) {
    if (primaries.every(isOk) && primaries.some((e) => e.classification === 'Improved')) {
      return verdict('Proceed', 'primary_improved', 'primaries improved or non-inferior, at least one improved; no KPI degraded', true, kpis);
    }
    if (primaries.every((e) => e.classification === 'NonInferior')) {
      return verdict('Proceed', 'primary_non_inferior', 'every primary within the non-inferiority margin (neutral result, 3.4); no KPI degraded', true, kpis);
    }
    return verdict('Inconclusive', 'no_confident_result', 'no primary clearly improved or non-inferior', true, kpis);
  }

  if (primaries.every((e) => e.classification === 'Improved') && guardrails.every(isOk)) {
    return verdict('Proceed', 'primary_improved', 'every primary clearly better and every guardrail non-inferior: stopping early', true, kpis);
  }
  return verdict('Inconclusive', 'continue_monitoring', 'no clear result yet', false, kpis);
}
