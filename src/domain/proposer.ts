import type { KpiAnalysis, KpiDef, ParamDef, ParameterBounds, ParameterChange, WindowAnalysis } from './types';

/**
 * Rule-based proposals from the 24 h analysis (1.3). Each rule reacts to one KPI outside its
 * target band and moves one parameter one step in the direction that brings it back; the rules
 * are ordered by how far their KPI is out of band, and at most `maxChanges` are returned.
 *
 * The expected impacts are coarse priors (relative KPI change per step), written so that the
 * measured canary effect can be compared with them (autopilot_pred_vs_real_error, 8.1).
 */
interface Rule {
  name: string;
  kpi: string;
  when: KpiAnalysis['position'];
  parameter: string;
  direction: 1 | -1;
  rationale: string;
  expectedImpact: Record<string, number>;
}

export const RULES: Rule[] = [
  {
    name: 'entropy_below_target',
    kpi: 'selection_entropy',
    when: 'below',
    parameter: 'temperature',
    direction: 1,
    rationale: 'selection entropy is below its target band: a warmer softmax spreads picks over more kinds',
    expectedImpact: { selection_entropy: 0.04, engagement_proxy: 0.01, curator_apply_budget_used_pct: 0.05 },
  },
  {
    name: 'entropy_above_target',
    kpi: 'selection_entropy',
    when: 'above',
    parameter: 'temperature',
    direction: -1,
    rationale: 'selection entropy is above its target band: a cooler softmax concentrates on the best plans',
    expectedImpact: { selection_entropy: -0.04, engagement_proxy: 0.01, curator_apply_budget_used_pct: -0.05 },
  },
  {
    name: 'curator_budget_high',
    kpi: 'curator_apply_budget_used_pct',
    when: 'above',
    parameter: 'temperature',
    direction: -1,
    rationale: 'the curator spends too much of its correction budget: fewer low-quality picks at a lower temperature',
    expectedImpact: { curator_apply_budget_used_pct: -0.08, selection_entropy: -0.03 },
  },
  {
    name: 'novelty_kld_high',
    kpi: 'novelty_temporal_kld',
    when: 'above',
    parameter: 'plan_selection_bias',
    direction: 1,
    rationale: 'the age mix of selected plans is far from the target: a higher plan_selection_bias favours fresh plans',
    expectedImpact: { novelty_temporal_kld: -0.1, engagement_proxy: 0.0 },
  },
  // The rules below act on top_k and epsilon. Their directions follow from the reference
  // selection (src/adapters/selection/select.ts), not from any measured optimum:
  // - top_k is the number of picks per slot: one more pick adds one more draw to the selected
  //   set, so the kind entropy of the set can only grow (at most ln(k+1) − ln(k) ≈ 1/k nats,
  //   ≈ 6 % of ln 8 at k = 8; half of that bound is the prior), and the extra pick comes from
  //   further down the ranking, so more of the picks are low-score ones the curator corrects.
  //   Its effect on engagement is not signed by the selection: the prior leaves it at 0.
  // - epsilon is the share of positions filled uniformly at random instead of by score: more
  //   of it spreads picks over more kinds (entropy up), puts lower-score plans on air
  //   (engagement slightly down) and gives the curator more to correct.
  // They come after the temperature rules so that, at equal severity, the rule proposer
  // (one change a cycle) keeps its historical choice.
  {
    name: 'entropy_below_target_top_k',
    kpi: 'selection_entropy',
    when: 'below',
    parameter: 'top_k',
    direction: 1,
    rationale: 'selection entropy is below its target band: one more pick per slot spreads the selected set over more kinds',
    expectedImpact: { selection_entropy: 0.03, engagement_proxy: 0.0, curator_apply_budget_used_pct: 0.03 },
  },
  {
    name: 'entropy_above_target_top_k',
    kpi: 'selection_entropy',
    when: 'above',
    parameter: 'top_k',
    direction: -1,
    rationale: 'selection entropy is above its target band: one pick fewer per slot narrows the selected set',
    expectedImpact: { selection_entropy: -0.03, engagement_proxy: 0.0, curator_apply_budget_used_pct: -0.03 },
  },
  {
    name: 'curator_budget_high_top_k',
    kpi: 'curator_apply_budget_used_pct',
    when: 'above',
    parameter: 'top_k',
    direction: -1,
    rationale: 'the curator spends too much of its correction budget: one pick fewer per slot drops the lowest-ranked pick',
    expectedImpact: { curator_apply_budget_used_pct: -0.05, selection_entropy: -0.03 },
  },
  {
    name: 'entropy_below_target_epsilon',
    kpi: 'selection_entropy',
    when: 'below',
    parameter: 'epsilon',
    direction: 1,
    rationale: 'selection entropy is below its target band: more uniformly random positions spread picks over more kinds',
    expectedImpact: { selection_entropy: 0.01, engagement_proxy: -0.005, curator_apply_budget_used_pct: 0.02 },
  },
  {
    name: 'curator_budget_high_epsilon',
    kpi: 'curator_apply_budget_used_pct',
    when: 'above',
    parameter: 'epsilon',
    direction: -1,
    rationale: 'the curator spends too much of its correction budget: fewer uniformly random (often low-score) picks',
    expectedImpact: { curator_apply_budget_used_pct: -0.03, selection_entropy: -0.01, engagement_proxy: 0.005 },
  },
];

