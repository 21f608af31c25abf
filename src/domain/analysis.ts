/**
 * Metrics analysis of the last window (1.2, 1.3): per KPI its level, its trend and how it
 * compares with the same hours of earlier days, with explicit data-quality flags. Bad data never
 * turns into a proposal: a KPI with any flag is `usable: false`, and so is the window.
 *
 * Input: hourly aggregates (the metrics store's `hourly()` buckets) of the window and, optionally,
 * of up to 7 days before it (`previous`), so the activity reads n/sum/sumSquares per hour and
 * never the raw rows.
 *
 * - Level: the window mean, with a t interval over the hourly means (hours, not slots, are the
 *   independent units: slots within an hour share the catalog and the curator's bucket).
 * - Trend: Theil–Sen slope over the hourly means (robust to outlying hours) with Sen's
 *   rank-based confidence interval from Kendall's S (Sen 1968; Hollander & Wolfe §8.5). The
 *   trend is rising/falling only when that interval excludes 0 AND the change over the window
 *   is at least `flatThreshold` of the level.
 * - Change against earlier days: for each window hour, the same UTC hour on each earlier day
 *   with data; the paired hourly differences give the relative change and its t interval, so
 *   the daily rhythm cancels out.
 */
import { probit } from 'simple-statistics';
import tQuantile from '@stdlib/stats-base-dists-t-quantile';
import type { DataFlag, KpiAnalysis, KpiDef, SeasonalComparison, WindowAnalysis } from './types';

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
  /** Level of the slope, level and seasonal intervals (default 0.95). */
  confidence?: number;
}

const HOUR_MS = 3_600_000;
const hourMs = (h: string): number => Date.parse(`${h}:00:00Z`);

/**
 * Theil–Sen estimator: the median of pairwise slopes, robust to outlying hours.
 * Theil–Sen slope with Sen's distribution-free interval: with N pairwise slopes sorted and
 * C = z·sqrt(Var S), Var S = n(n−1)(2n+5)/18, the interval is [slope_(M1), slope_(M2+1)] with
 * M1 = (N − C)/2, M2 = (N + C)/2 (1-based, rounded). Unbounded when n is too small for it.
 */
export function theilSenWithCI(xs: number[], ys: number[], confidence = 0.95): { slope: number; ci: [number, number] } {
  const slopes: number[] = [];
  for (let i = 0; i < xs.length; i++)
    for (let j = i + 1; j < xs.length; j++) if (xs[j] !== xs[i]) slopes.push((ys[j]! - ys[i]!) / (xs[j]! - xs[i]!));
  if (slopes.length === 0) return { slope: 0, ci: [-Infinity, Infinity] };
  slopes.sort((a, b) => a - b);
  const N = slopes.length;
  const mid = N >> 1;
  const slope = N % 2 ? slopes[mid]! : (slopes[mid - 1]! + slopes[mid]!) / 2;
  const n = xs.length;
  const c = probit(1 - (1 - confidence) / 2) * Math.sqrt((n * (n - 1) * (2 * n + 5)) / 18);
  const m1 = Math.round((N - c) / 2);
  const m2 = Math.round((N + c) / 2);
  if (m1 < 1 || m2 + 1 > N) return { slope, ci: [-Infinity, Infinity] };
  return { slope, ci: [slopes[m1 - 1]!, slopes[m2]!] };
}

/** Mean ± t·sd/√m of the values (unbounded with fewer than 2). */
function tInterval(values: number[], confidence: number): [number, number] {
  const m = values.length;
  if (m < 2) return [-Infinity, Infinity];
  const mean = values.reduce((a, b) => a + b, 0) / m;
  const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (m - 1));
  const half = tQuantile(1 - (1 - confidence) / 2, m - 1) * (sd / Math.sqrt(m));
  return [mean - half, mean + half];
}

