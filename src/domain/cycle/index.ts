export {
  requestedChanges,
  gateChanges,
  canaryRef,
  rollbackCountsAgainstChanges,
  noChangeMessage,
  goldenSummary,
  predictedImpacts,
  forecastPass,
  offlineVsMeasured,
  type RequestedValue,
} from './steps';
export { kpisFromCard, tunedParams, KPI_GOALS, CARD_KPI_DEFAULTS, type CardKpiLists } from './card-terms';
