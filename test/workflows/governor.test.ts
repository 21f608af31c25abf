import { existsSync, readFileSync } from 'node:fs';
import pino from 'pino';
import type { WorkflowHandle } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { Harness } from '../support/harness';
import { AlertReceiver } from '../unit/alerts/receiver';
import { createActivities, type Deps } from '../../src/activities';
import { createGovernorActivities } from '../../src/activities/governor';
import { AlertRouter, AlertmanagerSink, WebhookSink } from '../../src/adapters/alerts';
import { startCycle } from '../../src/client';
import { ConfigWatcher, governorSettings } from '../../src/governor';
import type { ReportedOutcome } from '../../src/domain/governor';
import type { GovernorSettings } from '../../src/domain/governor';
import { canaryDecisionSignal, canaryWorkflowId } from '../../src/workflows/messages';
import {
  SA_STATE,
  emergencyPauseSignal,
  governorStatusQuery,
  governorWorkflowId,
  mayRunUpdate,
  overrideBoundsSignal,
  pauseSignal,
  reportOutcomeUpdate,
  resumeSignal,
  type OutcomeReport,
} from '../../src/workflows/governor-messages';
import type { autopilotGovernor } from '../../src/workflows/governor';

/** One simulated day lasts 0.5 s: 48 h → 1 s, 7 days → 3.5 s, 24 h override → 0.5 s (drift_monitoring.time_scale). */
const TIME_SCALE = 1 / 172_800;
const DAY_MS = 500;

const h = new Harness({
  channel: `gov-${Math.random().toString(36).slice(2, 8)}`,
  backfillHours: 0,
  patchConfig: (raw) => (raw.drift_monitoring.time_scale = TIME_SCALE),
});
const rx = new AlertReceiver();
let connection: NativeConnection;
let worker: Worker | null = null;
let running: Promise<void> | null = null;
let deps: Deps;
const started: string[] = [];

async function startWorker(): Promise<void> {
  const withClient = { ...deps, client: h.client };
  worker = await Worker.create({
    connection,
    namespace: 'default',
    taskQueue: h.taskQueue,
    workflowBundle: { codePath: process.env.VVTV_TEST_WORKFLOW_BUNDLE! },
    activities: { ...createActivities(deps, h.client), ...createGovernorActivities(withClient) },
    shutdownGraceTime: '1s',
  });
  running = worker.run();
}
async function stopWorker(): Promise<void> {
  worker?.shutdown();
  await running;
  worker = null;
}

beforeAll(async () => {
  await rx.start();
  await h.start();
  await h.stopWorker(); // the harness worker has no governor activities: ours replaces it
  const alerts = new AlertRouter({
    log: pino({ level: 'silent' }),
    sinks: () => [new WebhookSink(`${rx.url}/hook`), new AlertmanagerSink(rx.url)],
    dedupWindowMs: () => 0,
  });
  deps = { ...h.rt.deps, alerts };
  connection = await NativeConnection.connect({ address: h.address });
  await startWorker();
});
afterAll(async () => {
  for (const id of started)
    await h.client.workflow
      .getHandle(id)
      .terminate('test over')
      .catch(() => undefined);
  await stopWorker();
  await connection?.close();
  await h.close();
  await rx.stop();
});

const settings = (o: Partial<GovernorSettings> = {}) => governorSettings(h.rt.deps.config(), o);
async function governor(
  name: string,
  o: Partial<GovernorSettings> = {},
): Promise<{ channel: string; g: WorkflowHandle<typeof autopilotGovernor> }> {
  const channel = `${name}-${Math.random().toString(36).slice(2, 8)}`;
  const g = await h.client.workflow.start<typeof autopilotGovernor>('autopilotGovernor', {
    workflowId: governorWorkflowId(channel),
    taskQueue: h.taskQueue,
    args: [{ channel, settings: settings(o) }],
  });
  started.push(g.workflowId);
  return { channel, g };
}
let seq = 0;
const report = (g: WorkflowHandle, outcome: ReportedOutcome, atMs = Date.now(), extra: Partial<OutcomeReport> = {}) =>
  g.executeUpdate(reportOutcomeUpdate, { args: [{ cycleId: `cycle-${++seq}`, outcome, at: new Date(atMs).toISOString(), ...extra }] });
