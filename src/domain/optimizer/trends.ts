/**
 * Trends in proposals (1.3): a KPI still inside its band but heading out of it is corrected
 * before it leaves. The 24 h mean is the level at the window's middle; with a significant trend
 * (analysis.ts: Sen's interval excludes 0 and the change is not negligible) the level
 * `horizonHours` after the window's end is projected as mean + slope × (window / 2 + horizon).
 * A KPI projected past a band edge is treated as outside it on that side, at its projected
 * level, by both the rule table and the optimizer; `projectedFrom` keeps the measured mean so
 * the proposal's rationale shows both.
 */
import type { KpiAnalysis, KpiDef, WindowAnalysis } from '../types';

/** Default horizon: the next daily cycle. */
export const DEFAULT_TREND_HORIZON_HOURS = 24;

/** Where a within-band KPI is headed within the horizon: the side it leaves by and the projected level, or null. */
export function headingOutOfBand(
  a: KpiAnalysis,
  k: KpiDef,
  windowHours: number,
  horizonHours: number,
): { position: 'below' | 'above'; level: number } | null {
  if (a.position !== 'within' || a.trend === 'flat' || !(horizonHours > 0) || !Number.isFinite(a.slopePerHour)) return null;
  const level = a.mean + a.slopePerHour * (windowHours / 2 + horizonHours);
  if (a.trend === 'falling' && k.target_min !== undefined && level < k.target_min) return { position: 'below', level };
  if (a.trend === 'rising' && k.target_max !== undefined && level > k.target_max) return { position: 'above', level };
  return null;
}

/** The analysis with every KPI heading out of its band within the horizon placed outside it, at its projected level. */
export function projectTrends(analysis: WindowAnalysis, kpis: readonly KpiDef[], horizonHours: number): WindowAnalysis {
  if (!(horizonHours > 0)) return analysis;
  const windowHours = Math.max(1, (Date.parse(analysis.to) - Date.parse(analysis.from)) / 3_600_000) || 24;
  let changed = false;
  const out = analysis.kpis.map((a) => {
    const k = kpis.find((x) => x.name === a.kpi);
    const h = k ? headingOutOfBand(a, k, windowHours, horizonHours) : null;
    if (!h) return a;
    changed = true;
    return { ...a, position: h.position, mean: h.level, projectedFrom: { mean: a.mean, horizonHours } };
  });
  return changed ? { ...analysis, kpis: out } : analysis;
}
