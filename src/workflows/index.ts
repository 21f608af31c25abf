// The workflowsPath entry: every workflow the worker registers.
export { autopilotCycle } from './cycle';
export { canaryWorkflow } from './canary';
export { autopilotGovernor } from './governor';
export { weeklyTriage } from './triage';
export { operatorRollback } from './operator';
