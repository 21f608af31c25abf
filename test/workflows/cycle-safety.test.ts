import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { Harness } from '../support/harness';
import { startCycle, canaryStatus } from '../../src/client';
import { canaryWorkflowId } from '../../src/workflows/messages';

const BROKEN_CARD = readFileSync(`${__dirname}/../../config/business_logic.example.yaml`, 'utf8').replace(
  'temperature: 0.5 ',
  'temperature: "hot"',
);

async function waitFor<T>(fn: () => Promise<T | undefined | null | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('cycle safety on a real Temporal server', () => {
  describe('an invalid card', () => {
    const h = new Harness({ slotsPerSecond: 100 });
    beforeAll(() => h.start());
    afterAll(() => h.close());

    it('is refused with the field named; nothing is written and operators are alerted (10.1, 10.3)', async () => {
      expect(BROKEN_CARD).toContain('temperature: "hot"');
      writeFileSync(h.cards.path, BROKEN_CARD); // a bad manual edit
      const r = await (await startCycle(h.client, h.taskQueue, { channel: h.channel })).result();
      expect(r.outcome).toBe('invalid_card');
      expect(r.message).toContain('selection.temperature');
      expect(readFileSync(h.cards.path, 'utf8')).toBe(BROKEN_CARD);
      expect(h.cards.readOverlay()).toBeNull();
      expect(h.rt.deps.history.list(h.channel).total).toBe(0);
      const alerts = h.rt.deps.auditLog.list(h.channel, { cycleId: r.cycleId }).filter((d) => d.kind === 'alert');
      expect(alerts).toHaveLength(1);
      expect(alerts[0].payload).toMatchObject({ severity: 'critical', name: 'invalid_card' });
      expect(h.rt.deps.cycleLog.get(r.cycleId)).toMatchObject({ status: 'completed', outcome: 'invalid_card' });
    });

    it('an operator-requested value outside the hard limits is rejected by bounds and never deployed (2.4)', async () => {
      writeFileSync(h.cards.path, readFileSync(`${__dirname}/../../config/business_logic.example.yaml`));
      const before = readFileSync(h.cards.path);
      const r = await (
        await startCycle(h.client, h.taskQueue, { channel: h.channel, changes: [{ parameter: 'temperature', value: 2.5 }] })
      ).result();
      expect(r.outcome).toBe('rejected_by_bounds');
      expect(r.message).toMatch(/outside the hard limits \[0\.1, 2\]/);
      expect(r.message).toMatch(/limit is 0\.1/);
      expect(readFileSync(h.cards.path).equals(before)).toBe(true);
      expect(h.cards.readOverlay()).toBeNull();
    });

    it('an unknown parameter in a request is refused by name (bad input never crashes the worker)', async () => {
      const r = await (
        await startCycle(h.client, h.taskQueue, { channel: h.channel, changes: [{ parameter: 'volume', value: 11 }] })
      ).result();
      expect(r.outcome).toBe('invalid_input');
      expect(r.message).toContain('changes.volume: expected one of temperature, top_k, plan_selection_bias, epsilon');
    });
  });

  describe('a worker restart in the middle of a canary', () => {
    // An activity task lost with the stopped worker is retried after its start-to-close timeout:
    // 30 s here (10 min by default), so the cycle finishes well inside the test's time.
    const h = new Harness({ slotsPerSecond: 300, patchConfig: (raw) => (raw.autopilot.operation_timeout_minutes = 0.5) });
    beforeAll(() => h.start());
    afterAll(() => h.close());

    it('does not lose the cycle: it finishes once (durable timers)', async () => {
      h.startSimulator();
      const handle = await startCycle(h.client, h.taskQueue, {
        channel: h.channel,
        canary: { durationMs: 12_000, checkIntervalMs: 3_000, inconclusiveWindowMs: 0 },
      });
      const canaryId = canaryWorkflowId(h.channel, handle.workflowId);
      await waitFor(async () => (await canaryStatus(h.client, canaryId)).checksDone >= 1);
      await h.stopWorker();
      const overlayWhileDown = h.cards.readOverlay();
      expect(overlayWhileDown?.canary_id).toBe(canaryId); // the canary keeps running in the planner
      await new Promise((r) => setTimeout(r, 3_000));
      await h.startWorker();
      const r = await handle.result();

      expect(['promoted', 'rolled_back']).toContain(r.outcome);
      const cycles = h.rt.deps.cycleLog.list(h.channel);
      expect(cycles).toHaveLength(1);
      expect(cycles[0]).toMatchObject({ status: 'completed', outcome: r.outcome });
      const versions = h.rt.deps.history.list(h.channel).items.filter((v) => v.cycle_id === handle.workflowId);
      expect(versions).toHaveLength(1);
      const canary = h.rt.deps.canaryLog.get(canaryId)!;
      const idx = canary.checks.map((c) => c.checkIndex);
      expect(new Set(idx).size).toBe(idx.length);
      expect(canary.status).toBe(r.outcome === 'promoted' ? 'promoted' : 'rolled_back');
      expect(h.cards.readOverlay()).toBeNull();
      const desc = await h.client.workflow.getHandle(handle.workflowId).describe();
      expect(desc.status.name).toBe('COMPLETED');
    }, 240_000);
  });
});

/** The shipped golden set cut to its first pinned case and first invariant (a valid set, quick to run). */
function smallGoldenSet(): string {
  const set = YAML.parse(readFileSync(join(__dirname, '../../config/golden/default.yaml'), 'utf8'));
  set.cases = set.cases.slice(0, 1);
  set.invariants = set.invariants.slice(0, 1);
  const path = join(mkdtempSync(join(tmpdir(), 'vvtv-golden-')), 'small.yaml');
  writeFileSync(path, YAML.stringify(set));
  return path;
}

describe('an operation that exceeds the configured timeout (8.3)', () => {
  // The planner's reload hook hangs while a canary overlay exists: deploying the canary times out.
  const h = new Harness({
    patchConfig: (raw) => {
      raw.autopilot.operation_timeout_minutes = 0.08; // 4.8 s
      raw.stores.reload_command = 'ls "$(dirname "{card}")" | grep -q canary && sleep 10; true';
      // One pinned case and one invariant: the golden gate must fit the timeout on a loaded machine too.
      raw.golden = { ...raw.golden, path: smallGoldenSet() };
    },
  });
  beforeAll(() => h.start());
  afterAll(() => h.close());

  it('times out, alerts as critical, removes the overlay and leaves the card untouched', async () => {
    const before = readFileSync(h.cards.path);
    const handle = await startCycle(h.client, h.taskQueue, {
      channel: h.channel,
      changes: [{ parameter: 'temperature', value: 0.6 }],
      canary: { durationMs: 5_000, checkIntervalMs: 1_000 },
    });
    await expect(handle.result()).rejects.toThrow();
    const cycle = h.rt.deps.cycleLog.get(handle.workflowId)!;
    expect(cycle).toMatchObject({ status: 'failed', outcome: 'failed' });
    expect(cycle.error).toMatch(/operation timed out during canary/);
    const alerts = h.rt.deps.auditLog.list(h.channel, { cycleId: handle.workflowId }).filter((d) => d.kind === 'alert');
    expect(alerts.map((a) => (a.payload as { name: string }).name)).toContain('operation_timeout');
    await waitFor(async () => h.cards.readOverlay() === null, 10_000);
    expect(readFileSync(h.cards.path).equals(before)).toBe(true);
  });
});

describe('an Inconclusive canary (3.4, 3.5)', () => {
  const h = new Harness(); // the simulator is not started: no canary data arrives, the judge says insufficient_data
  beforeAll(() => h.start());
  afterAll(() => h.close());

  it('waits for an operator, who promotes it; the decision is recorded with who made it', async () => {
    const handle = await startCycle(h.client, h.taskQueue, {
      channel: h.channel,
      changes: [{ parameter: 'epsilon', value: 0.06 }],
      // One stage: this tests the operator window, not the stages.
      canary: { durationMs: 1_000, checkIntervalMs: 500, inconclusiveWindowMs: 60_000, maxStages: 1 },
    });
    const canaryId = canaryWorkflowId(h.channel, handle.workflowId);
    await waitFor(async () => (await canaryStatus(h.client, canaryId)).phase === 'awaiting_operator');
    await h.client.workflow.getHandle(canaryId).signal('canaryDecision', { decision: 'maybe', by: 'x', reason: 'bad payload' });
    expect((await canaryStatus(h.client, canaryId)).phase).toBe('awaiting_operator'); // ignored, not fatal
    const { decideCanary } = await import('../../src/client');
    await decideCanary(h.client, canaryId, { decision: 'proceed', by: 'alice', reason: 'looked at the dashboards' });
    const r = await handle.result();
    expect(r.outcome).toBe('promoted');
    expect(r.verdict?.rule).toBe('insufficient_data');
    expect(h.cards.load().card.exploration.epsilon).toBe(0.06);
    expect(h.rt.deps.canaryLog.get(canaryId)).toMatchObject({ status: 'promoted', decided_by: 'operator:alice' });
  });

  it('rolls back by itself when no operator decides within the window', async () => {
    const before = readFileSync(h.cards.path);
    const r = await (
      await startCycle(h.client, h.taskQueue, {
        channel: h.channel,
        changes: [{ parameter: 'epsilon', value: 0.05 }] /* within 0.02 of the value 24 h ago (0.04) */,
        canary: { durationMs: 1_000, checkIntervalMs: 500, inconclusiveWindowMs: 1_000, maxStages: 1 },
      })
    ).result();
    expect(r.outcome).toBe('rolled_back');
    expect(readFileSync(h.cards.path).equals(before)).toBe(true);
    expect(h.rt.deps.canaryLog.get(canaryWorkflowId(h.channel, r.cycleId))).toMatchObject({
      status: 'rolled_back',
      decided_by: 'inconclusive_timeout',
    });
  });
});

describe('history housekeeping after each cycle (5.4)', () => {
  const h = new Harness({ backfillHours: 0 });
  beforeAll(() => h.start());
  afterAll(() => h.close());

  it('archives versions past the retention period and alerts when the integrity check finds a corrupted file', async () => {
    const yaml = readFileSync(h.cards.path, 'utf8');
    const old = h.rt.deps.history.storeVersion(h.channel, yaml.replace('top_k: 8', 'top_k: 9'), {
      parent: null,
      source: 'manual',
      changes: [],
      rationale: 'an old card',
      created_at: new Date(Date.now() - 100 * 86_400_000).toISOString(),
      deployment: { status: 'superseded', updated_at: new Date().toISOString() },
    });
    const first = await (
      await startCycle(h.client, h.taskQueue, { channel: h.channel, changes: [{ parameter: 'volume', value: 1 }] })
    ).result();
    const report = h.rt.deps.cycleLog.get(first.cycleId)!.report as { history: { archived: number; integrityOk: boolean } };
    expect(report.history).toMatchObject({ archived: 1, integrityOk: true });
    expect(h.rt.deps.history.getVersion(h.channel, old.version_id)).toBeNull(); // moved into the archive, not lost

    const live = h.rt.deps.history.latest(h.channel)!;
    writeFileSync(join(h.rt.deps.history.root, live.card_file), 'tampered: true\n');
    // The next cycle cannot trust the history it measures the daily delta from: it stops at once.
    const second = await startCycle(h.client, h.taskQueue, { channel: h.channel, changes: [{ parameter: 'volume', value: 1 }] });
    await expect(second.result()).rejects.toThrow();
    expect(h.rt.deps.cycleLog.get(second.workflowId)).toMatchObject({ status: 'failed', outcome: 'failed' });
    const alerts = h.rt.deps.auditLog.list(h.channel, { cycleId: second.workflowId }).filter((d) => d.kind === 'alert');
    expect(alerts.map((a) => (a.payload as { name: string }).name)).toContain('history_integrity');
    expect(readFileSync(h.cards.path, 'utf8')).toBe(yaml); // nothing deployed
  });
});
