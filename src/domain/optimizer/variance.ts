/**
 * What the planned canary's judge will remove of each KPI's variance (issue 12), learned from the
 * canaries that already ran: each final verdict stores, per KPI, the share of the raw estimate's
 * variance its variance reduction removed (regression adjustment, triggered-slot analysis). The
 * optimizer's forecast of a canary (objective.ts, canarySe) assumed the raw variance; with the
 * judge removing most of it, that forecast understated power about threefold in MDE and kept the
 * learner timid.
 *
 * Conservative by construction: a KPI's expected remaining share is the LARGEST among its last
 * `window` measured canaries (the least reduction seen lately), it needs at least `minCanaries`
 * of them, and it never goes below `floor`. Replayed pseudo-experiments never count. Without
 * enough canaries the share is 1: the raw variance, as before.
 */
import type { CanaryPlan, Experiment } from './types';

export interface VarianceShareOptions {
  /** Last canaries considered per KPI. Default 3. */
  window?: number;
  /** Canaries with a measured reduction needed before the forecast uses it. Default 2. */
  minCanaries?: number;
  /** Smallest remaining share used (the forecast's se shrinks at most by √floor). Default 0.05. */
  floor?: number;
}

export interface LearnedVariance {
  /** Per KPI: the share of the raw variance the forecast assumes is left (1 = raw). */
  share: Record<string, number>;
  /** Per KPI: the canaries it came from (id and the reduction each measured). */
  basis: Record<string, Array<{ id: string; reduction: number }>>;
}

/** The expected remaining variance share per KPI, from the experiments (oldest first). */
export function learnedVarianceShare(
  experiments: readonly Experiment[],
  kpis: readonly string[],
  o: VarianceShareOptions = {},
): LearnedVariance {
  const window = o.window ?? 3;
  const minCanaries = o.minCanaries ?? 2;
  const floor = o.floor ?? 0.05;
  const share: Record<string, number> = {};
  const basis: LearnedVariance['basis'] = {};
  for (const kpi of kpis) {
    const seen: Array<{ id: string; reduction: number }> = [];
    for (let i = experiments.length - 1; i >= 0 && seen.length < window; i--) {
      const e = experiments[i]!;
      const r = e.source === 'replay' ? undefined : e.varianceReduction?.[kpi];
      if (r !== undefined && Number.isFinite(r)) seen.push({ id: e.id, reduction: r });
    }
    if (seen.length < minCanaries) continue;
    const left = Math.max(...seen.map((s) => 1 - Math.min(1, Math.max(0, s.reduction))));
    share[kpi] = Math.min(1, Math.max(floor, left));
    basis[kpi] = seen;
  }
  return { share, basis };
}

/** The plan with the learned shares (a share given in the plan wins). */
export function withLearnedVariance(plan: CanaryPlan, learned: LearnedVariance): CanaryPlan {
  if (Object.keys(learned.share).length === 0) return plan;
  return { ...plan, varianceShare: { ...learned.share, ...(plan.varianceShare ?? {}) } };
}
