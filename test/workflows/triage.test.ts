import { NativeConnection, Worker } from '@temporalio/worker';
import { Harness } from '../support/harness';
import { FakeGithub } from '../unit/triage/fake-github';
import { createActivities, type Deps } from '../../src/activities';
import { createTriageActivities } from '../../src/activities/triage';
import { markerOf } from '../../src/adapters/github';
import type { TriageReport } from '../../src/domain/triage';
import { ensureWeeklyTriageSchedule, startTriage } from '../../src/triage-schedule';
import { triageScheduleId } from '../../src/workflows/triage-messages';

const TOKEN_ENV = 'VVTV_TEST_GH_TOKEN';
const gh = new FakeGithub();
const h = new Harness({
  channel: `triage-${Math.random().toString(36).slice(2, 8)}`,
  backfillHours: 0,
  patchConfig: (raw) => {
    // Threshold 1 so the two invalid cards form a pattern (one timeout does not).
    raw.incident_triage.pattern_threshold = 1;
    raw.incident_triage.github = {
      enabled: true,
      repo: 'acme/vvtv',
      api_url: gh.url /* read when start() writes the config, after gh.start() */,
      token_env: TOKEN_ENV,
      labels: ['vvtv-autopilot', 'triage'],
    };
  },
});
let connection: NativeConnection;
let worker: Worker;
let running: Promise<void>;
let deps: Deps;
const weekEnd = new Date().toISOString();
const hoursAgo = (n: number) => new Date(Date.parse(weekEnd) - n * 3_600_000).toISOString();

/** A week as the cycle workflow stores it: rows, their reports and the alerts they raised. */
function seedWeek(): void {
  const state = deps;
  const ch = h.channel;
  let n = 0;
  const put = (
    outcome: string,
    at: number,
    report: Record<string, unknown>,
    extra: { error?: string; alert?: string; verdict?: object } = {},
  ) => {
    const cycle_id = `autopilot-cycle/${ch}/seed-${++n}`;
    let canary_id: string | null = null;
    if (extra.verdict) {
      // The canary log owns the verdict; the cycle record names the canary.
      canary_id = `canary/${ch}/seed-${n}`;
      state.canaryLog.open({ canary_id, channel: ch, cycle_id, started_at: hoursAgo(at - 0.01), traffic_percentage: 0.2 });
      state.canaryLog.close(canary_id, {
        status: 'rolled_back',
        at: hoursAgo(at - 0.04),
        verdict: extra.verdict as never,
        decidedBy: 'judge',
      });
    }
    state.cycleLog.save({
      cycle_id,
      channel: ch,
      started_at: hoursAgo(at),
      finished_at: hoursAgo(at - 0.05),
      status: outcome === 'failed' ? 'failed' : 'completed',
      outcome: outcome as never,
      report: { trigger: 'schedule', ...report },
      error: extra.error ?? null,
      canary_id,
    });
    if (extra.alert)
      state.auditLog.record({
        channel: ch,
        cycle_id,
        at: hoursAgo(at - 0.05),
        kind: 'alert',
        summary: extra.alert,
        payload: { severity: 'warning', channel: ch, name: extra.alert, summary: extra.alert },
      });
  };
  for (const at of [150, 120, 96, 72]) {
    put(
      'rolled_back',
      at,
      {
        message: 'guardrail degraded',
        proposals: [{ parameter: 'temperature', oldValue: 0.5, newValue: 0.6 }],
        bounds: [{ parameter: 'temperature', oldValue: 0.5, newValue: 0.6, approved: true, rejections: [] }],
        canary: { canaryId: 'k', outcome: 'rolled_back', decidedBy: 'judge', decision: 'Rollback', rule: 'guardrail_degraded', checks: 3 },
      },
      { alert: 'canary_rolled_back', verdict: { rule: 'guardrail_degraded', reason: 'selection_entropy significantly worse' } },
    );
  }
  put('failed', 48, {}, { error: 'operation timed out during analysing: activity timeout', alert: 'operation_timeout' });
  put(
    'invalid_card',
    30,
    { message: 'business_logic.yaml is invalid: selection.temperature: expected a number' },
    { alert: 'invalid_card' },
  );
  put(
    'invalid_card',
    20,
    { message: 'business_logic.yaml is invalid: selection.temperature: expected a number' },
    { alert: 'invalid_card' },
  );
  put('promoted', 10, { message: 'primary improved' });
  put('rolled_back', 24 * 9, { proposals: [{ parameter: 'temperature', oldValue: 0.5, newValue: 0.6 }] }); // before the window
  state.driftLog.record({
    channel: ch,
    at: hoursAgo(40),
    kind: 'consecutive_failures',
    action: 'pause',
    numbers: { eventId: `${ch}#1`, message: '3 failures in a row', numbers: { failures: 3 } },
  });
}

beforeAll(async () => {
  await gh.start();
  await h.start();
  await h.stopWorker(); // the harness worker has no triage activities: ours replaces it
  deps = h.rt.deps;
  connection = await NativeConnection.connect({ address: h.address });
  worker = await Worker.create({
    connection,
    namespace: 'default',
    taskQueue: h.taskQueue,
    workflowBundle: { codePath: process.env.VVTV_TEST_WORKFLOW_BUNDLE! },
    activities: { ...createActivities(deps, h.client), ...createTriageActivities(deps, { env: { [TOKEN_ENV]: gh.token } }) },
    shutdownGraceTime: '1s',
  });
  running = worker.run();
  seedWeek();
});
afterAll(async () => {
  await h.client.schedule
    .getHandle(triageScheduleId(h.channel))
    .delete()
    .catch(() => undefined);
  worker?.shutdown();
  await running;
  await connection?.close();
  await h.close();
  await gh.stop();
});

