export { SqliteMetricsStore } from './sqlite-metrics-store';
export type { MetricRow, MetricPoint, MetricsStore, WindowQuery, HourBucket } from './sqlite-metrics-store';
