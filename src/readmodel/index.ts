/**
 * The read model: what operators read about a channel, computed once for vvtvctl, the `npm start`
 * demo and the /metrics gauges. Governor figures come from the governor, or from the stores with
 * the governor's own functions when it cannot be asked.
 */
export {
  controlView,
  governorNumbers,
  storeNumbers,
  storedDailyErrors,
  storedOutcomes,
  type ControlView,
  type GovernorLookup,
  type GovernorNumbers,
  type GovernorReading,
  type PauseView,
} from './governor';
export {
  channelReport,
  channelStatus,
  driftView,
  periodFigures,
  type ChannelReport,
  type ChannelStatus,
  type DriftView,
  type PeriodFigures,
} from './status';
export { cycleView, trajectory, verdictRows, type CycleView, type TrajectoryPoint, type VerdictRow } from './cycle';
export {
  controlText,
  deltaWithCI,
  gateText,
  pauseText,
  pct,
  pValue,
  rate,
  table,
  trajectoryTable,
  varianceReductionText,
  verdictTable,
} from './format';
export { triageIssues, type TriageIssues } from './triage';
export {
  htmlReportData,
  type CanaryRow,
  type CycleRow,
  type HtmlReportData,
  type KpiSeries,
  type ParameterSeries,
  type TimelineEvent,
} from './report-data';
