/**
 * The canary judge's error budget for one check: the two directional families (Proceed,
 * Rollback), their interim sequences' levels and, at the final check, what the interim looks
 * spent and what the final Holm tests get. See judge.ts for the reasoning.
 */
import type { JudgeInput } from './judge-input';
import { crossingProbability } from './sequential';
import { DEFAULT_CS_TUNING } from '../statistics';
import type { ErrorControl, ErrorFamily, GroupSummary, KpiDef } from '../types';

/** Default share of each family's alpha spent at interim checks (see the header and bench/canary-stats.ts). */
export const DEFAULT_INTERIM_SHARE = 0.4;

/** Default exponent of the stage-end spending function t^ρ: half of the stage budget at stage 1 of 4. */
export const DEFAULT_STAGE_SPENDING_RHO = 0.5;

/**
 * The stage a look belongs to and the share of the stage-end budget it may spend: f(k/K) −
 * f((k−1)/K) with f(t) = t^ρ (the Kim–DeMets power family), fixed before the canary starts.
 * With one stage the share is 1 (today's fixed-horizon test).
 */
export function stagePlan(input: Pick<JudgeInput, 'stage' | 'maxStages' | 'stageSpendingRho'>): {
  stage: number;
  maxStages: number;
  share: number;
} {
  const maxStages = Math.max(1, Math.floor(input.maxStages ?? 1));
  const stage = Math.min(maxStages, Math.max(1, Math.floor(input.stage ?? 1)));
  const rho = input.stageSpendingRho ?? DEFAULT_STAGE_SPENDING_RHO;
  const f = (t: number): number => Math.pow(t, rho);
  return { stage, maxStages, share: f(stage / maxStages) - f((stage - 1) / maxStages) };
}

/**
 * Information (1/se² in pooled-sd units) of one KPI now, and when both groups first reached the
 * minimum sample size (assuming both grew in proportion): the span the interim looks covered.
 */
function informationSpan(g: { control: GroupSummary; canary: GroupSummary }, minSamples: number): { i0: number; i1: number } {
  const pooled = Math.hypot(g.control.sd, g.canary.sd) / Math.SQRT2;
  const r1 = g.control.sd / pooled;
  const r2 = g.canary.sd / pooled;
  const i1 = 1 / ((r1 * r1) / g.control.n + (r2 * r2) / g.canary.n);
  const i0 = i1 * Math.min(1, Math.max(2, minSamples) / Math.min(g.control.n, g.canary.n));
  return { i0, i1 };
}

/**
 * The two families' levels for this check (see the header). At the final check each family's
 * interim spending is the computed crossing probability of its sequences (sequential.ts) over
 * the information the canary gathered, summed over the family's KPIs (Bonferroni), and the
 * final Holm test gets what is left.
 */
export function errorControl(
  input: JudgeInput,
  withData: KpiDef[],
  inProceed: (k: KpiDef) => boolean = (k) => k.role === 'primary',
): ErrorControl {
  const alpha = 1 - input.confidenceLevel;
  const share = Math.min(1, Math.max(0, input.proceedShare ?? 0.5));
  const interim = Math.min(1, Math.max(0, input.interimShare ?? DEFAULT_INTERIM_SHARE));
  const tau = (input.csTuning ?? DEFAULT_CS_TUNING).tau;
  const alphaP = alpha * share;
  const alphaH = alpha - alphaP;
  const levelP = (2 * alphaP * interim) / Math.max(1, input.kpis.filter(inProceed).length);
  const levelH = (2 * alphaH * interim) / Math.max(1, input.kpis.length);
  const primaries = withData.filter(inProceed);
  const plan = stagePlan(input);
  // The sequence's spending is charged up front over the whole planned horizon (every stage):
  // the information at the last stage's end, projected from this look's at the same rate.
  const horizon = plan.maxStages / plan.stage;
  const spent = (kpis: KpiDef[], level: number): number => {
    if (!input.isFinalCheck || level <= 0) return 0;
    return kpis.reduce((sum, k) => {
      const g = input.groups[k.name]!;
      const flat = !(g.control.sd > 0 || g.canary.sd > 0);
      const span = informationSpan(g, input.minSamplesPerGroup);
      return sum + (flat ? level / 2 : crossingProbability({ i0: span.i0, i1: span.i1 * horizon, tau, alpha: level }));
    }, 0);
  };
  const family = (a: number, kpis: KpiDef[], level: number): ErrorFamily => {
    const interimSpent = spent(kpis, level);
    const stageBudget = Math.max(0, a - interimSpent);
    return {
      alpha: a,
      finalAlpha: stageBudget * plan.share,
      interimSpent,
      kpis: kpis.map((k) => k.name),
      interimLevel: 1 - level,
    };
  };
  return {
    alpha,
    interimShare: interim,
    proceed: family(alphaP, primaries, levelP),
    harm: family(alphaH, withData, levelH),
    stage: plan.stage,
    maxStages: plan.maxStages,
    stageShare: plan.share,
  };
}
