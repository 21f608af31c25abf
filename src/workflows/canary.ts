import { CancellationScope, condition, isCancellation, log, patched, setHandler, workflowInfo } from '@temporalio/workflow';
import { asMeasurement, judgeCanary, stageOfCheck } from '../domain/canary';
import { switchTimes, type Arm, type SwitchbackPlan } from '../domain/canary/switchback';
import type { CanaryDecision, CanaryVerdict } from '../domain/types';
import { operationActivities, type WorkflowActivities } from './proxies';
import {
  OperatorDecisionSchema,
  EmergencyStopSchema,
  checkSignalPayload,
  canaryDecisionSignal,
  canaryStatusQuery,
  emergencyStopSignal,
  type CanaryInput,
  type CanaryResult,
  type CanaryStatus,
  type EmergencyStop,
  type OperatorDecision,
} from './messages';

/** What the canary's steps share: its input, activities, status (the query's answer) and the operators' signals. */
interface Canary {
  input: CanaryInput;
  acts: WorkflowActivities;
  status: CanaryStatus;
  emergency: EmergencyStop | null;
  operator: OperatorDecision | null;
  /**
   * Why the canary stopped on a manual edit of the live card (10.5), when it did: seen after a
   * check (overlay) or at a switch (switchback: neither the parent nor the candidate is live).
   */
  manualEdit: string | null;
}

/** The operator's signals; payloads are operator input: a malformed one is logged and ignored, never fatal. */
function listen(c: Canary): void {
  setHandler(canaryStatusQuery, () => c.status);
  setHandler(emergencyStopSignal, (s) => {
    const r = checkSignalPayload('emergencyStop', EmergencyStopSchema, s);
    if ('problems' in r) return log.warn('emergencyStop ignored', { problems: r.problems, payload: s });
    c.emergency ??= r.value;
  });
  setHandler(canaryDecisionSignal, (d) => {
    const r = checkSignalPayload('canaryDecision', OperatorDecisionSchema, d);
    if ('problems' in r) return log.warn('canaryDecision ignored', { problems: r.problems, payload: d });
    c.operator ??= r.value;
  });
}

/** The band rule checks the primary's estimate (issue 12); the cycle's forecast follows the same patch. */
export const BAND_PRIMARY_ESTIMATE_PATCH = 'vvtv-band-primary-estimate-v1';

const interrupted = (c: Canary) => c.emergency !== null || c.operator !== null;

/** Every check interval: measure both groups, judge, record; stop at a final verdict or an operator's word (3.2, 3.3). */
async function monitor(c: Canary, startedAt: string): Promise<CanaryVerdict | null> {
  const { input, acts, status } = c;
  // Executions started before the band rule checked the primary's estimate replay without it.
  const bandPrimaryEstimate = patched(BAND_PRIMARY_ESTIMATE_PATCH);
  let verdict: CanaryVerdict | null = null;
  for (let i = 1; i <= status.totalChecks; i++) {
    if (await condition(() => interrupted(c), input.checkIntervalMs)) break;
    const m = asMeasurement(
      await acts.measureCanary({ channel: input.channel, canaryId: input.canaryId, since: startedAt, kpis: input.kpis }),
    );
    const look = stageOfCheck(i, status.totalChecks, input.maxStages ?? 1);
    status.stage = look.stage;
    verdict = judgeCanary({
      kpis: input.kpis,
      groups: m.groups,
      ...(m.varianceReduction ? { varianceReduction: m.varianceReduction } : {}),
      confidenceLevel: input.confidenceLevel,
      nonInferiorityMargin: input.nonInferiorityMargin,
      minSamplesPerGroup: input.minSamplesPerGroup,
      ...look,
      purpose: input.purpose,
      bandPrimaryEstimate,
    });
    status.checksDone = i;
    status.lastVerdict = verdict;
    await acts.recordCanaryCheck({ canaryId: input.canaryId, checkIndex: i, verdict });
    if (verdict.final) break;
    // 10.5: a hand edit of the live card changes what the control group runs: the canary stops.
    const live = await acts.checkLiveCard({ channel: input.channel, canaryId: input.canaryId, parentSha: input.parentSha });
    if (live.edited) {
      c.manualEdit = live.reason ?? 'the live card was edited by hand';
      break;
    }
  }
  return verdict;
}

/**
 * Switchback (docs/vvtv-integration.md): at each block's start the card is switched to the block's
 * arm (when it differs); after each block ends, the blocks ended so far are judged. The check
 * after the last block is the final one. A manual edit found at a switch stops the canary.
 */
