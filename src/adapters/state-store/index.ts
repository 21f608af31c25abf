export { SqliteStateStore } from './sqlite-state-store';
export type {
  CycleRecord,
  CycleStatus,
  CycleOutcome,
  CanaryRecord,
  CanaryCheck,
  DecisionRecord,
  BoundsAdjustment,
  DriftEventRecord,
  TriageReportRecord,
} from '../../domain/records';
