/**
 * Variance reduction of one KPI of an overlay canary (issue 12): the regression adjustment
 * (adjust.ts) and, when the planner pairs its arms, the triggered-slot analysis.
 *
 * Paired design. A planner that meets the extended overlay contract (docs/vvtv-integration.md)
 * computes, for every slot, what BOTH arms would select from the slot's shared seed, plays the
 * slot's own arm, and tags the row `paired_triggered` (the arms' selections differ, so the row's
 * value could differ), `control_prediction` and `canary_prediction` (each arm's selection's
 * noiseless value of the KPI; the regression adjustment gives each arm its own slopes on them).
 * On an untriggered slot both arms air the same thing: the treatment cannot act there, and those
 * rows carry only noise. The effect is therefore estimated on the triggered rows alone and
 * diluted to the whole population by the triggered share p (Deng & Hu's triggered analysis):
 *   Δ = p · (ȳ_canary,T − ȳ_control,T),   Var(Δ) = p² · Var(ȳ_canary,T − ȳ_control,T).
 * p is measured over both arms together, and whether a slot triggers does not depend on its
 * arm, so p is fixed before assignment; its own sampling error is left out (the estimate is of
 * the dilution-free population effect, not an extrapolation). The summaries handed to the judge
 * are built so that its Welch test and confidence sequence see exactly Δ and Var(Δ): each group
 * keeps its total row count n (the minimum-sample gate and the information are about every
 * slot), sd' = p · sd_T · sqrt(n / n_T), and `df` the triggered rows' degrees of freedom.
 *
 * Two checks guard the design, each at a strict level (CHECK_ALPHA = 0.001):
 *   - sample ratio mismatch: the canary's share of all tagged rows, and of the triggered rows,
 *     against the planned traffic share (two-sided binomial test, normal approximation);
 *   - placebo: control against canary on the UNtriggered rows (Welch, adjusted like the rest):
 *     no difference may show there; one means the tagging or the pairing is broken.
 * What the judge does with a failure is in canary/judge.ts (rules sample_ratio_mismatch and
 * placebo_failed: never a Proceed).
 *
 * A planner that writes no `paired_triggered` tags (VVTV as it is) gets the regression
 * adjustment only, over every row, with the covariates its rows have.
 */
import tCdf from '@stdlib/stats-base-dists-t-cdf';
import { summaryFromMoments, welch } from '../statistics';
import type { Group, GroupSummary, KpiVarianceReduction, PlaceboCheck, SrmCheck } from '../types';
import { mergeArmMoments, regressionAdjust, type AdjustedGroups, type ArmMoments } from './adjust';

export const TRIGGER_STATES = ['triggered', 'untriggered', 'untagged'] as const;
export type TriggerState = (typeof TRIGGER_STATES)[number];

/** One KPI's moments per group and per trigger state (rows without the tag are `untagged`). */
export type PairedCells = Record<Group, Record<TriggerState, ArmMoments>>;

/** Level of the sample-ratio and placebo checks. */
export const CHECK_ALPHA = 0.001;

export type { KpiVarianceReduction, PlaceboCheck, SrmCheck, VarianceReductionMethod } from '../types';

export interface VarianceReductionOptions {
  cuped: boolean;
  paired: boolean;
  /** The planned canary traffic share. */
  share: number;
  checkAlpha?: number;
}

/** Two-sided binomial test of `canary` of `total` against `share` (normal approximation). */
export function sampleRatioCheck(canary: number, total: number, share: number, alpha = CHECK_ALPHA): SrmCheck {
  const observedShare = total > 0 ? canary / total : share;
  const sd = Math.sqrt(total * share * (1 - share));
  const z = sd > 0 ? (canary - total * share) / sd : 0;
  // The t distribution with a huge df is the normal (no other cdf here).
  const pValue = total > 0 ? Math.min(1, 2 * tCdf(-Math.abs(z), 1e12)) : 1;
  return { share, total, canary, observedShare, pValue, passed: !(pValue < alpha) };
}

const se2 = (g: { control: GroupSummary; canary: GroupSummary }): number =>
  (g.control.n > 0 ? g.control.sd ** 2 / g.control.n : 0) + (g.canary.n > 0 ? g.canary.sd ** 2 / g.canary.n : 0);

const slopeReport = (a: AdjustedGroups): Pick<KpiVarianceReduction, 'slopes' | 'thetaByGroup'> => ({
  ...(a.slopes ? { slopes: a.slopes } : {}),
  ...(a.thetaByGroup ? { thetaByGroup: a.thetaByGroup } : {}),
});

const sum = (cells: Record<TriggerState, ArmMoments>, states: readonly TriggerState[]): ArmMoments =>
  states.map((s) => cells[s]).reduce(mergeArmMoments);

/**
 * The summaries the judge reads for one KPI, and what was done. `covariates` names the
 * covariates of the moments (their meanX order).
 */
