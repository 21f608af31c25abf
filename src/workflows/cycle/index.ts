import { setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { SA_CHANNEL, cycleStatusQuery, type CycleInput, type CycleResult } from '../messages';
import { bootActivities, operationActivities } from '../proxies';
import { isEnd, now, type CycleContext } from './context';
import { analyse } from './analyse';
import { propose } from './propose';
import { gate } from './gate';
import { canary } from './canary';
import { fail, settle } from './settle';

/**
 * The daily cycle (1.1-1.5): analyse the last 24 h → propose → gate (bounds, candidate version,
 * golden set) → canary → settle (bounds, governor, history, the record). The governor decides
 * first whether this cycle may change anything (pause, backoff, drift mode; 4.x, 9.x).
 */
export async function autopilotCycle(input: CycleInput): Promise<CycleResult> {
  const cycleId = workflowInfo().workflowId;
  const { channel } = input;
  upsertSearchAttributes([{ key: SA_CHANNEL, value: channel }]);
  const settings = await bootActivities().beginCycle({ cycleId, channel, trigger: input.trigger });
  const acts = operationActivities(settings.operationTimeoutMs);
  const governor = await acts.governorMayRun({ channel, cycleId, at: now() });
  if (!governor.allowed && !settings.paused.paused) settings.paused = { paused: true, reason: governor.reason };
  const ctx: CycleContext = {
    cycleId,
    channel,
    input,
    settings,
    acts,
    governor,
    phase: 'starting',
    changes: [],
    canaryId: null,
    report: { trigger: input.trigger, paused: settings.paused, governor },
  };
  setHandler(cycleStatusQuery, () => ({ phase: ctx.phase, canaryId: ctx.canaryId, changes: ctx.changes }));

  try {
    const analysis = await analyse(ctx);
    if (isEnd(analysis)) return await settle(ctx, analysis);
    const proposal = await propose(ctx, analysis);
    if (isEnd(proposal)) return await settle(ctx, proposal);
    const version = await gate(ctx, proposal);
    if (isEnd(version)) return await settle(ctx, version);
    return await settle(ctx, await canary(ctx, version.versionId));
  } catch (err) {
    return fail(ctx, err);
  }
}