async function monitorSwitchback(c: Canary, plan: SwitchbackPlan): Promise<CanaryVerdict | null> {
  const { input, acts, status } = c;
  const s = input.switchback;
  // A check waits a little after its block's end for rows still being written.
  const grace = Math.min(2000, plan.washoutMs / 2, plan.blockMs / 10);
  type Step = { atMs: number; switchTo?: { arm: Arm; block: number }; check?: number };
  const switches: Step[] = switchTimes(plan).map((x) => ({ atMs: x.atMs, switchTo: { arm: x.arm, block: x.block } }));
  const checks: Step[] = plan.arms.map((_, b) => ({ atMs: plan.startMs + (b + 1) * plan.blockMs + grace, check: b + 1 }));
  const steps = [...switches, ...checks].sort((a, b) => a.atMs - b.atMs || (a.switchTo ? -1 : 1));
  const bandPrimaryEstimate = patched(BAND_PRIMARY_ESTIMATE_PATCH);
  let verdict: CanaryVerdict | null = null;
  for (const step of steps) {
    // A step already due runs at once (a zero-length timer is not a wait).
    const wait = step.atMs - Date.now();
    if (wait > 0 ? await condition(() => interrupted(c), wait) : interrupted(c)) break;
    if (step.switchTo) {
      const r = await acts.switchCanaryArm({ ...cardRef(input), ...step.switchTo });
      if (r.manualEdit) {
        c.manualEdit = `the live card was edited by hand during the canary (sha ${r.manualEdit.liveSha.slice(0, 12)})`;
        break;
      }
      continue;
    }
    const m = await acts.measureSwitchback({
      channel: input.channel,
      canaryId: input.canaryId,
      plan,
      kpis: input.kpis,
      minRowsPerBlock: s.minRowsPerBlock,
    });
    verdict = judgeCanary({
      kpis: input.kpis,
      groups: m.groups,
      confidenceLevel: input.confidenceLevel,
      nonInferiorityMargin: input.nonInferiorityMargin,
      minSamplesPerGroup: s.minBlocksPerArm,
      // One stage: the plan's blocks are the whole canary (a switchback does not continue).
      ...stageOfCheck(step.check!, plan.arms.length, 1),
      purpose: input.purpose,
      bandPrimaryEstimate,
    });
    status.checksDone = step.check!;
    status.lastVerdict = verdict;
    await acts.recordCanaryCheck({ canaryId: input.canaryId, checkIndex: step.check!, verdict });
    if (verdict.final) break;
  }
  return verdict;
}

const cardRef = (input: CanaryInput) => ({
  channel: input.channel,
  canaryId: input.canaryId,
  versionId: input.versionId,
  parentSha: input.parentSha,
});

/** The decision: an emergency stop, an operator's word (waited for when Inconclusive, 3.4), or the judge's verdict. */
async function decide(c: Canary, verdict: CanaryVerdict | null): Promise<{ decision: CanaryDecision; decidedBy: string; reason: string }> {
  const { input, status } = c;
  if (c.manualEdit && !c.emergency) return { decision: 'Rollback', decidedBy: 'manual_edit', reason: c.manualEdit };
  if (!c.emergency && !c.operator && verdict?.decision === 'Inconclusive' && input.inconclusiveWindowMs > 0) {
    status.phase = 'awaiting_operator';
    log.warn('canary inconclusive: waiting for an operator decision', { canaryId: input.canaryId, windowMs: input.inconclusiveWindowMs });
    await condition(() => interrupted(c), input.inconclusiveWindowMs);
  }
  if (c.emergency) return { decision: 'Rollback', decidedBy: `emergency:${c.emergency.by}`, reason: c.emergency.reason };
  if (c.operator)
    return {
      decision: c.operator.decision === 'proceed' ? 'Proceed' : 'Rollback',
      decidedBy: `operator:${c.operator.by}`,
      reason: c.operator.reason,
    };
  if (!verdict) return { decision: 'Rollback', decidedBy: 'judge', reason: 'no verdict was reached' };
  if (verdict.decision === 'Inconclusive')
    return { decision: 'Inconclusive', decidedBy: 'inconclusive_timeout', reason: `${verdict.reason}; no operator decision in time` };
  return { decision: verdict.decision, decidedBy: 'judge', reason: verdict.reason };
}

/**
 * Promote or roll back. A paused channel changes nothing (9.2): at its decision time its canary
 * rolls back instead. A refused promotion (the live card was edited, 10.5) rolls back too.
 */
