import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { Harness } from '../support/harness';
import { startWorkerHost, type WorkerHost } from '../../src/host';
import { dailyScheduleId } from '../../src/workflows/messages';
import { triageScheduleId } from '../../src/workflows/triage-messages';
import { dailyTime, startCycle, upsertSchedule } from '../../src/client';

/** npm run worker's host: worker, schedules and /metrics, with several hosts on one cluster. */
describe('the worker host (src/host.ts) on a real Temporal server', () => {
  // metrics_port 0: each host's /metrics on a free port.
  // A spread of the daily time: the schedule carries this channel's own minute.
  const h = new Harness({
    backfillHours: 0,
    patchConfig: (raw) => {
      raw.metrics_port = 0;
      raw.autopilot.schedule = { hour: 3, minute: 0, spread_minutes: 50 };
    },
  });
  const hosts: WorkerHost[] = [];
  const lines: string[] = [];
  const start = async () => {
    const host = await startWorkerHost({
      rt: h.rt,
      address: h.address,
      log: pino({ level: 'silent' }),
      say: (l) => lines.push(l),
      workflowBundle: { codePath: process.env.VVTV_TEST_WORKFLOW_BUNDLE! },
    });
    hosts.push(host);
    return host;
  };
  beforeAll(async () => {
    await h.start();
    await h.stopWorker(); // the hosts are the workers here
  });
  afterAll(async () => {
    for (const host of hosts) await host.stop();
    for (const id of [dailyScheduleId(h.channel), triageScheduleId(h.channel)]) {
      await h.client.schedule
        .getHandle(id)
        .delete()
        .catch(() => undefined);
    }
    await h.close();
  });

  it('creates the daily and weekly schedules once, serves /metrics, and two hosts share the task queue', async () => {
    const first = await start();
    const second = await start(); // a second host: the schedules are reconciled, not duplicated
    const ids: string[] = [];
    for await (const s of h.client.schedule.list()) if (s.scheduleId.endsWith(`/${h.channel}`)) ids.push(s.scheduleId);
    expect(ids.sort()).toEqual([dailyScheduleId(h.channel), triageScheduleId(h.channel)].sort());
    const daily = await h.client.schedule.getHandle(dailyScheduleId(h.channel)).describe();
    expect(daily.action).toMatchObject({ type: 'startWorkflow', taskQueue: h.taskQueue });
    const at = dailyTime({ hour: 3, minute: 0, spread_minutes: 50 }, h.channel);
    expect(daily.spec.calendars?.[0]).toMatchObject({ hour: [{ start: at.hour }], minute: [{ start: at.minute }] });
    expect(at.hour * 60 + at.minute).toBeGreaterThanOrEqual(180);
    expect(at.hour * 60 + at.minute).toBeLessThan(230);
    expect(lines.filter((l) => l.includes('daily schedule'))).toHaveLength(2);

    for (const host of [first, second]) {
      const port = (host.metricsServer!.address() as AddressInfo).port;
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('vvtv_autopilot_');
    }

    // Either host runs a cycle to its end: an unknown parameter is refused without a canary.
    const r = await (
      await startCycle(h.client, h.taskQueue, { channel: h.channel, changes: [{ parameter: 'nope', value: 1 }], reason: 'host test' })
    ).result();
    expect(r.outcome).toBe('invalid_input');
  });

  it('reconciles a schedule that many hosts create at the same moment: none fails, exactly one exists', async () => {
    const w = {
      scheduleId: `race/${h.channel}`,
      calendar: { hour: 4, minute: 0 },
      workflowType: 'autopilotCycle',
      workflowId: `race-cycle/${h.channel}`,
      taskQueue: h.taskQueue,
      args: [{ channel: h.channel, trigger: 'schedule' }],
      channel: h.channel,
    };
    try {
      // Every call describes first (nothing yet), then all race to create: one creates, the rest update.
      const results = await Promise.all(Array.from({ length: 6 }, () => upsertSchedule(h.client, w)));
      expect(results.filter((r) => r === 'created').length).toBeGreaterThanOrEqual(1);
      expect(results.every((r) => r === 'created' || r === 'updated')).toBe(true);
      const ids: string[] = [];
      for await (const x of h.client.schedule.list()) if (x.scheduleId === w.scheduleId) ids.push(x.scheduleId);
      expect(ids).toEqual([w.scheduleId]);
    } finally {
      await h.client.schedule
        .getHandle(w.scheduleId)
        .delete()
        .catch(() => undefined);
    }
  });
});
