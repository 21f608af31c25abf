import type { VvtvMetricRow, VvtvMetricsWriter } from '../../src/adapters/metrics-store';

/**
 * The one place fault tests write metrics rows (the planner's business_metrics, in VVTV's format:
 * src/adapters/metrics-store/vvtv-writer.ts), so a change of the format is ported here alone.
 */
export function writeMetricRows(writer: VvtvMetricsWriter, rows: VvtvMetricRow[]): void {
  writer.insert(rows);
}
