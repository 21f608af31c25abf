/**
 * What the daily cycle proposes (1.3, 1.4): the learning optimizer; on a cold start (no
 * evidence, and nothing the optimizer would try) the config's rule table (proposer.ts) steers instead,
 * with the governor's step scale and the operator's active overrides in place of the sliding
 * range; drift mode keeps only Corrections.
 *
 * The cycle workflow and bench/decision-quality.ts both call this, so the bench measures the
 * decision the product makes.
 */
import { proposeChanges } from './rules';
import type { ParamDef, ParameterChange } from '../types';
import { optimize, type OptimizerResult } from './optimize';
import { offlineImpactOf, offlineMoveOf } from './offline';
import type { OptimizerInput } from './types';
import { DEFAULT_TREND_HORIZON_HOURS, projectTrends } from './trends';

export type ProposalSource = 'optimizer' | 'rules (optimizer has no evidence yet)' | 'none';

export interface CycleProposal {
  changes: ParameterChange[];
  /** Who proposed: the optimizer, or the rules on a cold start. */
  source: ProposalSource;
  /** The optimizer's evidence (candidates, skipped directions, reason), even when the rules steered. */
  optimizer: OptimizerResult;
}

/** Proposal steps scaled by the governor (drift mode, recovery ramp); an int step stays ≥ 1. */
function scaledParams(params: ParamDef[], scale: number): ParamDef[] {
  if (scale === 1) return params;
  return params.map((p) => ({ ...p, step: p.type === 'int' ? Math.max(1, Math.round(p.step * scale)) : p.step * scale }));
}

export function proposeForCycle(raw: OptimizerInput): CycleProposal {
  // 1.3: a KPI heading out of its band within the horizon is treated as already out (trends.ts).
  const input = { ...raw, analysis: projectTrends(raw.analysis, raw.kpis, raw.options.trendHorizonHours ?? DEFAULT_TREND_HORIZON_HOURS) };
  const optimizer = optimize(input);
  if (optimizer.changes.length > 0 || optimizer.evidence > 0)
    return { changes: optimizer.changes, source: optimizer.changes.length ? 'optimizer' : 'none', optimizer };
  const o = input.options;
  let rules = proposeChanges({
    analysis: input.analysis,
    kpis: input.kpis,
    params: scaledParams(input.params, o.stepScale ?? 1),
    current: input.current,
    bounds: input.bounds,
    overrides: input.overrides,
    now: input.now,
    maxChanges: o.maxChanges,
    rules: o.rules ?? [],
    ...(o.jointMoves ? { jointMoves: o.jointMoves } : {}),
  });
  if (o.correctionsOnly) rules = rules.filter((c) => c.changeType === 'Correction'); // drift mode (4.2)
  // The offline replay's prediction of a rule's move, when it was replayed (the canary report shows it next to the measurement).
  rules = rules.map((c) => {
    const offlineImpact = offlineImpactOf(offlineMoveOf(input.offline, { [c.parameter]: c.newValue - c.oldValue }));
    return offlineImpact ? { ...c, offlineImpact } : c;
  });
  return { changes: rules, source: rules.length ? 'rules (optimizer has no evidence yet)' : 'none', optimizer };
}
