export { HistoryStore } from './history-store';
export { sha256Hex } from './layout';
export { HistoryIntegrityError, VersionNotFoundError, DEPLOYMENT_STATUSES, VERSION_SOURCES } from './types';
export type {
  ArchivedVersion,
  Deployment,
  DeploymentStatus,
  IntegrityProblem,
  IntegrityProblemKind,
  IntegrityReport,
  ListQuery,
  RetentionResult,
  StoreVersionInput,
  TrajectoryPoint,
  VersionMeta,
  VersionSource,
} from './types';
