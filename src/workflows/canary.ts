import { CancellationScope, condition, isCancellation, log, setHandler, workflowInfo } from '@temporalio/workflow';
import { operationActivities } from './proxies';
import { judgeCanary } from '../domain/canary-judge';
import type { CanaryDecision, CanaryVerdict } from '../domain/types';
import {
  canaryDecisionSignal,
  canaryStatusQuery,
  emergencyStopSignal,
  type CanaryInput,
  type CanaryResult,
  type CanaryStatus,
  type EmergencyStop,
  type OperatorDecision,
} from './messages';

/**
 * The canary (3.1-3.5): deploy the overlay → every check interval measure both groups and judge
 * → stop early on a clear result, or at the horizon → promote, roll back, or wait for an operator
 * when Inconclusive. Every wait is a durable timer; an emergency stop interrupts it at once.
 */
export async function canaryWorkflow(input: CanaryInput): Promise<CanaryResult> {
  const acts = operationActivities(input.operationTimeoutMs, '10s');
  const totalChecks = Math.max(1, Math.round(input.durationMs / input.checkIntervalMs));
  const status: CanaryStatus = { canaryId: input.canaryId, phase: 'deploying', checksDone: 0, totalChecks, lastVerdict: null, startedAt: null };
  let emergency: EmergencyStop | null = null;
  let operator: OperatorDecision | null = null;
  setHandler(canaryStatusQuery, () => status);
  // Signal payloads are operator input: a malformed one is logged and ignored, never fatal.
  setHandler(emergencyStopSignal, (s) => {
    if (typeof s?.by !== 'string' || typeof s?.reason !== 'string') return log.warn('emergencyStop ignored: expected {by, reason} strings', { payload: s });
    emergency ??= s;
  });
  setHandler(canaryDecisionSignal, (d) => {
    if ((d?.decision !== 'proceed' && d?.decision !== 'rollback') || typeof d?.by !== 'string' || !d?.reason)
      return log.warn('canaryDecision ignored: expected {decision: proceed|rollback, by, reason}', { payload: d });
    operator ??= d;
  });

  const finish = async (decision: CanaryDecision, decidedBy: string, reason: string, verdict: CanaryVerdict | null): Promise<CanaryResult> => {
    if (decision === 'Proceed') {
      // A paused channel changes nothing (9.2): at its decision time its canary rolls back instead.
      const pause = await acts.channelPause({ channel: input.channel });
      if (pause.paused) {
        decision = 'Rollback';
        decidedBy = `paused:${pause.by}`;
        reason = `channel paused by ${pause.by} (${pause.reason}); would have proceeded: ${reason}`;
      }
    }
    if (decision === 'Proceed') {
      status.phase = 'promoting';
      const r = await acts.promoteCanary({ channel: input.channel, canaryId: input.canaryId, versionId: input.versionId, parentSha: input.parentSha, verdict, decidedBy });
      if (r.promoted) {
        status.phase = 'promoted';
        log.info('canary promoted', { canaryId: input.canaryId, decidedBy, sha256: r.sha256 });
        return { canaryId: input.canaryId, outcome: 'promoted', decision, decidedBy, verdict, checks: status.checksDone, promotedSha: r.sha256 };
      }
      reason = `promotion refused: ${r.reason}`;
      decidedBy = 'promotion_guard';
    }
    status.phase = 'rolling_back';
    await acts.rollbackCanary({ channel: input.channel, canaryId: input.canaryId, versionId: input.versionId, verdict, decidedBy, reason });
    status.phase = 'rolled_back';
    log.info('canary rolled back', { canaryId: input.canaryId, decidedBy, reason });
    return { canaryId: input.canaryId, outcome: 'rolled_back', decision: decision === 'Proceed' ? 'Rollback' : decision, decidedBy, verdict, checks: status.checksDone };
  };

  try {
    const { startedAt } = await acts.deployCanary({
      channel: input.channel, cycleId: input.cycleId, canaryId: input.canaryId, versionId: input.versionId, trafficPercentage: input.trafficPercentage,
    });
    status.startedAt = startedAt;
    status.phase = 'monitoring';
    let verdict: CanaryVerdict | null = null;
    for (let i = 1; i <= totalChecks; i++) {
      if (await condition(() => emergency !== null || operator !== null, input.checkIntervalMs)) break;
      const groups = await acts.measureCanary({ channel: input.channel, canaryId: input.canaryId, since: startedAt, kpis: input.kpis });
      verdict = judgeCanary({
        kpis: input.kpis,
        groups,
        confidenceLevel: input.confidenceLevel,
        nonInferiorityMargin: input.nonInferiorityMargin,
        minSamplesPerGroup: input.minSamplesPerGroup,
        isFinalCheck: i === totalChecks,
      });
      status.checksDone = i;
      status.lastVerdict = verdict;
      await acts.recordCanaryCheck({ canaryId: input.canaryId, checkIndex: i, verdict });
      if (verdict.final) break;
    }

    if (emergency) {
      const e = emergency as EmergencyStop;
      return await finish('Rollback', `emergency:${e.by}`, e.reason, verdict);
    }
    if (!operator && verdict?.decision === 'Inconclusive' && input.inconclusiveWindowMs > 0) {
      status.phase = 'awaiting_operator';
      log.warn('canary inconclusive: waiting for an operator decision', { canaryId: input.canaryId, windowMs: input.inconclusiveWindowMs });
      await condition(() => emergency !== null || operator !== null, input.inconclusiveWindowMs);
      if (emergency) {
        const e = emergency as EmergencyStop;
        return await finish('Rollback', `emergency:${e.by}`, e.reason, verdict);
      }
    }
    if (operator) {
      const o = operator as OperatorDecision;
      return await finish(o.decision === 'proceed' ? 'Proceed' : 'Rollback', `operator:${o.by}`, o.reason, verdict);
    }
    if (!verdict) return await finish('Rollback', 'judge', 'no verdict was reached', null);
    if (verdict.decision === 'Inconclusive') return await finish('Inconclusive', 'inconclusive_timeout', `${verdict.reason}; no operator decision in time`, verdict);
    return await finish(verdict.decision, 'judge', verdict.reason, verdict);
  } catch (err) {
    // Cancelled, timed out or failed: never leave an overlay behind (the live card is untouched).
    if (status.phase !== 'promoted' && status.phase !== 'rolled_back') {
      const reason = isCancellation(err) ? `workflow ${workflowInfo().workflowId} cancelled` : `canary failed: ${(err as Error).message}`;
      await CancellationScope.nonCancellable(() =>
        acts.rollbackCanary({ channel: input.channel, canaryId: input.canaryId, versionId: input.versionId, verdict: status.lastVerdict, decidedBy: isCancellation(err) ? 'cancelled' : 'failure', reason }),
      ).catch((e) => log.error('rollback after a canary failure failed too', { error: String(e) }));
      status.phase = 'rolled_back';
    }
    throw err;
  }
}
