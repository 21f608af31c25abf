import { createCycleActivities } from './cycle';
import { createCanaryActivities } from './canary';
import { createGoldenActivities } from './golden';
import { createRollbackActivities } from './rollback';
import { createGovernorActivities } from './governor';
import { createTriageActivities } from './triage';
import { createAnalysisActivities } from './analysis';
import { createBoundsActivities } from './bounds';
import { createCardActivities } from './card';
import { createSwitchbackActivities } from './switchback';
import type { Client } from '@temporalio/client';
import type { Deps } from './deps';

export type { Deps } from './deps';
export type { CycleSettings, CurrentCard } from './cycle';
export type { CanaryGroups } from './canary';
export { predictionError } from './canary';
export type { GoldenGateResult, RunGoldenSetInput, GoldenBypass } from './golden';
export type { RollbackInput, RollbackResult, RollbackTimings } from './rollback';

/**
 * All activities, closed over their dependencies (the functional core stays in src/domain). Workflows import only the type.
 * The client lets the cycle reach its channel's governor (update-with-start).
 */
export const createActivities = (deps: Deps, client: Client) => ({
  ...createCycleActivities(deps),
  ...createCanaryActivities(deps),
  ...createGoldenActivities(deps),
  ...createRollbackActivities(deps),
  ...createGovernorActivities({ ...deps, client }),
  ...createTriageActivities(deps),
  ...createAnalysisActivities(deps),
  ...createBoundsActivities(deps),
  ...createCardActivities(deps),
  ...createSwitchbackActivities(deps),
});

export type Activities = ReturnType<typeof createActivities>;
