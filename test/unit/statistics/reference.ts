import { mean, sampleVariance } from 'simple-statistics';
import type { GroupSummary } from '../../../src/domain/types';

/**
 * Row-by-row reference summary: n, mean and sample (n - 1) sd of the finite values. The metrics
 * store aggregates in SQL (canaryMoments); tests check it against this.
 */
export function summarize(values: readonly number[]): GroupSummary {
  const xs = values.filter((v) => Number.isFinite(v));
  if (xs.length === 0) return { n: 0, mean: 0, sd: 0 };
  if (xs.length === 1) return { n: 1, mean: xs[0]!, sd: 0 };
  return { n: xs.length, mean: mean(xs), sd: Math.sqrt(Math.max(0, sampleVariance(xs))) };
}