export function reduceVariance(
  cells: PairedCells,
  covariates: readonly string[],
  o: VarianceReductionOptions,
): { control: GroupSummary; canary: GroupSummary; report: KpiVarianceReduction } {
  const alpha = o.checkAlpha ?? CHECK_ALPHA;
  const all = { control: sum(cells.control, TRIGGER_STATES), canary: sum(cells.canary, TRIGGER_STATES) };
  const raw = { control: summaryFromMoments(all.control.raw), canary: summaryFromMoments(all.canary.raw) };
  const rawSe2 = se2(raw);
  const reduction = (g: { control: GroupSummary; canary: GroupSummary }) => (rawSe2 > 0 ? 1 - se2(g) / rawSe2 : 0);
  const adjust = (g: { control: ArmMoments; canary: ArmMoments }) =>
    o.cuped
      ? regressionAdjust(g, covariates)
      : {
          control: summaryFromMoments(g.control.raw),
          canary: summaryFromMoments(g.canary.raw),
          adjusted: false,
          covariates: [],
          theta: [],
          varianceReduction: 0,
          notes: [] as string[],
        };

  const untagged = cells.control.untagged.raw.n + cells.canary.untagged.raw.n;
  const tagged = all.control.raw.n + all.canary.raw.n - untagged;
  const notes: string[] = [];
  if (o.paired && tagged > 0 && untagged > 0) notes.push(`paired_triggered missing on ${untagged} rows: no triggered-slot analysis`);
  else if (o.paired && tagged === 0 && untagged > 0) notes.push('no paired_triggered tags (the planner does not pair its arms)');
  if (!o.paired || untagged > 0 || tagged === 0) {
    const a = adjust(all);
    const g = { control: a.control, canary: a.canary };
    return {
      ...g,
      report: {
        method: a.adjusted ? 'cuped' : 'raw',
        covariates: a.covariates,
        theta: a.theta,
        ...slopeReport(a),
        varianceReduction: reduction(g),
        notes: [...notes, ...a.notes],
      },
    };
  }

  const cell = (s: TriggerState) => ({ control: cells.control[s], canary: cells.canary[s] });
  const trig = cell('triggered');
  const nT = { control: trig.control.raw.n, canary: trig.canary.raw.n };
  const nTotal = all.control.raw.n + all.canary.raw.n;
  const p = (nT.control + nT.canary) / nTotal;
  const srmAll = sampleRatioCheck(all.canary.raw.n, nTotal, o.share, alpha);
  const srmTriggered = sampleRatioCheck(nT.canary, nT.control + nT.canary, o.share, alpha);

  const u = adjust(cell('untriggered'));
  let placebo: PlaceboCheck | null = null;
  if (u.control.n >= 2 && u.canary.n >= 2) {
    const w = welch(u.control, u.canary, 1 - alpha);
    placebo = { control: u.control, canary: u.canary, relDiff: w.relDiff, pValue: w.pValue, passed: !(w.pValue < alpha) };
  }

  const controlMean = raw.control.mean;
  let g: { control: GroupSummary; canary: GroupSummary };
  let a: ReturnType<typeof adjust> | null = null;
  if (nT.control + nT.canary === 0) {
    // Nothing triggered: both arms aired the same on every slot, the effect is exactly 0.
    g = { control: { n: raw.control.n, mean: controlMean, sd: 0 }, canary: { n: raw.canary.n, mean: controlMean, sd: 0 } };
    notes.push('no slot triggered: the arms aired the same everywhere');
  } else if (nT.control < 2 || nT.canary < 2) {
    // Too few triggered rows in a group to estimate the effect: the judge sees too few samples.
    const t = { control: summaryFromMoments(trig.control.raw), canary: summaryFromMoments(trig.canary.raw) };
    g = t;
    notes.push(`too few triggered rows (control ${nT.control}, canary ${nT.canary})`);
  } else {
    a = adjust(trig);
    const dilute = (s: GroupSummary, n: number, mean: number): GroupSummary => ({
      n,
      mean,
      sd: p * s.sd * Math.sqrt(n / s.n),
      df: s.df ?? s.n - 1,
    });
    g = {
      control: dilute(a.control, raw.control.n, controlMean),
      canary: dilute(a.canary, raw.canary.n, controlMean + p * (a.canary.mean - a.control.mean)),
    };
  }
  return {
    ...g,
    report: {
      method: a?.adjusted ? 'triggered_cuped' : 'triggered',
      covariates: a?.covariates ?? [],
      theta: a?.theta ?? [],
      ...(a ? slopeReport(a) : {}),
      varianceReduction: reduction(g),
      notes: [...notes, ...(a?.notes ?? [])],
      paired: { triggeredShare: p, triggered: nT, srmAll, srmTriggered, placebo },
    },
  };
}

/** The integrity problem of a KPI's report, if any: the rule the judge names. */
export function integrityFailure(r: KpiVarianceReduction | undefined): 'sample_ratio_mismatch' | 'placebo_failed' | null {
  if (!r?.paired) return null;
  if (!r.paired.srmAll.passed || !r.paired.srmTriggered.passed) return 'sample_ratio_mismatch';
  if (r.paired.placebo && !r.paired.placebo.passed) return 'placebo_failed';
  return null;
}
