import { createCycleActivities } from './cycle';
import { createCanaryActivities } from './canary';
import type { Deps } from './deps';

export type { Deps } from './deps';
export type { CycleSettings, CurrentCard } from './cycle';
export type { CanaryGroups } from './canary';
export { predictionError } from './canary';

/** All activities, closed over their dependencies (STYLE §1). Workflows import only the type. */
export const createActivities = (deps: Deps) => ({
  ...createCycleActivities(deps),
  ...createCanaryActivities(deps),
});

export type Activities = ReturnType<typeof createActivities>;
