import { ApplicationFailure } from '@temporalio/activity';
import type { AutopilotConfig } from '../config/schema';
import { ValidationError } from '../config/errors';
import type { CardStore } from '../adapters/card-store';
import { HistoryIntegrityError, type HistoryStore } from '../adapters/history';
import type { MetricsStore } from '../adapters/metrics-store';
import type { StatePorts } from '../domain/ports';
import type { Alerter } from '../adapters/alerts';
import type { Logger } from '../observability/logger';

/** Everything the activities touch, built once by the worker (or a test). */
export interface Deps extends StatePorts {
  /** The live config: re-read when the file changes, so `emergency_pause` needs no restart (9.1). */
  config: () => AutopilotConfig;
  metrics: MetricsStore;
  cards: (channel: string) => CardStore;
  history: HistoryStore;
  alerts: Alerter;
  logger: Logger;
  now?: () => Date;
}

/** Runs `fn`; bad input or corrupt history becomes a non-retryable failure that names the problem (never a crash loop). */
export async function guard<T>(fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ValidationError) {
      throw ApplicationFailure.create({ type: 'ValidationError', message: err.message, nonRetryable: true, details: [err.problems] });
    }
    // A corrupted history file does not heal by retrying: fail fast so the cycle alerts at once.
    if (err instanceof HistoryIntegrityError) {
      throw ApplicationFailure.create({ type: 'HistoryIntegrityError', message: err.message, nonRetryable: true });
    }
    // A full disk or a refused write does not heal within the cycle: fail fast so it alerts at once.
    const code = (err as NodeJS.ErrnoException | null)?.code;
    if (code && STORAGE_ERRORS.has(code)) {
      throw ApplicationFailure.create({ type: 'StorageError', message: (err as Error).message, nonRetryable: true });
    }
    throw err;
  }
}

/** errno codes of a write the disk refused (full, read-only, no permission). */
const STORAGE_ERRORS = new Set(['ENOSPC', 'EDQUOT', 'EACCES', 'EPERM', 'EROFS']);
