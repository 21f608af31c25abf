export { SqliteMetricsStore, MetricsUnavailableError, CANARY_COVARIATES } from './sqlite-metrics-store';
export type {
  MetricPoint,
  MetricsStore,
  WindowQuery,
  HourBucket,
  CanaryWindowQuery,
  CanaryCovariateQuery,
  CanaryCovariateCells,
  CanaryCovariate,
  BlockQuery,
  BlockPart,
  MetricsInspection,
  MetricsSourceOptions,
} from './sqlite-metrics-store';
export { VvtvMetricsWriter, type VvtvMetricRow } from './vvtv-writer';
export { rfc3339, timestampBound, VVTV_TIMESTAMP, VVTV_BUSINESS_METRICS_DDL } from './vvtv-format';
