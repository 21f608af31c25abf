/**
 * The one place where workflows get their activity proxies, with the timeouts and retry policy of
 * each kind of call. Bad input and corrupt history never heal by retrying.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
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
export const operationActivities = (timeoutMs: number, maximumInterval: Duration = '30s') =>
  proxyActivities<Activities>({
    startToCloseTimeout: Math.min(timeoutMs, Math.max(Math.round(timeoutMs / 3), 5_000)),
    scheduleToCloseTimeout: timeoutMs,
    retry: { initialInterval: '1s', maximumInterval, nonRetryableErrorTypes: NON_RETRYABLE },
  });

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

export type WorkflowActivities = ReturnType<typeof operationActivities>;
