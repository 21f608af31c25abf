/**
 * The one place where workflows get their activity proxies, with the timeouts and retry policy of
 * each kind of call. Bad input and corrupt history never heal by retrying.
 */
import { patched, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { ActivityOptions, Duration } from '@temporalio/common';
import type { Activities } from '../activities';

export const NON_RETRYABLE = ['ValidationError', 'HistoryIntegrityError', 'StorageError'];

/** Before the cycle knows its settings: short calls with the default retry. */
export const bootActivities = () =>
  proxyActivities<Activities>({
    startToCloseTimeout: '1 minute',
    scheduleToCloseTimeout: '10 minutes',
    retry: { nonRetryableErrorTypes: NON_RETRYABLE },
  });

/**
 * I/O bounded by the configured operation timeout (8.3: a timeout alerts), retries included. One
 * attempt gets a third of it (at least 5 s), so an attempt lost with a killed worker is retried
 * within the budget instead of timing out the whole operation.
 */
export const operationActivities = (timeoutMs: number, maximumInterval: Duration = '30s'): Activities => {
  const options: ActivityOptions = {
    startToCloseTimeout: Math.min(timeoutMs, Math.max(Math.round(timeoutMs / 3), 5_000)),
    scheduleToCloseTimeout: timeoutMs,
    retry: { initialInterval: '1s', maximumInterval, nonRetryableErrorTypes: NON_RETRYABLE },
  };
  const remote = proxyActivities<Activities>(options);
  // Executions started before local steps existed replay with every step remote (no marker).
  if (!patched(LOCAL_STEPS_PATCH)) return remote;
  const local = proxyLocalActivities<Activities>(options);
  return new Proxy(remote, {
    get: (target, name) => ((LOCAL_STEPS as ReadonlySet<string | symbol>).has(name) ? local : target)[name as keyof Activities],
  });
};

/**
 * Steps that run as local activities: quick reads and appends of this host's own files and
 * SQLite (the audit log, the card, bounds, history records, the canary's measurements). A local
 * activity runs in the worker that runs the workflow task and is recorded as a marker, so it
 * costs the server no task dispatch and the workflow no extra task: a cycle's server round trips
 * drop from about 21 activities to 8, which is what bounds how many channels one host and one
 * server carry (bench/channels.ts). Same timeouts, retries and error types as the remote form; a
 * worker lost mid-step re-runs the workflow task elsewhere, which runs the step again (the steps
 * are idempotent, as they must be for remote retries). Kept remote: anything that talks to the
 * server (the governor), to the outside (alerts), changes what viewers see (deploy, promote,
 * rollback, switch), or runs long (analysis, golden set).
 */
export const LOCAL_STEPS: ReadonlySet<keyof Activities> = new Set<keyof Activities>([
  'readCard',
  'recordDecision',
  'loadBounds',
  'loadExperiments',
  'getBoundsPolicy',
  'prepareVersion',
  'rejectVersion',
  'measureCanary',
  'measureSwitchback',
  'recordCanaryCheck',
  'checkLiveCard',
  'recordPredictionError',
  'updateBoundsAfterCycle',
  'maintainHistory',
  'finishCycle',
]);
const LOCAL_STEPS_PATCH = 'vvtv-local-steps-v1';

/** The golden set: long-running, heartbeating, tried at most twice (6.x). */
export const goldenActivities = (timeoutMs: number) =>
  proxyActivities<Activities>({
    startToCloseTimeout: timeoutMs,
    scheduleToCloseTimeout: timeoutMs,
    heartbeatTimeout: '30 seconds',
    retry: { maximumAttempts: 2, nonRetryableErrorTypes: NON_RETRYABLE },
  });

/** The governor's own effects (drift events, alerts, audit records, canary stops): short and retried a few times. */
export const governorActivities = () =>
  proxyActivities<Activities>({
    startToCloseTimeout: '30 seconds',
    retry: { initialInterval: '1s', maximumInterval: '10s', maximumAttempts: 5, nonRetryableErrorTypes: ['ValidationError'] },
  });

/** The weekly triage's first read, before it knows the configured operation timeout. */
export const triageBootActivities = () =>
  proxyActivities<Activities>({
    startToCloseTimeout: '2 minutes',
    retry: { maximumAttempts: 5, nonRetryableErrorTypes: ['ValidationError'] },
  });

/** An operator's rollback (5.3): quick, at most three tries, never retried once it failed verification. */
export const operatorActivities = () =>
  proxyActivities<Activities>({
    startToCloseTimeout: '30 seconds',
    scheduleToCloseTimeout: '2 minutes',
    retry: { maximumAttempts: 3, nonRetryableErrorTypes: ['ValidationError', 'RollbackFailed'] },
  });

export type WorkflowActivities = Activities;
