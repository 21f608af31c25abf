import type { DataFlag, KpiAnalysis, KpiDef, WindowAnalysis } from './types';

/** One hour of one KPI, as the metrics store aggregates it. */
export interface HourAggregate {
  hour: string;
  n: number;
  sum: number;
  sumSquares: number;
  nonFinite: number;
}

export interface AnalysisOptions {
  windowHours: number;
  minSamples: number;
  /** A window with fewer covered hours than this fraction is flagged `gaps`. */
  minCoverage?: number;
  /** |slope| * windowHours / |mean| below this counts as flat. */
  flatThreshold?: number;
}

/** Theil–Sen estimator: the median of pairwise slopes, robust to outlying hours. */
export function theilSen(xs: number[], ys: number[]): number {
  const slopes: number[] = [];
  for (let i = 0; i < xs.length; i++)
    for (let j = i + 1; j < xs.length; j++) if (xs[j] !== xs[i]) slopes.push((ys[j] - ys[i]) / (xs[j] - xs[i]));
  if (slopes.length === 0) return 0;
  slopes.sort((a, b) => a - b);
  const mid = slopes.length >> 1;
  return slopes.length % 2 ? slopes[mid] : (slopes[mid - 1] + slopes[mid]) / 2;
}

/** Level, trend and data quality of one KPI over the window (1.2, 1.3). */
export function analyzeKpi(kpi: KpiDef, hours: HourAggregate[], opts: AnalysisOptions): KpiAnalysis {
  const flags: DataFlag[] = [];
  const n = hours.reduce((a, h) => a + h.n, 0);
  const nonFinite = hours.reduce((a, h) => a + h.nonFinite, 0);
  if (n === 0) flags.push('no_data');
  else if (n < opts.minSamples) flags.push('too_few_samples');
  if (nonFinite > 0) flags.push('non_finite_values');
  const covered = hours.filter((h) => h.n > 0).length;
  if (n > 0 && covered < Math.ceil(opts.windowHours * (opts.minCoverage ?? 0.75))) flags.push('gaps');

  const sum = hours.reduce((a, h) => a + h.sum, 0);
  const sumSquares = hours.reduce((a, h) => a + h.sumSquares, 0);
  const mean = n > 0 ? sum / n : NaN;
  const sd = n > 1 ? Math.sqrt(Math.max(0, (sumSquares - n * mean * mean) / (n - 1))) : NaN;

  const used = hours.filter((h) => h.n > 0);
  const t0 = used.length ? Date.parse(used[0].hour + ':00:00Z') : 0;
  const slopePerHour = theilSen(
    used.map((h) => (Date.parse(h.hour + ':00:00Z') - t0) / 3_600_000),
    used.map((h) => h.sum / h.n),
  );
  const relChange = Number.isFinite(mean) && mean !== 0 ? (slopePerHour * opts.windowHours) / Math.abs(mean) : 0;
  const flat = opts.flatThreshold ?? 0.05;
  const trend = Math.abs(relChange) < flat ? 'flat' : relChange > 0 ? 'rising' : 'falling';

  let position: KpiAnalysis['position'] = 'unknown';
  if (Number.isFinite(mean) && (kpi.target_min !== undefined || kpi.target_max !== undefined)) {
    if (kpi.target_min !== undefined && mean < kpi.target_min) position = 'below';
    else if (kpi.target_max !== undefined && mean > kpi.target_max) position = 'above';
    else position = 'within';
  }
  const usable = !flags.some((f) => f === 'no_data' || f === 'too_few_samples' || f === 'non_finite_values' || f === 'gaps');
  return { kpi: kpi.name, n, mean, sd, slopePerHour, trend, position, flags, usable };
}

export function analyzeWindow(
  channel: string,
  from: string,
  to: string,
  kpis: KpiDef[],
  hoursByKpi: Record<string, HourAggregate[]>,
  opts: AnalysisOptions,
): WindowAnalysis {
  const results = kpis.map((k) => analyzeKpi(k, hoursByKpi[k.name] ?? [], opts));
  return { channel, from, to, kpis: results, usable: results.every((r) => r.usable) };
}
