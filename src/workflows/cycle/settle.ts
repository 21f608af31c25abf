import { ApplicationFailure, TimeoutFailure, log, upsertSearchAttributes } from '@temporalio/workflow';
import type { CycleOutcome } from '../../domain/records';
import { rollbackCountsAgainstChanges } from '../../domain/cycle';
import { SA_OUTCOME, type CycleResult } from '../messages';
import { decide, now, type CycleContext, type CycleEnd } from './context';

/** The changes a cycle's outcome counts against: none when a rollback was forced on it (pause, emergency, failure). */
function countedChanges(ctx: CycleContext, outcome: CycleOutcome) {
  const forced = outcome === 'rolled_back' && ctx.report.canary && !rollbackCountsAgainstChanges(ctx.report.canary.decidedBy);
  return forced ? [] : ctx.changes;
}

async function reportToGovernor(ctx: CycleContext, outcome: CycleOutcome, predictionError?: number): Promise<void> {
  const answer = await ctx.acts.governorReportOutcome({
    channel: ctx.channel,
    cycleId: ctx.cycleId,
    outcome,
    at: now(),
    predictionError,
    changedParameters: ctx.changes.map((c) => c.parameter),
    rolledBackParameters: outcome === 'rolled_back' ? countedChanges(ctx, outcome).map((c) => c.parameter) : undefined,
  });
  ctx.report.governorActions = answer.actions;
}

/**
 * Step 5: settle the cycle. Stability widens bounds, repeated rollbacks contract them (2.2, 2.3);
 * the governor hears the outcome (4.x); history housekeeping (5.4); the record is final.
 */
export async function settle(ctx: CycleContext, e: CycleEnd): Promise<CycleResult> {
  const { acts, channel, cycleId } = ctx;
  ctx.phase = 'finished';
  if (e.end !== 'skipped_paused') {
    const upd = await acts.updateBoundsAfterCycle({ channel, outcome: e.end, changes: countedChanges(ctx, e.end), at: now() });
    if (upd.adjustments.length) await decide(ctx, 'bounds_update', `${upd.adjustments.length} bounds adjustment(s)`, upd.adjustments);
  }
  await reportToGovernor(ctx, e.end, e.predictionError);
  ctx.report.history = await acts.maintainHistory({ channel, cycleId });
  ctx.report.message = e.message;
  upsertSearchAttributes([{ key: SA_OUTCOME, value: e.end }]);
  await acts.finishCycle({
    cycleId,
    channel,
    outcome: e.end,
    versionId: ctx.versionId,
    canaryId: ctx.canaryId ?? undefined,
    report: ctx.report,
  });
  log.info('cycle finished', { cycleId, outcome: e.end, message: e.message });
  return {
    cycleId,
    channel,
    outcome: e.end,
    versionId: ctx.versionId,
    changes: ctx.changes,
    message: e.message,
    ...(e.verdict ? { verdict: e.verdict } : {}),
    ...(e.predictionError !== undefined ? { predictionError: e.predictionError } : {}),
  };
}

/** The failure and its causes, outermost first (activity → child workflow → timeout …). */
function chain(err: unknown): unknown[] {
  const out: unknown[] = [];
  for (let e: unknown = err; e && out.length < 10; e = (e as { cause?: unknown }).cause) out.push(e);
  return out;
}

/** The innermost ApplicationFailure if there is one, else the innermost cause. */
function rootCause(err: unknown): unknown {
  const all = chain(err);
  return all.find((e) => e instanceof ApplicationFailure) ?? all[all.length - 1];
}

/**
 * A step threw. An invalid card or input ends the cycle normally with nothing deployed (10.3);
 * anything else alerts as critical (8.3, 8.5), is recorded, and fails the workflow.
 */
export async function fail(ctx: CycleContext, err: unknown): Promise<CycleResult> {
  const { acts, channel, cycleId } = ctx;
  const cause = rootCause(err);
  if (cause instanceof ApplicationFailure && cause.type === 'ValidationError') {
    const end = ctx.phase === 'reading_card' ? 'invalid_card' : 'invalid_input';
    await acts.raiseAlert({
      severity: 'critical',
      channel,
      cycleId,
      name: end,
      summary: cause.message,
      details: { problems: cause.details },
    });
    ctx.report.error = cause.message;
    return settle(ctx, { end, message: cause.message });
  }
  const timedOut = chain(err).some((e) => e instanceof TimeoutFailure);
  if (cause instanceof ApplicationFailure && cause.type === 'HistoryIntegrityError') {
    await acts.raiseAlert({ severity: 'critical', channel, cycleId, name: 'history_integrity', summary: cause.message });
  }
  if (cause instanceof ApplicationFailure && cause.type === 'StorageError') {
    await acts.raiseAlert({ severity: 'critical', channel, cycleId, name: 'storage_failed', summary: cause.message });
  }
  const message = `${timedOut ? 'operation timed out' : 'cycle failed'} during ${ctx.phase}: ${(cause as Error)?.message ?? String(err)}`;
  await acts.raiseAlert({
    severity: 'critical',
    channel,
    cycleId,
    name: timedOut ? 'operation_timeout' : 'cycle_failed',
    summary: message,
  });
  await reportToGovernor(ctx, 'failed').catch(() => undefined); // must not hide the original failure
  ctx.report.message = message;
  await acts.finishCycle({
    cycleId,
    channel,
    outcome: 'failed',
    versionId: ctx.versionId,
    canaryId: ctx.canaryId ?? undefined,
    report: ctx.report,
    error: message,
  });
  upsertSearchAttributes([{ key: SA_OUTCOME, value: 'failed' }]);
  throw err;
}