const status = (g: WorkflowHandle) => g.query(governorStatusQuery);
async function eventually<T>(fn: () => Promise<T> | T, ok: (v: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`condition not met in ${timeoutMs} ms; last value: ${JSON.stringify(v)?.slice(0, 2000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
const alertNames = (channel: string) =>
  rx
    .on('/api/v2/alerts')
    .map((r) => r.body[0].labels)
    .filter((l) => l.channel === channel)
    .map((l) => l.alertname);

describe('governor on a real Temporal server', () => {
  it('enters drift mode after 3 days of high prediction error: half steps, corrections only, event stored and alerted (4.2)', async () => {
    const { channel, g } = await governor('drift');
    const now = Date.now();
    await report(g, 'promoted', now - 2 * DAY_MS, { predictionError: 0.45, changedParameters: ['temperature'] });
    const second = await report(g, 'promoted', now - DAY_MS, { predictionError: 0.5, changedParameters: ['temperature'] });
    expect(second.drift).toBe(false);
    const third = await report(g, 'promoted', now, { predictionError: 0.6, changedParameters: ['top_k'] });
    expect(third).toMatchObject({ drift: true, mode: 'drift' });
    expect(third.events[0]).toMatchObject({
      rule: 'prediction_error_consecutive_days',
      action: 'enter_drift_mode',
      parameters: ['temperature', 'top_k'],
      triageFlagged: true,
    });
    expect(third.events[0].series!.map((d) => d.error)).toEqual([0.45, 0.5, 0.6]);

    const may = await g.executeUpdate(mayRunUpdate, { args: [{ cycleId: 'next', at: new Date().toISOString() }] });
    expect(may).toMatchObject({
      allowed: true,
      stepScale: 0.5,
      correctionsOnly: true,
      mode: 'drift',
      drift: { parameters: ['temperature', 'top_k'] },
    });
    const rows = await eventually(
      () => h.rt.deps.driftLog.list(channel),
      (r) => r.some((e) => e.kind === 'prediction_error_consecutive_days'),
    );
    const row = rows.find((e) => e.kind === 'prediction_error_consecutive_days')!;
    expect(row).toMatchObject({ action: 'enter_drift_mode', resolved_at: null });
    expect(row.numbers).toMatchObject({
      numbers: { threshold: 0.3, consecutiveDays: 3 },
      parameters: ['temperature', 'top_k'],
      triageFlagged: true,
    });
    await rx.waitFor(() => alertNames(channel).includes('drift_mode_entered'));
    const sa = await eventually(
      async () => (await g.describe()).typedSearchAttributes.get(SA_STATE),
      (v) => v === 'drift',
    );
    expect(sa).toBe('drift');
    // a bad report is refused by the update's validator; the activity turns it into a non-retryable failure
    const acts = createGovernorActivities({ ...deps, client: h.client });
    await expect(
      acts.governorReportOutcome({ channel, cycleId: 'bad', outcome: 'exploded' as never, at: 'yesterday' }),
    ).rejects.toMatchObject({
      type: 'ValidationError',
      nonRetryable: true,
      message: expect.stringContaining('- at: expected an ISO date-time'),
    });
  });

  it('pauses for the scaled 48 h when the 7-day rollback rate exceeds 10 %, then resumes by itself (4.4)', async () => {
    const { channel, g } = await governor('rollback');
    const at = Date.now(); // one timestamp: a slow machine cannot push reports out of the 3.5 s window
    for (let i = 0; i < 9; i++) await report(g, 'promoted', at);
    expect((await report(g, 'rolled_back', at)).pausedUntil).toBeNull(); // 1/10 = 10 %: not above
    const r = await report(g, 'rolled_back', at); // 2/11
    expect(r.events[0]).toMatchObject({
      rule: 'rollback_rate_7d',
      action: 'pause',
      pauseMs: 1000,
      numbers: { rollbacks: 2, deployments: 11, threshold: 0.1 },
    });
    const paused = await status(g);
    expect(paused.pause).toMatchObject({ source: 'rollback_rate', durationMs: 1000 });
    expect((await g.executeUpdate(mayRunUpdate, { args: [{ cycleId: 'blocked', at: new Date().toISOString() }] })).allowed).toBe(false);

    const after = await eventually(
      () => status(g),
      (s) => s.mode === 'running',
      15_000,
    );
    const resumed = after.log.find((l) => l.kind === 'resume')!;
    expect(resumed.details).toMatchObject({ why: 'expired', source: 'rollback_rate' });
    expect(Date.parse(resumed.at)).toBeGreaterThanOrEqual(Date.parse(paused.pause!.until!));
    expect(after.recovery).toMatchObject({ step: 0 });
    const rows = await eventually(
      () => h.rt.deps.driftLog.list(channel),
      (rs) => rs.some((e) => e.kind === 'rollback_rate_7d' && e.resolved_at),
    );
    expect(rows.find((e) => e.kind === 'rollback_rate_7d')!.resolved_at).toBe(resumed.at);
    await rx.waitFor(() => ['autopilot_paused_rollback_rate', 'autopilot_resumed'].every((n) => alertNames(channel).includes(n)));
  });

  it('doubles the pause on each repeated failure up to the 7-day cap (4.5)', async () => {
    const { g } = await governor('backoff');
    const pauses: number[] = [];
    for (const failures of [3, 1, 1]) {
      await eventually(
        () => status(g),
        (s) => s.mode === 'running',
        20_000,
      );
      let last;
      for (let i = 0; i < failures; i++) last = await report(g, 'failed');
      expect(last!.events[0]).toMatchObject({ rule: 'consecutive_failures', action: 'pause' });
      pauses.push(last!.events[0].pauseMs!);
    }
    expect(pauses).toEqual([1000, 2000, 3500]);
    const s = await status(g);
    expect(s.pause).toMatchObject({ source: 'consecutive_failures', durationMs: 3500, backoffLevel: 2 });
    expect(s.backoffLevel).toBe(3);
    expect(s.log.filter((l) => l.kind === 'resume').map((l) => l.details?.why)).toEqual(['expired', 'expired']);
  });

  it('announces an override when it is set and when it expires (scaled 24 h), and normal bounds return (9.3-9.5)', async () => {
    const { channel, g } = await governor('override');
    await g.signal(overrideBoundsSignal, { parameter: 'temperature', min: 0.2, max: 1.9, reason: 'incident 42', by: 'ops' });
    const set = await eventually(
      () => status(g),
      (s) => s.overrides.length === 1,
    );
    expect(Date.parse(set.overrides[0].expiresAt) - Date.parse(set.overrides[0].setAt)).toBe(500);
    await rx.waitFor(() => ['bounds_override_set', 'bounds_override_expired'].every((n) => alertNames(channel).includes(n)));
    const hooks = rx.on('/hook').filter((r) => r.body.channel === channel);
    expect(hooks.map((r) => r.body.alertname)).toEqual(['bounds_override_set', 'bounds_override_expired']);
    expect(hooks[0].body.text).toContain('incident 42');
    const after = await status(g);
    expect(after.overrides).toEqual([]);
    expect(after.log.map((l) => l.kind)).toEqual(['override_set', 'override_expired']);
    const audit = await eventually(
      () => h.rt.deps.auditLog.list(channel).map((d) => d.kind),
      (k) => k.includes('bounds_override_expired'),
    );
    expect(audit).toEqual(expect.arrayContaining(['bounds_override', 'bounds_override_expired']));
    // a bad payload is refused and recorded, not applied
    await g.signal(overrideBoundsSignal, { parameter: 'temperature', min: 0, max: 5, reason: 'x', by: 'ops' });
    const refused = await eventually(
      () => status(g),
      (s) => s.rejected.length === 1,
    );
    expect(refused.rejected[0].reason).toContain('leaves the hard limits [0.1, 2]');
  });

  it('keeps a pause across a worker restart and resumes on time (4.4)', async () => {
    const { g } = await governor('restart');
    // Long enough that stopping and starting a worker on a loaded machine stays well inside it.
    await g.signal(pauseSignal, { by: 'ops', reason: 'maintenance', durationMs: 15_000 });
    const before = await eventually(
      () => status(g),
      (s) => s.pause !== null,
    );
    await stopWorker(); // the worker is gone: only the server holds the pause and its timer
    await new Promise((r) => setTimeout(r, 500));
    await startWorker(); // a fresh worker rebuilds the state by replay
    const during = await status(g);
    expect(during.log.map((l) => l.kind)).toEqual(['pause']);
    expect(during.pause).toEqual(before.pause);
    const after = await eventually(
      () => status(g),
      (s) => s.mode === 'running',
      40_000,
    );
    const resumed = after.log.find((l) => l.kind === 'resume')!;
    expect(resumed.details).toMatchObject({ why: 'expired', pausedUntil: before.pause!.until });
    expect(Date.parse(resumed.at)).toBeGreaterThanOrEqual(Date.parse(before.pause!.until!));
  });

  it('carries its state into a new run (continueAsNew) after N messages', async () => {
    const { g } = await governor('can', { maxEventsPerRun: 4 });
    const firstRun = (await g.describe()).runId;
    // Signals that reach a workflow before its first task are dispatched in the order their
    // handlers are registered, not the order they were sent: wait for the first task (a query
    // needs it) so the order below is the order of arrival.
    await status(g);
    await g.signal(overrideBoundsSignal, { parameter: 'top_k', min: 2, max: 20, reason: 'r', by: 'ops', durationMs: 600_000 });
    for (let i = 0; i < 2; i++) {
      await g.signal(pauseSignal, { by: 'ops', reason: `p${i}` });
      await g.signal(resumeSignal, { by: 'ops', reason: `r${i}` });
    }
    const s = await eventually(
      async () => ({ run: (await g.describe()).runId, st: await status(g) }),
      (v) => v.run !== firstRun && v.st.log.length === 5,
    );
    expect(s.st.overrides.map((o) => o.parameter)).toEqual(['top_k']);
    expect(s.st.log.map((l) => l.kind)).toEqual(['override_set', 'pause', 'resume', 'pause', 'resume']);
  });

  it('pauses every channel within seconds when emergency_pause is set in autopilot.yaml, and resumes once cleared (9.1)', async () => {
    const watcher = new ConfigWatcher({
      config: () => h.rt.live.get(),
      client: h.client,
      logger: pino({ level: 'silent' }),
      intervalMs: 200,
    }).start();
    try {
      const g = h.client.workflow.getHandle(governorWorkflowId(h.channel));
      started.push(g.workflowId);
      const t0 = performance.now();
      h.writeConfig((raw) => (raw.autopilot.emergency_pause = true));
      const paused = await eventually(
        () => status(g).catch(() => null),
        (s) => s?.pause?.source === 'config',
        30_000,
      );
      console.log(
        JSON.stringify({
          measure: 'config_flag_pause_latency',
          watcherIntervalMs: watcher.intervalMs,
          pausedMs: Math.round(performance.now() - t0),
        }),
      );
      expect(paused!.pause).toMatchObject({ by: 'config:autopilot.yaml', until: null });
      h.writeConfig((raw) => (raw.autopilot.emergency_pause = false));
      const back = await eventually(
        () => status(g),
        (s) => s.mode === 'running',
        30_000,
      );
      expect(back.log.map((l) => l.kind)).toEqual(['emergency_pause', 'resume']);
    } finally {
      await watcher.stop();
    }
  });

  it('rolls a running canary back within seconds of an emergency pause: overlay gone, card untouched (9.1, 3.5)', async () => {
    const cardBefore = readFileSync(h.cards.path);
    const cycle = await startCycle(h.client, h.taskQueue, {
      channel: h.channel,
      canary: { durationMs: 60_000, checkIntervalMs: 5_000 },
      changes: [{ parameter: 'temperature', value: 0.6 }],
      reason: 'governor test',
    });
    const canaryId = canaryWorkflowId(h.channel, cycle.workflowId);
    await eventually(() => existsSync(h.cards.overlayPath), Boolean, 30_000);
    // The cycle registers its canary with the governor itself (startChild → governorRegisterCanary).
    await eventually(
      async () => (await status(h.client.workflow.getHandle(governorWorkflowId(h.channel)))).running?.canaryId,
      (id) => id === canaryId,
      30_000,
    );

    const g = h.client.workflow.getHandle(governorWorkflowId(h.channel));
    const t0 = performance.now();
    await g.signal(emergencyPauseSignal, { by: 'ops', reason: 'viewers complain' });
    const signalledMs = performance.now() - t0;
    await eventually(
      () => existsSync(h.cards.overlayPath),
      (exists) => !exists,
      30_000,
    );
    const latencyMs = performance.now() - t0;
    const r = await cycle.result();
    const cycleDoneMs = performance.now() - t0;
    console.log(
      JSON.stringify({
        measure: 'emergency_pause_latency',
        signalRpcMs: Math.round(signalledMs),
        overlayRemovedMs: Math.round(latencyMs),
        cycleFinishedMs: Math.round(cycleDoneMs),
      }),
    );

    expect(r.outcome).toBe('rolled_back');
    const canary = h.rt.deps.canaryLog.get(canaryId)!;
    expect(canary).toMatchObject({ status: 'rolled_back', decided_by: 'emergency:ops' });
    expect(readFileSync(h.cards.path).equals(cardBefore)).toBe(true);
    const s = await status(g);
    expect(s.pause).toMatchObject({ source: 'emergency', by: 'ops' });
    expect(s.running).toBeNull(); // the cycle reported its outcome and is no longer running
    expect(
      s.outcomes.some((o: { cycleId: string; outcome: string }) => o.cycleId === cycle.workflowId && o.outcome === 'rolled_back'),
    ).toBe(true);
    await rx.waitFor(() => alertNames(h.channel).includes('emergency_pause'));
  });

  it('never promotes while the channel is paused: an operator pause makes the canary roll back at its decision time (9.2)', async () => {
    const g = h.client.workflow.getHandle(governorWorkflowId(h.channel));
    await g.signal(resumeSignal, { by: 'ops', reason: 'start clean' }); // the previous test left an emergency pause
    await eventually(
      () => status(g),
      (s) => s.pause === null,
    );
    const cardBefore = readFileSync(h.cards.path);
    const cycle = await startCycle(h.client, h.taskQueue, {
      channel: h.channel,
      canary: { durationMs: 60_000, checkIntervalMs: 5_000 },
      changes: [{ parameter: 'temperature', value: 0.6 }],
      reason: 'pause test',
    });
    const canaryId = canaryWorkflowId(h.channel, cycle.workflowId);
    await eventually(() => existsSync(h.cards.overlayPath), Boolean, 30_000);
    await g.signal(pauseSignal, { by: 'ops', reason: 'maintenance window' });
    await eventually(
      () => status(g),
      (s) => s.pause?.source === 'operator',
    );
    // An operator (or the judge) says proceed; the paused channel still must not change.
    await h.client.workflow.getHandle(canaryId).signal(canaryDecisionSignal, { decision: 'proceed', by: 'alice', reason: 'looks fine' });
    const r = await cycle.result();
    expect(r.outcome).toBe('rolled_back');
    expect(h.rt.deps.canaryLog.get(canaryId)).toMatchObject({ status: 'rolled_back', decided_by: 'paused:ops' });
    expect(readFileSync(h.cards.path).equals(cardBefore)).toBe(true);
    expect(existsSync(h.cards.overlayPath)).toBe(false);
    // Neither this forced rollback nor the emergency one before it counts against temperature (2.3).
    expect(h.rt.deps.boundsStore.get(h.channel).find((b) => b.parameter === 'temperature')?.rollbackCount ?? 0).toBe(0);
    await g.signal(resumeSignal, { by: 'ops', reason: 'done' });
  });

  it('adopts settings edited in autopilot.yaml at the next cycle, without a restart', async () => {
    const { channel, g } = await governor('settings');
    expect((await status(g)).settings.driftStepScale).toBe(0.5);
    h.writeConfig((raw) => (raw.drift_monitoring.drift_step_scale = 0.3));
    try {
      const acts = createGovernorActivities({ ...deps, client: h.client });
      await acts.governorMayRun({ channel, cycleId: 'settings-cycle', at: new Date().toISOString() });
      expect((await status(g)).settings.driftStepScale).toBe(0.3);
    } finally {
      h.writeConfig();
    }
  });
});
