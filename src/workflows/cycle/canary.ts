import { ParentClosePolicy, startChild } from '@temporalio/workflow';
import { canaryPurpose } from '../../domain/canary';
import { canaryRef } from '../../domain/cycle';
import { canaryWorkflow } from '../canary';
import { canaryWorkflowId, type CanaryResult } from '../messages';
import { decide, type CycleContext, type CycleEnd } from './context';

/**
 * Step 4 (3.1-3.5): the canary as a child workflow, registered with the governor so an emergency
 * pause can roll it back (9.1); its verdict stays in the canary log, the cycle keeps a reference.
 */
export async function canary(ctx: CycleContext, versionId: string): Promise<CycleEnd> {
  const { acts, channel, cycleId, settings } = ctx;
  ctx.phase = 'canary';
  const canaryId = canaryWorkflowId(channel, cycleId);
  ctx.canaryId = canaryId;
  const t = ctx.input.canary ?? {};
  const child = await startChild(canaryWorkflow, {
    workflowId: canaryId,
    parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
    args: [
      {
        ...settings.canary,
        ...(t.durationMs !== undefined ? { durationMs: t.durationMs } : {}),
        ...(t.checkIntervalMs !== undefined ? { checkIntervalMs: t.checkIntervalMs } : {}),
        ...(t.inconclusiveWindowMs !== undefined ? { inconclusiveWindowMs: t.inconclusiveWindowMs } : {}),
        ...(t.maxStages !== undefined ? { maxStages: t.maxStages } : {}),
        channel,
        cycleId,
        canaryId,
        versionId,
        parentSha: ctx.card!.sha256,
        changes: ctx.changes,
        purpose: canaryPurpose(ctx.changes),
        kpis: settings.kpis,
        operationTimeoutMs: settings.operationTimeoutMs,
      },
    ],
  });
  await acts.governorRegisterCanary({ channel, cycleId, canaryId });
  const result: CanaryResult = await child.result();
  const ref = canaryRef(result);
  ctx.report.canary = ref;
  await decide(ctx, 'canary_verdict', `canary ${result.outcome} (${result.decision}, decided by ${result.decidedBy})`, ref);

  ctx.phase = 'settling';
  let predictionError: number | undefined;
  if (result.verdict) {
    predictionError = (await acts.recordPredictionError({ channel, cycleId, changes: ctx.changes, verdict: result.verdict })) ?? undefined;
    ctx.report.predictionError = predictionError;
  }
  const message = result.verdict?.reason ?? result.decidedBy;
  const verdict = result.verdict ?? undefined;
  if (result.outcome === 'rolled_back') {
    await acts.raiseAlert({
      severity: 'warning',
      channel,
      cycleId,
      name: 'canary_rolled_back',
      summary: `canary rolled back: ${message}`,
      details: { canary: ref },
    });
    return { end: 'rolled_back', message, verdict, predictionError };
  }
  return { end: 'promoted', message, verdict, predictionError };
}
