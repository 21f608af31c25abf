/**
 * Faults around a running cycle on the real dev server: a manual edit of the card during the
 * canary (10.5), the same day's cycle triggered twice, and alert receivers (a Slack-style
 * webhook and Alertmanager, one real local HTTP server) answering 5xx or hanging during a rollback.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Harness } from '../support/harness';
import { canaryStatus, ensureDailySchedule, startCycle } from '../../src/client';
import { canaryDecisionSignal, canaryWorkflowId, dailyScheduleId } from '../../src/workflows/messages';
import { Receiver, alertNames, expectCardIs, expectNothingLost, snapshot, waitFor, type ReceiverMode } from './support/faults';

describe('a manual edit of the card during a canary (10.5)', () => {
  const h = new Harness({ slotsPerSecond: 100 });
  beforeAll(() => h.start());
  afterAll(() => h.close());

  it('the canary stops at its next check and rolls back; the manual edit is kept byte for byte and recorded as a version', async () => {
    h.startSimulator();
    const handle = await startCycle(h.client, h.taskQueue, {
      channel: h.channel,
      changes: [{ parameter: 'temperature', value: 0.6 }],
      canary: { durationMs: 60_000, checkIntervalMs: 1_000, inconclusiveWindowMs: 60_000 },
    });
    const canaryId = canaryWorkflowId(h.channel, handle.workflowId);
    await waitFor(async () => (await canaryStatus(h.client, canaryId)).phase === 'monitoring');
    const kept = snapshot(h);
    const edited = readFileSync(h.cards.path, 'utf8').replace('top_k: 8', 'top_k: 9') + '# edited by hand during the canary\n';
    writeFileSync(h.cards.path, edited); // an operator's editor, not the autopilot
    const r = await handle.result(); // no operator, no judge: the canary stops at its next check

    expect(r.outcome).toBe('rolled_back');
    expect(readFileSync(h.cards.path, 'utf8')).toBe(edited);
    const canary = h.rt.deps.canaryLog.get(canaryId)!;
    expect(canary).toMatchObject({ status: 'rolled_back', decided_by: 'manual_edit' });
    expect(canary.checks.length).toBeLessThan(60); // it did not run its course
    const manual = h.rt.deps.history.latest(h.channel, { status: ['active'] })!;
    expect(manual).toMatchObject({ source: 'manual', deployment: { status: 'active' } });
    expect(manual.rationale).toContain(canaryId);
    expectCardIs(h, { versionId: manual.version_id });
    const candidate = h.rt.deps.history.list(h.channel).items.find((v) => v.cycle_id === handle.workflowId)!;
    expect(candidate.deployment.status).toBe('rolled_back');
    expect(h.cards.readOverlay()).toBeNull();
    expect(alertNames(h, handle.workflowId)).toContain('canary_rolled_back');
    expectNothingLost(h, kept);
  });
});

describe("the same day's cycle triggered twice (schedule and manual)", () => {
  // The config's canary is what the scheduled cycle runs: short here.
  const h = new Harness({
    slotsPerSecond: 100,
    patchConfig: (raw) => {
      raw.canary.duration_minutes = 0.25;
      raw.canary.check_interval_minutes = 0.05;
      raw.canary.inconclusive_decision_window_minutes = 0;
    },
  });
  beforeAll(() => h.start());
  afterAll(async () => {
    await h.client.schedule
      .getHandle(dailyScheduleId(h.channel))
      .delete()
      .catch(() => undefined);
    await h.close();
  });

  it('runs one cycle: the other is refused by the governor, naming the one that runs', async () => {
    h.startSimulator();
    await ensureDailySchedule(h.client, h.rt.live.get(), h.channel);
    const schedule = h.client.schedule.getHandle(dailyScheduleId(h.channel));
    await schedule.trigger();
    await schedule.trigger(); // overlap SKIP: a second trigger while the first runs starts nothing
    // The scheduled cycle has begun (its record is written by its first step).
    const scheduled = await waitFor(() => h.rt.deps.cycleLog.list(h.channel).find((c) => c.cycle_id.includes('/scheduled'))?.cycle_id);
    const manual = await (
      await startCycle(h.client, h.taskQueue, { channel: h.channel, changes: [{ parameter: 'temperature', value: 0.6 }] })
    ).result();
    const first = await h.client.workflow.getHandle(scheduled).result();

    expect(manual.outcome).toBe('skipped_paused');
    expect(manual.message).toContain(`cycle ${scheduled} is still running`);
    expect(h.rt.deps.history.list(h.channel).items.filter((v) => v.cycle_id === manual.cycleId)).toHaveLength(0);
    expect(h.rt.deps.canaryLog.get(canaryWorkflowId(h.channel, manual.cycleId))).toBeNull();
    const cycles = h.rt.deps.cycleLog.list(h.channel);
    expect(cycles.map((c) => c.cycle_id).sort()).toEqual([scheduled, manual.cycleId].sort());
    expect(cycles.find((c) => c.cycle_id === scheduled)).toMatchObject({ status: 'completed', outcome: first.outcome });
    const desc = await schedule.describe();
    expect(desc.info.recentActions.map((a) => a.action.workflow.workflowId)).toEqual([scheduled]);
  }, 180_000);
});

describe.each<ReceiverMode>(['5xx', 'hang'])('webhook and Alertmanager answering %s during a rollback', (mode) => {
  const receiver = new Receiver();
  const h = new Harness({
    slotsPerSecond: 100,
    patchConfig: (raw) => {
      raw.alerts = {
        ...raw.alerts,
        webhook_url: receiver.url('/hooks/slack'),
        alertmanager_url: receiver.url('/am'),
        timeout_ms: 3_000,
        min_severity: 'info',
      };
    },
  });
  beforeAll(async () => {
    await receiver.start();
    receiver.mode = mode;
    await h.start();
  });
  afterAll(async () => {
    await h.close();
    await receiver.close();
  });

  it('the rollback completes before any alert goes out; the alerts reach both receivers and the audit log', async () => {
    const before = readFileSync(h.cards.path);
    const handle = await startCycle(h.client, h.taskQueue, {
      channel: h.channel,
      changes: [{ parameter: 'temperature', value: 0.6 }],
      canary: { durationMs: 60_000, checkIntervalMs: 1_000, inconclusiveWindowMs: 60_000 },
    });
    const canaryId = canaryWorkflowId(h.channel, handle.workflowId);
    await waitFor(async () => (await canaryStatus(h.client, canaryId)).phase === 'monitoring');
    await h.client.workflow.getHandle(canaryId).signal(canaryDecisionSignal, { decision: 'rollback', by: 'ops', reason: 'fault test' });
    const r = await handle.result();

    expect(r.outcome).toBe('rolled_back');
    expect(readFileSync(h.cards.path).equals(before)).toBe(true);
    expect(h.cards.readOverlay()).toBeNull();
    const canary = h.rt.deps.canaryLog.get(canaryId)!;
    expect(canary).toMatchObject({ status: 'rolled_back', decided_by: 'operator:ops' });
    expect(alertNames(h, handle.workflowId)).toContain('canary_rolled_back');
    // Ordering, not wall-clock: the canary was closed (overlay gone) before its alert reached a receiver.
    const rolledBackAt = Date.parse(canary.finished_at!);
    const sent = receiver.requests.filter((q) => q.body.includes('canary_rolled_back'));
    expect(sent.map((q) => q.url).sort()).toEqual(['/am/api/v2/alerts', '/hooks/slack']);
    for (const q of sent) expect(q.at).toBeGreaterThanOrEqual(rolledBackAt);
  });
});
