export { SqliteMetricsStore } from './sqlite-metrics-store';
export type { MetricRow, MetricPoint, MetricsStore, WindowQuery, HourBucket, CanaryWindowQuery } from './sqlite-metrics-store';
