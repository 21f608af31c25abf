import type { ProposalRule } from '../domain/parameter-spec';

/**
 * The rule table's default (1.3): what `optimizer.rules` holds when the config leaves it out.
 * config/autopilot.yaml ships the same table, written out for operators to edit. A rule whose
 * parameter the config does not declare never fires; a rule written in the config must name a
 * declared parameter and KPI.
 *
 * Each rule reacts to one KPI outside its target band and moves one parameter one step toward
 * bringing it back. The expected impacts are coarse priors (relative KPI change per step): the
 * learning optimizer starts from them, and the measured canary effect is compared with them
 * (autopilot_pred_vs_real_error, 8.1).
 */
export const DEFAULT_RULES: ProposalRule[] = [
  {
    name: 'entropy_below_target',
    kpi: 'selection_entropy',
    when: 'below',
    parameter: 'temperature',
    direction: 1,
    rationale: 'selection entropy is below its target band: a warmer softmax spreads picks over more kinds',
    expected_impact: { selection_entropy: 0.04, engagement_proxy: 0.01, curator_apply_budget_used_pct: 0.05 },
  },
  {
    name: 'entropy_above_target',
    kpi: 'selection_entropy',
    when: 'above',
    parameter: 'temperature',
    direction: -1,
    rationale: 'selection entropy is above its target band: a cooler softmax concentrates on the best plans',
    expected_impact: { selection_entropy: -0.04, engagement_proxy: 0.01, curator_apply_budget_used_pct: -0.05 },
  },
  {
    name: 'curator_budget_high',
    kpi: 'curator_apply_budget_used_pct',
    when: 'above',
    parameter: 'temperature',
    direction: -1,
    rationale: 'the curator spends too much of its correction budget: fewer low-quality picks at a lower temperature',
    expected_impact: { curator_apply_budget_used_pct: -0.08, selection_entropy: -0.03 },
  },
  {
    name: 'novelty_kld_high',
    kpi: 'novelty_temporal_kld',
    when: 'above',
    parameter: 'plan_selection_bias',
    direction: 1,
    rationale: 'the age mix of selected plans is far from the target: a higher plan_selection_bias favours fresh plans',
    expected_impact: { novelty_temporal_kld: -0.1, engagement_proxy: 0.0 },
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
  // (one change a cycle) prefers temperature.
  {
    name: 'entropy_below_target_top_k',
    kpi: 'selection_entropy',
    when: 'below',
    parameter: 'top_k',
    direction: 1,
    rationale: 'selection entropy is below its target band: one more pick per slot spreads the selected set over more kinds',
    expected_impact: { selection_entropy: 0.03, engagement_proxy: 0.0, curator_apply_budget_used_pct: 0.03 },
  },
  {
    name: 'entropy_above_target_top_k',
    kpi: 'selection_entropy',
    when: 'above',
    parameter: 'top_k',
    direction: -1,
    rationale: 'selection entropy is above its target band: one pick fewer per slot narrows the selected set',
    expected_impact: { selection_entropy: -0.03, engagement_proxy: 0.0, curator_apply_budget_used_pct: -0.03 },
  },
  {
    name: 'curator_budget_high_top_k',
    kpi: 'curator_apply_budget_used_pct',
    when: 'above',
    parameter: 'top_k',
    direction: -1,
    rationale: 'the curator spends too much of its correction budget: one pick fewer per slot drops the lowest-ranked pick',
    expected_impact: { curator_apply_budget_used_pct: -0.05, selection_entropy: -0.03 },
  },
  {
    name: 'entropy_below_target_epsilon',
    kpi: 'selection_entropy',
    when: 'below',
    parameter: 'epsilon',
    direction: 1,
    rationale: 'selection entropy is below its target band: more uniformly random positions spread picks over more kinds',
    expected_impact: { selection_entropy: 0.01, engagement_proxy: -0.005, curator_apply_budget_used_pct: 0.02 },
  },
  {
    name: 'curator_budget_high_epsilon',
    kpi: 'curator_apply_budget_used_pct',
    when: 'above',
    parameter: 'epsilon',
    direction: -1,
    rationale: 'the curator spends too much of its correction budget: fewer uniformly random (often low-score) picks',
    expected_impact: { curator_apply_budget_used_pct: -0.03, selection_entropy: -0.01, engagement_proxy: 0.005 },
  },
];
