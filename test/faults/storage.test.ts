/**
 * Storage faults on the real dev server: the disk refuses the card's or the history's write
 * (ENOSPC, EACCES). Injected through fs-atomic's test seam (setWriteFaultForTests) in the
 * worker's own process: the test runs as root, where a read-only folder does not stop a write.
 */
import { readFileSync } from 'node:fs';
import { Harness } from '../support/harness';
import { startCycle } from '../../src/client';
import { setWriteFaultForTests } from '../../src/adapters/fs-atomic';
import { canaryWorkflowId } from '../../src/workflows/messages';
import { alertNames, errnoError, expectCardIs, expectNothingLost, proceedWhenRunning, snapshot, waitFor } from './support/faults';

const CANARY = { durationMs: 60_000, checkIntervalMs: 2_000, inconclusiveWindowMs: 0 };

describe('storage faults: the disk refuses a write (ENOSPC, EACCES)', () => {
  const h = new Harness({ slotsPerSecond: 100 });
  beforeAll(() => h.start());
  afterEach(() => setWriteFaultForTests(null));
  afterAll(() => h.close());

  it('ENOSPC on the card write at promotion: the cycle fails once, card unchanged, storage_failed alert, history intact', async () => {
    const before = readFileSync(h.cards.path);
    const kept = snapshot(h);
    setWriteFaultForTests((stage, path) => {
      if (stage === 'before-write' && path === h.cards.path) throw errnoError('ENOSPC', path);
    });
    const handle = await startCycle(h.client, h.taskQueue, {
      channel: h.channel,
      changes: [{ parameter: 'temperature', value: 0.6 }],
      canary: CANARY,
    });
    await proceedWhenRunning(h, canaryWorkflowId(h.channel, handle.workflowId));
    await expect(handle.result()).rejects.toThrow();

    const cycles = h.rt.deps.cycleLog.list(h.channel).filter((c) => c.cycle_id === handle.workflowId);
    expect(cycles).toHaveLength(1);
    expect(cycles[0]).toMatchObject({ status: 'failed', outcome: 'failed' });
    expect(cycles[0].error).toMatch(/ENOSPC/);
    expect(alertNames(h, handle.workflowId)).toContain('storage_failed');
    await waitFor(() => h.cards.readOverlay() === null, 30_000);
    expectCardIs(h, { bytes: before, versionId: h.rt.deps.history.latest(h.channel, { status: ['active'] })!.version_id });
    expectNothingLost(h, kept);
  });

  it('EACCES on the history write of the candidate: no canary, card unchanged, storage_failed alert, history intact', async () => {
    const before = readFileSync(h.cards.path);
    const kept = snapshot(h);
    setWriteFaultForTests((stage, path) => {
      if (stage === 'before-write' && path.startsWith(h.rt.deps.history.root)) throw errnoError('EACCES', path);
    });
    const handle = await startCycle(h.client, h.taskQueue, {
      channel: h.channel,
      changes: [{ parameter: 'temperature', value: 0.6 }],
      canary: CANARY,
    });
    await expect(handle.result()).rejects.toThrow();
    const cycle = h.rt.deps.cycleLog.get(handle.workflowId)!;
    expect(cycle).toMatchObject({ status: 'failed', outcome: 'failed', canary_id: null });
    expect(cycle.error).toMatch(/EACCES/);
    expect(alertNames(h, handle.workflowId).filter((n) => n === 'storage_failed')).toHaveLength(1);
    expect(h.cards.readOverlay()).toBeNull();
    expectCardIs(h, { bytes: before });
    setWriteFaultForTests(null);
    expectNothingLost(h, kept);
    expect(snapshot(h).versions).toEqual(kept.versions); // nothing half-stored either
  });
});
