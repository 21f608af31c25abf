/** Fixtures of the optimizer tests: the default KPIs and parameters, a production-size window, an input. */
import { DEFAULT_RULES } from '../../../src/config/rules';
import { initialBounds } from '../../../src/domain/bounds';
import type { CanaryPlan, Experiment, FitOptions, OptimizerInput } from '../../../src/domain/optimizer';
import type { KpiAnalysis, KpiDef, ParamDef, ParameterChange, WindowAnalysis } from '../../../src/domain/types';

export const KPIS: KpiDef[] = [
  { name: 'engagement_proxy', goal: 'maximize', role: 'primary', weight: 1 },
  { name: 'selection_entropy', goal: 'maximize', role: 'guardrail', weight: 0.5, tolerance: 0.05, target_min: 2.0, target_max: 2.8 },
  { name: 'curator_apply_budget_used_pct', goal: 'minimize', role: 'guardrail', weight: 0.5, tolerance: 0.3, target_max: 60 },
  { name: 'novelty_temporal_kld', goal: 'minimize', role: 'guardrail', weight: 0.3, tolerance: 0.15, target_max: 0.25 },
];
export const PARAMS: ParamDef[] = [
  {
    name: 'temperature',
    card_path: 'selection.temperature',
    type: 'float',
    hard_min: 0.1,
    hard_max: 2.0,
    max_daily_delta: 0.1,
    step: 0.1,
    initial_min: 0.3,
    initial_max: 1.5,
  },
  {
    name: 'top_k',
    card_path: 'selection.top_k',
    type: 'int',
    hard_min: 1,
    hard_max: 30,
    max_daily_delta: 2,
    step: 1,
    initial_min: 3,
    initial_max: 16,
  },
  {
    name: 'plan_selection_bias',
    card_path: 'knobs.plan_selection_bias',
    type: 'float',
    hard_min: -0.3,
    hard_max: 0.3,
    max_daily_delta: 0.05,
    step: 0.05,
  },
  { name: 'epsilon', card_path: 'exploration.epsilon', type: 'float', hard_min: 0, hard_max: 0.3, max_daily_delta: 0.02, step: 0.02 },
];
export const NOW = '2025-03-10T03:00:00.000Z';
export const CURRENT = { temperature: 0.5, top_k: 8, plan_selection_bias: 0, epsilon: 0.04 };
/** A card mid-range in top_k, where the model tests measure moves from. */
export const CENTER = { temperature: 0.5, top_k: 12, plan_selection_bias: 0, epsilon: 0.04 };
/** The model's fit options as the optimizer's defaults set them (no replay). */
export const FIT: FitOptions = { now: NOW, rules: DEFAULT_RULES, halfLifeDays: 14, localitySteps: 3 };
export const PLAN: CanaryPlan = { durationMinutes: 60, trafficShare: 0.2, confidenceLevel: 0.95, nonInferiorityMargin: 0.02 };

/** 24 h at 5 slots/s (the production rate), KPI levels as given. */
export function analysis(levels: Partial<Record<string, number>> = {}, usable = true): WindowAnalysis {
  const base: Record<string, [number, number]> = {
    engagement_proxy: [0.36, 0.19],
    selection_entropy: [2.3, 0.42],
    curator_apply_budget_used_pct: [17, 26],
    novelty_temporal_kld: [0.1, 0.1],
  };
  const kpis: KpiAnalysis[] = KPIS.map((k) => {
    const mean = levels[k.name] ?? base[k.name]![0];
    const position =
      k.target_min !== undefined && mean < k.target_min
        ? 'below'
        : k.target_max !== undefined && mean > k.target_max
          ? 'above'
          : k.target_min === undefined && k.target_max === undefined
            ? 'unknown'
            : 'within';
    return {
      kpi: k.name,
      n: 24 * 18000,
      mean,
      sd: base[k.name]![1],
      slopePerHour: 0,
      trend: 'flat',
      position,
      flags: usable ? [] : ['gaps'],
      usable,
    };
  });
  return { channel: 'main', from: '2025-03-09T03:00:00.000Z', to: NOW, kpis, usable };
}

/** The canaried change temperature 0.5 → 0.6, as a cycle report's proposal stores it. */
export const TEMPERATURE_PROPOSAL: ParameterChange = {
  parameter: 'temperature',
  cardPath: 'selection.temperature',
  oldValue: 0.5,
  newValue: 0.6,
  changeType: 'Correction',
  rule: 'r',
  rationale: '',
  expectedImpact: {},
  confidence: 0.5,
};

/** An optimizer input; the options always carry the default rule table unless they name one. */
export function input(over: Partial<OptimizerInput> = {}): OptimizerInput {
  return {
    now: NOW,
    analysis: analysis(),
    kpis: KPIS,
    params: PARAMS,
    current: CURRENT,
    bounds: PARAMS.map((p) => initialBounds(p, '2025-01-01T00:00:00.000Z')),
    experiments: [],
    canary: PLAN,
    ...over,
    options: { rules: DEFAULT_RULES, ...(over.options ?? { maxChanges: 1 }) },
  };
}

/** Canaries that moved `parameter` by `delta` from the current card and measured these relative effects. */
export function experiments(
  parameter: string,
  delta: number,
  effects: Record<string, number>,
  count: number,
  outcome: Experiment['outcome'] = 'promoted',
): Experiment[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `${parameter}-${i}`,
    at: new Date(Date.parse(NOW) - (count - i) * 3_600_000).toISOString(),
    base: CURRENT,
    deltas: { [parameter]: delta },
    outcome,
    effects: Object.fromEntries(Object.entries(effects).map(([k, v]) => [k, { relDiff: v, relSe: 0.01 }])),
  }));
}