export interface ProposalContext {
  analysis: WindowAnalysis;
  kpis: KpiDef[];
  params: ParamDef[];
  /** Current values, by parameter name. */
  current: Record<string, number>;
  bounds: ParameterBounds[];
  maxChanges: number;
}

/** How far outside its band a KPI is, relative to the band edge (0 when inside). */
function outOfBand(a: KpiAnalysis, k: KpiDef): number {
  if (a.position === 'below' && k.target_min !== undefined) return (k.target_min - a.mean) / Math.max(Math.abs(k.target_min), 1e-9);
  if (a.position === 'above' && k.target_max !== undefined) return (a.mean - k.target_max) / Math.max(Math.abs(k.target_max), 1e-9);
  return 0;
}

export function proposeChanges(ctx: ProposalContext): ParameterChange[] {
  if (!ctx.analysis.usable) return [];
  const candidates: Array<{ change: ParameterChange; severity: number }> = [];
  for (const rule of RULES) {
    const a = ctx.analysis.kpis.find((x) => x.kpi === rule.kpi);
    const k = ctx.kpis.find((x) => x.name === rule.kpi);
    const p = ctx.params.find((x) => x.name === rule.parameter);
    const old = ctx.current[rule.parameter];
    if (!a || !k || !p || old === undefined || a.position !== rule.when) continue;
    const b = ctx.bounds.find((x) => x.parameter === p.name);
    const lo = Math.max(p.hard_min, b?.min ?? p.hard_min);
    const hi = Math.min(p.hard_max, b?.max ?? p.hard_max);
    let next = old + rule.direction * p.step;
    next = Math.min(hi, Math.max(lo, next));
    next = p.type === 'int' ? Math.round(next) : Math.round(next * 1e6) / 1e6;
    if (Math.abs(next - old) < 1e-9) continue;
    const severity = outOfBand(a, k);
    const scale = Math.abs(next - old) / p.step;
    candidates.push({
      severity,
      change: {
        parameter: p.name,
        cardPath: p.card_path,
        oldValue: old,
        newValue: next,
        changeType: 'Correction',
        rule: rule.name,
        rationale: `${rule.rationale} (${a.kpi} 24 h mean ${a.mean.toFixed(4)}, trend ${a.trend}, n=${a.n})`,
        expectedImpact: Object.fromEntries(Object.entries(rule.expectedImpact).map(([kpi, v]) => [kpi, v * scale])),
        confidence: Math.min(0.9, 0.5 + severity),
      },
    });
  }
  candidates.sort((x, y) => y.severity - x.severity);
  const chosen: ParameterChange[] = [];
  for (const c of candidates) {
    if (chosen.length >= ctx.maxChanges) break;
    if (chosen.some((x) => x.parameter === c.change.parameter)) continue;
    chosen.push(c.change);
  }
  return chosen;
}
