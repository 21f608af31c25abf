/**
 * What the live card decides about a cycle: which tuned parameters it contains (a parameter
 * whose field is absent is skipped unless the config gives VVTV's value for it), and, when the
 * config names no KPIs, the KPIs from the card's `kpis.primary` / `kpis.secondary`.
 * Pure: called by the readCard activity and by the cycle workflow.
 */
import type { KpiDef, KpiGoal, ParamDef } from '../types';

/** The card's `kpis` section as VVTV reads it. */
export interface CardKpiLists {
  primary: ReadonlyArray<string | number | boolean>;
  secondary: ReadonlyArray<string | number | boolean>;
}

/**
 * The direction of every KPI VVTV records (vvtv-core monitor.rs BusinessMetricType) and of the
 * simulator's engagement proxy. A card KPI not listed here is maximised when primary and
 * minimised when secondary: VVTV's secondary KPIs are costs it keeps low.
 */
export const KPI_GOALS: Readonly<Record<string, KpiGoal>> = {
  selection_entropy: 'maximize',
  engagement_proxy: 'maximize',
  curator_apply_budget_used_pct: 'minimize',
  novelty_temporal_kld: 'minimize',
  hd_detection_slow_rate: 'minimize',
  autopilot_pred_vs_real_error: 'minimize',
};

/**
 * Weight and tolerance of a KPI taken from the card. Primary KPIs weigh 1 and tolerate nothing
 * (as a config KPI by default); secondary KPIs become guardrails of half weight that veto only a
 * significant worsening beyond 10 % (a card cannot say how noisy a KPI is). No target band: the
 * rule table, which reacts to levels outside a band, stays silent for card KPIs.
 */
export const CARD_KPI_DEFAULTS = {
  primary: { weight: 1, tolerance: 0 },
  guardrail: { weight: 0.5, tolerance: 0.1 },
} as const;

/** KPI definitions from the card's lists; a name listed twice counts once (primary first). */
export function kpisFromCard(lists: CardKpiLists): { kpis: KpiDef[]; problems: string[] } {
  const kpis: KpiDef[] = [];
  const add = (raw: string | number | boolean, role: KpiDef['role']) => {
    const name = String(raw);
    if (name === '' || kpis.some((k) => k.name === name)) return;
    const goal = KPI_GOALS[name] ?? (role === 'primary' ? 'maximize' : 'minimize');
    kpis.push({ name, goal, role, ...CARD_KPI_DEFAULTS[role] });
  };
  for (const n of lists.primary) add(n, 'primary');
  for (const n of lists.secondary) add(n, 'guardrail');
  const problems = kpis.some((k) => k.role === 'primary')
    ? []
    : ['kpis.primary: expected at least one KPI, since the config names no kpis of its own'];
  return { kpis, problems };
}

/** The parameters a cycle may move: those whose value the card gave (or the config defaulted). */
export function tunedParams(params: readonly ParamDef[], values: Readonly<Record<string, number>>): ParamDef[] {
  return params.filter((p) => Object.prototype.hasOwnProperty.call(values, p.name));
}