const run = async (suffix: string, input: { weekEnd?: string; apply?: boolean } = { weekEnd }): Promise<TriageReport> =>
  (await startTriage(h.client, h.taskQueue, { channel: h.channel, ...input }, suffix)).result();

describe('weekly triage on a real Temporal server (7.1-7.5)', () => {
  let first: TriageReport;

  it('categorises and counts the week, contracts temperature, opens an issue for the invalid cards and stores the report', async () => {
    expect(deps.config().incident_triage.github.api_url).toBe(gh.url);
    first = await run('first');

    // 7.2, alerts not double-counted
    expect(first.counts).toEqual({ performance: 1, stability: 0, validation: 2, canary: 4, drift: 1, total: 8 });
    expect(first.patterns.map((p) => [p.key, p.count])).toEqual([
      ['canary/temperature/rolled_back_upward', 4],
      ['validation/-/invalid_card', 2],
    ]); // 7.3

    const contraction = first.suggestions.find((s) => s.kind === 'bounds_contraction')!;
    expect(contraction).toMatchObject({
      parameter: 'temperature',
      autoApply: true,
      basis: { min: 0.3, max: 1.5 },
      proposed: { min: 0.3, max: 1.2 },
    });
    expect(first.appliedAdjustments).toEqual([
      expect.objectContaining({ parameter: 'temperature', status: 'applied', oldMax: 1.5, newMax: 1.2 }),
    ]);
    const t = deps.boundsStore.get(h.channel).find((b) => b.parameter === 'temperature')!;
    expect([t.min, t.max]).toEqual([0.3, 1.2]); // 7.5, within the hard limits [0.1, 2.0]
    const adj = deps.boundsStore.adjustments(h.channel).filter((a) => a.kind === 'triage');
    expect(adj).toHaveLength(1);
    expect(adj[0]).toMatchObject({ parameter: 'temperature', old_max: 1.5, new_max: 1.2 });

    const manual = first.suggestions.find((s) => s.kind === 'manual_review')!; // 7.4
    expect(manual.rule).toBe('invalid_card');
    expect(manual.issue).toMatchObject({ action: 'created', number: 1 });
    const created = gh.writes().filter((r) => r.path === '/repos/acme/vvtv/issues');
    expect(created).toHaveLength(1);
    expect(created[0].headers.authorization).toBe(`token ${gh.token}`);
    expect(created[0].body.title).toBe(`[vvtv-autopilot][${h.channel}] validation: invalid_card`);
    expect(markerOf(created[0].body.body)).toBe(manual.fingerprint);
    expect(created[0].body.body).toContain('| validation | 2 |');

    const stored = deps.triageLog.list(h.channel);
    expect(stored).toHaveLength(1);
    expect(stored[0].week_start).toBe(first.weekStart);
    expect(stored[0].report).toEqual(JSON.parse(JSON.stringify(first)));
    expect(deps.auditLog.list(h.channel, { limit: 5 }).some((d) => d.kind === 'triage')).toBe(true);
  });

  it('a re-run of the same week changes nothing: bounds already applied, no duplicate issue, one stored report', async () => {
    const again = await run('again');
    expect(again.appliedAdjustments).toEqual([expect.objectContaining({ status: 'already_applied', newMax: 1.2 })]);
    expect(again.issues[0].issue).toMatchObject({ action: 'unchanged', number: 1 });
    expect(gh.writes()).toHaveLength(1);
    expect(deps.boundsStore.adjustments(h.channel).filter((a) => a.kind === 'triage')).toHaveLength(1);
    expect(deps.triageLog.list(h.channel)).toHaveLength(1);
  });

  it('a dry run reports the suggestions but applies nothing and opens nothing', async () => {
    const dry = await run('dry', { weekEnd: new Date(Date.parse(weekEnd) + 3_600_000).toISOString(), apply: false });
    expect(dry.mode).toBe('dry_run');
    expect(dry.issues.every((i) => i.issue === null && i.reason === 'dry run')).toBe(true);
    expect(gh.writes()).toHaveLength(1);
    expect(deps.boundsStore.adjustments(h.channel).filter((a) => a.kind === 'triage')).toHaveLength(1);
  });

  it('the schedule runs every Sunday 02:00 UTC with overlap SKIP and a 1 h catch-up window; a triggered run completes (7.1)', async () => {
    expect(await ensureWeeklyTriageSchedule(h.client, deps.config(), h.channel)).toBe('created');
    expect(await ensureWeeklyTriageSchedule(h.client, deps.config(), h.channel)).toBe('updated');
    const handle = h.client.schedule.getHandle(triageScheduleId(h.channel));
    const d = await handle.describe();
    expect(d.spec.calendars?.[0]).toMatchObject({
      dayOfWeek: [{ start: 'SUNDAY', end: 'SUNDAY', step: 1 }],
      hour: [{ start: 2, end: 2, step: 1 }],
    });
    expect(d.policies).toMatchObject({ overlap: 'SKIP', catchupWindow: 3_600_000 });
    expect(d.action).toMatchObject({ type: 'startWorkflow', workflowType: 'weeklyTriage', args: [{ channel: h.channel }] });

    await handle.trigger();
    let workflowId: string | undefined;
    for (let i = 0; i < 200 && !workflowId; i++) {
      workflowId = (await handle.describe()).info.recentActions[0]?.action.workflow.workflowId;
      if (!workflowId) await new Promise((r) => setTimeout(r, 100));
    }
    const report: TriageReport = await h.client.workflow.getHandle(workflowId!).result();
    expect(report.channel).toBe(h.channel);
    expect(report.weekEnd).toBe(new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000).toISOString());
    expect(report.mode).toBe('apply');
  });
});
