import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Harness } from '../support/harness';
import { startCycle } from '../../src/client';
import { JsonlSlotLog } from '../../src/adapters/slot-log';
import type { SlotRecord } from '../../src/domain/replay';
import { experimentsFromCycles } from '../../src/domain/optimizer';

const FAST = { durationMs: 12_000, checkIntervalMs: 3_000, inconclusiveWindowMs: 0 };

describe('a cycle with a slot log (offline replay, issue 12) on a real Temporal server', () => {
  const logDir = mkdtempSync(join(tmpdir(), 'vvtv-slot-log-'));
  // The planner's slot log, per channel as stores.slot_log names it (the harness picks the channel).
  const slotLog = { write: (records: SlotRecord[]) => new JsonlSlotLog(join(logDir, `slots-${records[0]!.channel}.jsonl`)).write(records) };
  const h = new Harness({
    slotsPerSecond: 400,
    patchConfig: (raw) => {
      raw.optimizer.min_proceed_probability = 0.8;
      raw.stores.slot_log = join(logDir, 'slots-{channel}.jsonl');
      raw.optimizer.replay = { max_slots: 120, joint_moves: false };
    },
    simulator: { slotLog, slotLogShare: 0.05 },
  });
  beforeAll(() => h.start());
  afterAll(async () => {
    await h.close();
    rmSync(logDir, { recursive: true, force: true });
  });

  it('replays moves before proposing and stores the offline prediction next to the measured effect', async () => {
    h.startSimulator();
    const r = await (await startCycle(h.client, h.taskQueue, { channel: h.channel, canary: FAST })).result();
    const cycle = h.rt.deps.cycleLog.get(r.cycleId)!;
    const report = cycle.report as { optimizer?: { offline?: { slots: number; mismatched: number; moves: number } } };
    expect(report.optimizer?.offline).toMatchObject({ mismatched: 0, moves: 10 });
    expect(report.optimizer!.offline!.slots).toBeGreaterThan(50);
    expect(r.changes).toHaveLength(1);
    const offline = r.changes[0]!.offlineImpact!;
    expect(offline.selection_entropy!.relSe).toBeGreaterThan(0);
    expect(offline.engagement_proxy).toBeDefined();
    const record = h.rt.deps.auditLog.list(h.channel, { cycleId: r.cycleId }).find((d) => d.kind === 'prediction_error')!;
    const payload = record.payload as { offline: Record<string, { offline: number; offlineSe: number; measured: number | null }> };
    expect(payload.offline.engagement_proxy).toMatchObject({ offline: offline.engagement_proxy!.relDiff, measured: expect.any(Number) });
    // The canary's judge reduced its variance, and the experiment the next cycles learn from keeps
    // how much (what the optimizer's canary forecast uses once two canaries measured it).
    const [experiment] = experimentsFromCycles(
      h.rt.deps.cycleLog.list(h.channel, 5).map((c) => ({ cycle: c, canary: c.canary_id ? h.rt.deps.canaryLog.get(c.canary_id) : null })),
    );
    const verdict = h.rt.deps.canaryLog.get(cycle.canary_id!)!.verdict!;
    expect(experiment!.varianceReduction!.engagement_proxy).toBe(verdict.varianceReduction!.engagement_proxy!.varianceReduction);
    expect(experiment!.varianceReduction!.engagement_proxy).toBeGreaterThan(0.3);
  });
});
