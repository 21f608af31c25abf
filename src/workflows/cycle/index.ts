import { setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { SA_CHANNEL, cycleStatusQuery, type CycleInput, type CycleResult } from '../messages';
import type { CycleSettings } from '../../activities';
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
 * first whether this cycle may change anything (pause, backoff, drift mode; 4.x, 9.x). A cycle
 * that cannot start alerts; any later failure is recorded and alerts (fail).
 */
export async function autopilotCycle(input: CycleInput): Promise<CycleResult> {
  const cycleId = workflowInfo().workflowId;
  const { channel } = input;
  upsertSearchAttributes([{ key: SA_CHANNEL, value: channel }]);
  const boot = bootActivities();
  let settings: CycleSettings;
  try {
    settings = await boot.beginCycle({ cycleId, channel, trigger: input.trigger });
  } catch (err) {
    // Nothing was recorded yet: the alert is the only trace (8.3, 8.5).
    const message = `cycle could not start: ${(err as Error).message}`;
    await boot.raiseAlert({ severity: 'critical', channel, cycleId, name: 'cycle_failed', summary: message });
    throw err;
  }
  const ctx: CycleContext = {
    cycleId,
    channel,
    input,
    settings,
    acts: operationActivities(settings.operationTimeoutMs),
    phase: 'starting',
    changes: [],
    canaryId: null,
    report: { trigger: input.trigger, paused: settings.paused },
  };
  setHandler(cycleStatusQuery, () => ({ phase: ctx.phase, canaryId: ctx.canaryId, changes: ctx.changes }));

  try {
    // The governor decides first whether this cycle may change anything (4.x, 9.x).
    const governor = await ctx.acts.governorMayRun({ channel, cycleId, at: now() });
    if (!governor.allowed && !settings.paused.paused) settings.paused = { paused: true, reason: governor.reason };
    ctx.governor = governor;
    ctx.report.governor = governor;
    ctx.report.paused = settings.paused;
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