/** The window against the same UTC hours of up to 7 earlier days (paired by hour). */
export function compareWithPreviousDays(window: HourAggregate[], previous: HourAggregate[], confidence = 0.95): SeasonalComparison | null {
  const byHour = new Map(previous.filter((h) => h.n > 0).map((h) => [hourMs(h.hour), h]));
  const diffs: number[] = [];
  let windowSum = 0;
  let baseSum = 0;
  const days = new Set<number>();
  for (const h of window) {
    if (h.n <= 0) continue;
    const t = hourMs(h.hour);
    let n = 0;
    let sum = 0;
    for (let k = 1; k <= 7; k++) {
      const p = byHour.get(t - k * 24 * HOUR_MS);
      if (!p) continue;
      n += p.n;
      sum += p.sum;
      days.add(k);
    }
    if (n === 0) continue;
    const w = h.sum / h.n;
    const b = sum / n;
    diffs.push(w - b);
    windowSum += w;
    baseSum += b;
  }
  const m = diffs.length;
  if (m === 0) return null;
  const windowMean = windowSum / m;
  const baselineMean = baseSum / m;
  const scale = Math.abs(baselineMean);
  const ci = tInterval(diffs, confidence);
  const rel = (x: number): number => (scale > 0 ? x / scale : x === 0 ? 0 : Math.sign(x) * Infinity);
  return {
    days: days.size,
    matchedHours: m,
    windowMean,
    baselineMean,
    relChange: rel(windowMean - baselineMean),
    relCI: [rel(ci[0]), rel(ci[1])],
  };
}

/** Level, trend, change against earlier days and data quality of one KPI (1.2, 1.3). */
export function analyzeKpi(kpi: KpiDef, hours: HourAggregate[], opts: AnalysisOptions, previous: HourAggregate[] = []): KpiAnalysis {
  const confidence = opts.confidence ?? 0.95;
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
  const t0 = used.length ? hourMs(used[0]!.hour) : 0;
  const hourlyMeans = used.map((h) => h.sum / h.n);
  const sen = theilSenWithCI(
    used.map((h) => (hourMs(h.hour) - t0) / HOUR_MS),
    hourlyMeans,
    confidence,
  );
  const slopePerHour = sen.slope;
  const relChange = Number.isFinite(mean) && mean !== 0 ? (slopePerHour * opts.windowHours) / Math.abs(mean) : 0;
  const flat = opts.flatThreshold ?? 0.05;
  const excludesZero = sen.ci[0] > 0 || sen.ci[1] < 0;
  const trend = Math.abs(relChange) < flat || !excludesZero ? 'flat' : relChange > 0 ? 'rising' : 'falling';

  let position: KpiAnalysis['position'] = 'unknown';
  if (Number.isFinite(mean) && (kpi.target_min !== undefined || kpi.target_max !== undefined)) {
    if (kpi.target_min !== undefined && mean < kpi.target_min) position = 'below';
    else if (kpi.target_max !== undefined && mean > kpi.target_max) position = 'above';
    else position = 'within';
  }
  const usable = !flags.some((f) => f === 'no_data' || f === 'too_few_samples' || f === 'non_finite_values' || f === 'gaps');
  return {
    kpi: kpi.name,
    n,
    mean,
    sd,
    slopePerHour,
    trend,
    position,
    flags,
    usable,
    slopeCI: sen.ci,
    levelCI: tInterval(hourlyMeans, confidence),
    hoursCovered: covered,
    confidence,
    vsPreviousDays: compareWithPreviousDays(hours, previous, confidence),
  };
}

export function analyzeWindow(
  channel: string,
  from: string,
  to: string,
  kpis: KpiDef[],
  hoursByKpi: Record<string, HourAggregate[]>,
  opts: AnalysisOptions,
  /** Hourly aggregates of up to 7 days before `from`, per KPI (optional). */
  previousByKpi: Record<string, HourAggregate[]> = {},
): WindowAnalysis {
  const results = kpis.map((k) => analyzeKpi(k, hoursByKpi[k.name] ?? [], opts, previousByKpi[k.name] ?? []));
  return { channel, from, to, kpis: results, usable: results.every((r) => r.usable) };
}
