import type { MetricRow, MetricsStore } from '../../src/adapters/metrics-store';

/**
 * The one place tests write metrics rows (the planner's business_metrics), so a change of the
 * metrics store's format is ported here alone.
 */
export function writeMetricRows(store: MetricsStore, rows: MetricRow[]): void {
  store.insert(rows);
}
