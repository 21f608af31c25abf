import { effectiveRange, snapValue, type OverrideRange, type ProposalRule } from '../parameters';
import type { KpiAnalysis, KpiDef, ParamDef, ParameterBounds, ParameterChange, WindowAnalysis } from '../types';
import { compensates } from './optimize';

/**
 * Rule-based proposals from the 24 h analysis (1.3). Each rule of the config's table
 * (`optimizer.rules`, src/config/rules.ts) reacts to one KPI outside its target band and moves
 * one parameter one step in the direction that brings it back; the rules are ordered by how far
 * their KPI is out of band, and at most `maxChanges` are returned. With `jointMoves`
 * 'compensating' (the optimizer's joint policy) a further rule's change joins only when the set
 * compensates by the rules' expected impacts (optimize.ts compensates(): opposite pulls on some
 * guardrail, none pushed twice toward worse): two corrections of one band (temperature and top_k
 * both up for low entropy) would push it, and the curator's budget, twice, so the rules then
 * propose one change, as the optimizer would.
 *
 * The expected impacts are coarse priors (relative KPI change per step), written so that the
 * measured canary effect can be compared with them (autopilot_pred_vs_real_error, 8.1).
 */
export interface ProposalContext {
  analysis: WindowAnalysis;
  kpis: KpiDef[];
  params: ParamDef[];
  /** Current values, by parameter name. */
  current: Record<string, number>;
  bounds: ParameterBounds[];
  maxChanges: number;
  /** The rule table, in order (at equal severity the earlier rule wins). */
  rules: readonly ProposalRule[];
  /** Which sets of changes may go together (the optimizer's joint_candidates); 'all' when absent. */
  jointMoves?: 'all' | 'compensating';
  /** Operator overrides: while active at `now` they replace the sliding range (9.3-9.5). */
  overrides?: readonly OverrideRange[];
  /** Decision time; the analysis window's end when absent. */
  now?: string;
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
  for (const rule of ctx.rules) {
    const a = ctx.analysis.kpis.find((x) => x.kpi === rule.kpi);
    const k = ctx.kpis.find((x) => x.name === rule.kpi);
    const p = ctx.params.find((x) => x.name === rule.parameter);
    const old = ctx.current[rule.parameter];
    if (!a || !k || !p || old === undefined || a.position !== rule.when) continue;
    const b = ctx.bounds.find((x) => x.parameter === p.name);
    const { min: lo, max: hi } = effectiveRange(p, b, ctx.overrides, ctx.now ?? ctx.analysis.to);
    const next = snapValue(p, Math.min(hi, Math.max(lo, old + rule.direction * p.step)));
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
        purpose: { kind: 'band', kpi: a.kpi, direction: a.position === 'below' ? 1 : -1 },
        rationale: a.projectedFrom
          ? `${rule.rationale} (${a.kpi} heading ${a.position} its band: 24 h mean ${a.projectedFrom.mean.toFixed(4)}, ` +
            `trend ${a.trend} ${a.slopePerHour.toPrecision(3)}/h projects ${a.mean.toFixed(4)} ` +
            `within ${a.projectedFrom.horizonHours} h, n=${a.n})`
          : `${rule.rationale} (${a.kpi} 24 h mean ${a.mean.toFixed(4)}, trend ${a.trend}, n=${a.n})`,
        expectedImpact: Object.fromEntries(Object.entries(rule.expected_impact).map(([kpi, v]) => [kpi, v * scale])),
        confidence: Math.min(0.9, 0.5 + severity),
      },
    });
  }
  candidates.sort((x, y) => y.severity - x.severity);
  const chosen: ParameterChange[] = [];
  for (const c of candidates) {
    if (chosen.length >= ctx.maxChanges) break;
    if (chosen.some((x) => x.parameter === c.change.parameter)) continue;
    if (chosen.length > 0 && ctx.jointMoves === 'compensating' && !compensatesByImpact(ctx.kpis, [...chosen, c.change])) continue;
    chosen.push(c.change);
  }
  return chosen;
}

/** compensates() on the rules' expected impacts (known directions: sd 0; the whole is their sum). */
function compensatesByImpact(kpis: readonly KpiDef[], changes: readonly ParameterChange[]): boolean {
  const prediction = (mean: Record<string, number>) => ({ mean, sd: {}, evidence: 0 });
  const sum: Record<string, number> = {};
  for (const c of changes) for (const [k, v] of Object.entries(c.expectedImpact)) sum[k] = (sum[k] ?? 0) + v;
  return compensates(
    kpis,
    changes.map((c) => ({ prediction: prediction(c.expectedImpact) })),
    prediction(sum),
  );
}
