import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Harness } from '../support/harness';
import { startCycle } from '../../src/client';
import { storePath } from '../../src/config/load';
import { VVTV_TIMESTAMP } from '../../src/adapters/metrics-store';
import { expectOutcome } from '../support/outcome';

const VVTV_STYLE = readFileSync(join(__dirname, '../fixtures/cards/vvtv-style.yaml'), 'utf8');

/**
 * A cycle over a metrics database in VVTV's own format: rows as VVTV's monitor writes them
 * (rfc3339 `+00:00`, `selectionentropy`, the planner's and curator's contexts or `null`), the card
 * in VVTV's schema, VVTV's KPIs (selection entropy primary, the curator's budget a guardrail).
 * Temperature up raises entropy (good); temperature down lowers it (bad).
 */
function harness(mode: 'overlay' | 'switchback'): Harness {
  return new Harness({
    cardYaml: VVTV_STYLE,
    slotsPerSecond: 300,
    // An unmodified VVTV ignores the overlay: only the switchback canary can reach it.
    simulator: { honourOverlay: mode === 'overlay', engagement: false },
    patchConfig: (raw) => {
      // VVTV's two card KPIs, one named by its stored metric type; the curator's budget rises with
      // temperature, so the operator tolerates a 50 % rise of it.
      raw.kpis = [
        { name: 'entropy', metric_type: 'selectionentropy', goal: 'maximize', role: 'primary', weight: 1 },
        { name: 'curator_apply_budget_used_pct', goal: 'minimize', role: 'guardrail', weight: 0.5, tolerance: 0.5 },
      ];
      raw.optimizer.rules = [];
      // Two canaries in a row on one channel: the governor must not pause it after the rollback.
      raw.drift_monitoring.rollback_rate_min_deployments = 100;
      raw.canary.mode = mode;
      raw.canary.non_inferiority_margin = 0.05;
      // Blocks of 4 s with a 1 s wash-out: 8 blocks in a 32 s canary, 4 on the candidate.
      raw.canary.switchback = { block_minutes: 4 / 60, washout_minutes: 1 / 60, share: 0.5, min_blocks_per_arm: 3, min_rows_per_block: 50 };
    },
  });
}

const TIMING = { durationMs: 32_000, checkIntervalMs: 4_000, inconclusiveWindowMs: 0 };
// A cycle is a golden gate and a 32 s canary; a loaded CI machine needs its margin.
jest.setTimeout(240_000);

describe.each(['overlay', 'switchback'] as const)("a cycle on VVTV's metrics format, %s canary (10.x)", (mode) => {
  const h = harness(mode);
  beforeAll(async () => {
    await h.start();
    h.startSimulator();
  });
  afterAll(() => h.close());

  it('analyses the rows VVTV wrote, and promotes a change that raises selection entropy', async () => {
    const config = h.rt.live.get();
    const db = new Database(storePath(config, config.stores.metrics_db, h.channel), { readonly: true });
    const sample = db
      .prepare("SELECT timestamp, context FROM business_metrics WHERE metric_type = 'selectionentropy' LIMIT 50")
      .all() as Array<{
      timestamp: string;
      context: string;
    }>;
    db.close();
    expect(sample.length).toBe(50);
    expect(sample.every((r) => VVTV_TIMESTAMP.test(r.timestamp))).toBe(true);
    expect(Object.keys(JSON.parse(sample[0]!.context))).toEqual(['method', 'selected_count', 'temperature', 'top_k']);

    const r = await (
      await startCycle(h.client, h.taskQueue, {
        channel: h.channel,
        canary: TIMING,
        changes: [{ parameter: 'temperature', value: 0.6 }],
        reason: 'test',
      })
    ).result();
    expectOutcome(r, 'promoted');
    expect(h.cards.load().card.selection.temperature).toBe(0.6);
    const cycle = h.rt.deps.cycleLog.get(r.cycleId)!;
    const analysed = cycle.report.analysis!.kpis.find((k) => k.kpi === 'entropy')!;
    expect(analysed.n).toBeGreaterThan(1000);
    const entropy = r.verdict!.kpis.find((k) => k.kpi === 'entropy')!;
    // Improved, or at least non-inferior when a loaded machine switched blocks late.
    expect(['Improved', 'NonInferior']).toContain(entropy.classification);
    expect(entropy.relDiff).toBeGreaterThan(0);
    if (mode === 'switchback') {
      // Block-level data: n counts blocks, not rows, and the plan is in the audit log.
      expect(entropy.canary.n).toBeLessThanOrEqual(4);
      expect(entropy.control.n).toBeLessThanOrEqual(4);
      const plan = h.rt.deps.auditLog.list(h.channel, { cycleId: r.cycleId }).find((d) => d.kind === 'switchback_plan');
      expect(plan?.payload).toMatchObject({ arms: expect.arrayContaining(['canary', 'control']), blockMs: 4000, washoutMs: 1000 });
    } else {
      expect(entropy.canary.n).toBeGreaterThan(50); // rows, not blocks
      // Issue 12: the simulated planner pairs its arms, so every check judged the triggered slots,
      // regression-adjusted on both arms' predictions, after passing the sample-ratio and placebo checks.
      const vr = r.verdict!.varianceReduction!.entropy!;
      expect(vr.method).toBe('triggered_cuped');
      expect(vr.covariates).toEqual(expect.arrayContaining(['control_prediction', 'canary_prediction']));
      expect(['pooled', 'per_arm']).toContain(vr.slopes);
      expect(vr.paired).toMatchObject({ srmAll: { passed: true }, srmTriggered: { passed: true } });
      // A temperature step this large changes almost every slot's order: the placebo may have too few rows to test.
      expect(vr.paired!.triggeredShare).toBeGreaterThan(0.5);
      expect(vr.paired!.placebo === null || vr.paired!.placebo.passed).toBe(true);
      expect(vr.varianceReduction).toBeGreaterThan(0);
      const checks = h.rt.deps.canaryLog.get(cycle.canary_id!)!.checks;
      expect(checks.length).toBeGreaterThan(0);
      expect(checks.every((c) => c.varianceReduction?.curator_apply_budget_used_pct?.paired !== undefined)).toBe(true);
    }
  });

  it('rolls back a change that lowers selection entropy, and the live card is the parent again', async () => {
    const before = h.cards.load();
    const r = await (
      await startCycle(h.client, h.taskQueue, {
        channel: h.channel,
        canary: TIMING,
        changes: [{ parameter: 'temperature', value: 0.5 }],
        reason: 'test',
      })
    ).result();
    expectOutcome(r, 'rolled_back');
    const entropy = r.verdict!.kpis.find((k) => k.kpi === 'entropy')!;
    expect(entropy.relDiff).toBeLessThan(0);
    expect(entropy.classification).not.toBe('Improved');
    // Byte for byte: the switchback restored the parent's exact bytes.
    expect(h.cards.load().sha256).toBe(before.sha256);
    expect(readFileSync(h.cards.path, 'utf8')).toBe(before.yaml);
  });
});
