import { startCycle, canaryStatus } from '../../src/client';
import { canaryWorkflowId, type CycleResult } from '../../src/workflows/messages';
import { Fleet, waitFor } from './fleet';

const SHORT_CANARY = { durationMs: 15_000, checkIntervalMs: 3_000, inconclusiveWindowMs: 0 };

/** The cycle ended once: one promote or rollback, one history version, no overlay left. */
function expectSettledOnce(fleet: Fleet, channel: string, cycleId: string, r: CycleResult): void {
  expect(['promoted', 'rolled_back']).toContain(r.outcome);
  const cycles = fleet.rt.deps.cycleLog.list(channel);
  expect(cycles).toHaveLength(1);
  expect(cycles[0]).toMatchObject({ status: 'completed', outcome: r.outcome });
  const canary = fleet.rt.deps.canaryLog.get(canaryWorkflowId(channel, cycleId))!;
  expect(canary.status).toBe(r.outcome === 'promoted' ? 'promoted' : 'rolled_back');
  const idx = canary.checks.map((c) => c.checkIndex);
  expect(new Set(idx).size).toBe(idx.length); // no check counted twice
  const versions = fleet.rt.deps.history.list(channel).items.filter((v) => v.cycle_id === cycleId);
  expect(versions).toHaveLength(1);
  expect(fleet.rt.deps.cards(channel).readOverlay()).toBeNull();
}

/** Issue 11: a fleet of worker processes on the PostgreSQL-backed Temporal server of scripts/cluster.sh. */
describe('two worker hosts on a real Temporal cluster (PostgreSQL)', () => {
  describe('kill -9 of the host running a canary', () => {
    const fleet = new Fleet(1, { operationTimeoutMinutes: 0.5 }); // an activity lost with the killed host is retried after 30 s
    beforeAll(async () => {
      await fleet.start();
      await Promise.all([fleet.startHost('host-a'), fleet.startHost('host-b')]);
    });
    afterAll(() => fleet.close());

    it('the other host finishes the cycle: exactly one promote or rollback, one history version', async () => {
      const channel = fleet.channels[0]!;
      fleet.startSimulators(300);
      // A canary planned long enough that it is still running when the host dies, however late
      // a loaded machine sees its first check (CI once saw a 15 s canary end before the kill).
      const canary = { ...SHORT_CANARY, durationMs: 60_000 };
      const handle = await startCycle(fleet.client, fleet.taskQueue, { channel, canary });
      const canaryId = canaryWorkflowId(channel, handle.workflowId);
      await waitFor('the first canary check', async () => (await canaryStatus(fleet.client, canaryId)).checksDone >= 1, 120_000);
      const before = await fleet.client.workflow.getHandle(canaryId).describe();
      expect(before.status.name).toBe('RUNNING'); // the premise: the host dies in the middle of the canary
      const pid = await fleet.lastWorkerPid(canaryId);
      const victim = fleet.hosts.find((h) => h.pid === pid);
      expect(victim).toBeDefined(); // one of our two processes ran it
      process.kill(victim!.pid, 'SIGKILL');
      await victim!.exited;
      const survivor = fleet.hosts.find((h) => h !== victim)!;

      const r = await handle.result();
      expectSettledOnce(fleet, channel, handle.workflowId, r);
      expect(await fleet.lastWorkerPid(canaryId)).toBe(survivor.pid); // the survivor ended the canary
      expect(survivor.child.exitCode).toBeNull();
    }, 300_000);
  });

  describe('the Temporal server stopped and restarted in the middle of a canary', () => {
    const fleet = new Fleet(1, { operationTimeoutMinutes: 0.5 });
    beforeAll(async () => {
      await fleet.start();
      await Promise.all([fleet.startHost('host-a'), fleet.startHost('host-b')]);
    });
    afterAll(() => fleet.close());

    it('the cycle completes once the server is back (state in PostgreSQL)', async () => {
      const channel = fleet.channels[0]!;
      fleet.startSimulators(300);
      const handle = await startCycle(fleet.client, fleet.taskQueue, { channel, canary: SHORT_CANARY });
      const canaryId = canaryWorkflowId(channel, handle.workflowId);
      await waitFor('the first canary check', async () => (await canaryStatus(fleet.client, canaryId)).checksDone >= 1, 120_000);
      fleet.cluster('stop-server');
      await new Promise((r) => setTimeout(r, 3_000)); // hosts see the server gone
      fleet.cluster('start-server');

      const r = await handle.result();
      expectSettledOnce(fleet, channel, handle.workflowId, r);
      for (const h of fleet.hosts) expect(h.child.exitCode).toBeNull(); // the hosts rode it out
    }, 300_000);
  });

  describe('20 channels at once across both hosts', () => {
    // 2 min: on a loaded 2-core machine 20 cycles queue for the hosts; an activity task seen lost
    // once in a worker process (issue 11 note) is retried after it.
    const fleet = new Fleet(20, { operationTimeoutMinutes: 2, backfillSlotsPerHour: 60 });
    beforeAll(async () => {
      await fleet.start();
      await Promise.all([fleet.startHost('host-a'), fleet.startHost('host-b')]);
    });
    afterAll(() => fleet.close());

    it('every channel’s cycle completes, settled once, and both hosts did work', async () => {
      fleet.startSimulators(10); // 20 channels' planners in this one process: a modest pace each
      const handles = await Promise.all(
        fleet.channels.map((channel) => startCycle(fleet.client, fleet.taskQueue, { channel, canary: SHORT_CANARY })),
      );
      // allSettled: every result is awaited before the client closes, whatever fails.
      const settled = await Promise.allSettled(handles.map((h) => h.result()));
      const failed = settled.flatMap((s, i) => (s.status === 'rejected' ? [`${fleet.channels[i]}: ${(s.reason as Error).message}`] : []));
      expect(failed).toEqual([]);
      const results = settled.map((s) => (s as PromiseFulfilledResult<CycleResult>).value);
      const pids = new Set<number | null>();
      for (const [i, channel] of fleet.channels.entries()) {
        expectSettledOnce(fleet, channel, handles[i]!.workflowId, results[i]!);
        pids.add(await fleet.lastWorkerPid(canaryWorkflowId(channel, handles[i]!.workflowId)));
      }
      expect([...pids].sort()).toEqual(fleet.hosts.map((h) => h.pid).sort());
    }, 600_000);
  });
});