async function settle(
  c: Canary,
  d: { decision: CanaryDecision; decidedBy: string; reason: string },
  verdict: CanaryVerdict | null,
): Promise<CanaryResult> {
  const { input, acts, status } = c;
  let { decision, decidedBy, reason } = d;
  if (decision === 'Proceed') {
    const pause = await acts.channelPause({ channel: input.channel });
    if (pause.paused) {
      decision = 'Rollback';
      decidedBy = `paused:${pause.by}`;
      reason = `channel paused by ${pause.by} (${pause.reason}); would have proceeded: ${reason}`;
    }
  }
  if (decision === 'Proceed') {
    status.phase = 'promoting';
    const r = await acts.promoteCanary({
      channel: input.channel,
      canaryId: input.canaryId,
      versionId: input.versionId,
      parentSha: input.parentSha,
      verdict,
      decidedBy,
    });
    if (r.promoted) {
      status.phase = 'promoted';
      log.info('canary promoted', { canaryId: input.canaryId, decidedBy, sha256: r.sha256 });
      return {
        canaryId: input.canaryId,
        outcome: 'promoted',
        decision,
        decidedBy,
        verdict,
        checks: status.checksDone,
        stage: status.stage,
        promotedSha: r.sha256,
      };
    }
    reason = `promotion refused: ${r.reason}`;
    decidedBy = 'promotion_guard';
  }
  status.phase = 'rolling_back';
  await acts.rollbackCanary({ channel: input.channel, canaryId: input.canaryId, versionId: input.versionId, verdict, decidedBy, reason });
  status.phase = 'rolled_back';
  log.info('canary rolled back', { canaryId: input.canaryId, decidedBy, reason });
  return {
    canaryId: input.canaryId,
    outcome: 'rolled_back',
    decision: decision === 'Proceed' ? 'Rollback' : decision,
    decidedBy,
    verdict,
    checks: status.checksDone,
    stage: status.stage,
  };
}

/**
 * The canary (3.1-3.5): deploy the overlay → monitor (measure and judge every check interval,
 * stop early on a clear result) → decide (judge, operator, emergency) → settle (promote or roll
 * back). In switchback mode the deploy plans the blocks and the monitor switches the card at each
 * block's start and judges block-level data after each block's end. Every wait is a durable timer;
 * an emergency stop interrupts it at once.
 */
export async function canaryWorkflow(input: CanaryInput): Promise<CanaryResult> {
  const maxStages = Math.max(1, input.maxStages ?? 1);
  const totalChecks = Math.max(1, Math.round(input.durationMs / input.checkIntervalMs)) * maxStages;
  const switchback = input.mode === 'switchback';
  const c: Canary = {
    input,
    acts: operationActivities(input.operationTimeoutMs, '10s'),
    status: {
      canaryId: input.canaryId,
      phase: 'deploying',
      checksDone: 0,
      totalChecks,
      stage: 1,
      maxStages,
      lastVerdict: null,
      startedAt: null,
    },
    emergency: null,
    operator: null,
    manualEdit: null,
  };
  listen(c);
  try {
    let verdict: CanaryVerdict | null;
    if (switchback) {
      const s = input.switchback;
      const { startedAt, plan } = await c.acts.deploySwitchback({
        ...cardRef(input),
        cycleId: input.cycleId,
        settings: { durationMs: input.durationMs, blockMs: s.blockMs, washoutMs: s.washoutMs, share: s.share },
      });
      c.status.startedAt = startedAt;
      c.status.totalChecks = plan.arms.length;
      c.status.phase = 'monitoring';
      verdict = await monitorSwitchback(c, plan);
    } else {
      const { startedAt } = await c.acts.deployCanary({
        channel: input.channel,
        cycleId: input.cycleId,
        canaryId: input.canaryId,
        versionId: input.versionId,
        trafficPercentage: input.trafficPercentage,
      });
      c.status.startedAt = startedAt;
      c.status.phase = 'monitoring';
      verdict = await monitor(c, startedAt);
    }
    return await settle(c, await decide(c, verdict), verdict);
  } catch (err) {
    // Cancelled, timed out or failed: never leave an overlay behind (the live card is untouched).
    if (c.status.phase !== 'promoted' && c.status.phase !== 'rolled_back') {
      const reason = isCancellation(err) ? `workflow ${workflowInfo().workflowId} cancelled` : `canary failed: ${(err as Error).message}`;
      const decidedBy = isCancellation(err) ? 'cancelled' : 'failure';
      await CancellationScope.nonCancellable(() =>
        c.acts.rollbackCanary({
          channel: input.channel,
          canaryId: input.canaryId,
          versionId: input.versionId,
          verdict: c.status.lastVerdict,
          decidedBy,
          reason,
        }),
      ).catch((e) => log.error('rollback after a canary failure failed too', { error: String(e) }));
      c.status.phase = 'rolled_back';
    }
    throw err;
  }
}
