/**
 * Bad metrics on the real dev server: an empty window, a sparse one, and one with non-finite
 * values. The analysis refuses with a reason that names the KPI and the flag; the cycle ends
 * `skipped_bad_data` once, with a `bad_metrics_data` alert; the card and history are untouched.
 * NaN: the metrics table's `value REAL NOT NULL` cannot hold a NaN (SQLite stores it as NULL), so
 * the non-finite case is ±Infinity, which it can hold.
 */
import { readFileSync } from 'node:fs';
import { Harness } from '../support/harness';
import { writeMetricRows } from '../support/metrics';
import { startCycle } from '../../src/client';
import { rfc3339, type VvtvMetricRow } from '../../src/adapters/metrics-store';
import { vvtvMetricType } from '../../src/domain/metric-names';
import { alertNames, expectCardIs, expectNothingLost, snapshot } from './support/faults';

const KPIS = ['engagement_proxy', 'selection_entropy', 'curator_apply_budget_used_pct'];

/** Rows every `everyMin` minutes over the last `hours` hours, for each KPI; `value(i)` per row. */
function rows(hours: number, everyMin: number, value: (i: number) => number): VvtvMetricRow[] {
  const out: VvtvMetricRow[] = [];
  const now = Date.now();
  let i = 0;
  for (let t = now - hours * 3_600_000 + 60_000; t < now; t += everyMin * 60_000, i++) {
    for (const k of KPIS) out.push({ timestamp: rfc3339(t), metric_type: vvtvMetricType(k), value: value(i), context: null });
  }
  return out;
}

describe('NaN, empty and sparse metrics: the analysis refuses with a reason, nothing crashes', () => {
  const h = new Harness({ backfillHours: 0 });
  beforeAll(() => h.start());
  afterAll(() => h.close());

  async function cycleOnTheWindow(): Promise<{ message: string; flags: string[] }> {
    const before = readFileSync(h.cards.path);
    const kept = snapshot(h);
    const r = await (await startCycle(h.client, h.taskQueue, { channel: h.channel })).result();
    expect(r.outcome).toBe('skipped_bad_data');
    expect(h.rt.deps.cycleLog.list(h.channel).filter((c) => c.cycle_id === r.cycleId)).toHaveLength(1);
    expect(alertNames(h, r.cycleId)).toEqual(['bad_metrics_data']);
    expectCardIs(h, { bytes: before });
    expectNothingLost(h, kept);
    const report = h.rt.deps.cycleLog.get(r.cycleId)!.report as { analysis: { kpis: Array<{ kpi: string; flags: string[] }> } };
    return { message: r.message ?? '', flags: report.analysis.kpis.flatMap((k) => k.flags.map((f) => `${k.kpi}:${f}`)) };
  }

  it('an empty window: no_data for every KPI', async () => {
    const { message, flags } = await cycleOnTheWindow();
    for (const k of KPIS) expect(flags).toContain(`${k}:no_data`);
    expect(message).toMatch(/engagement_proxy/);
  });

  it('a sparse window (a few rows in two hours of 24): too_few_samples', async () => {
    writeMetricRows(
      h.metricsWriter,
      rows(2, 30, (i) => 0.5 + i * 0.01),
    );
    const { flags } = await cycleOnTheWindow();
    expect(flags).toContain('engagement_proxy:too_few_samples');
  });

  it('non-finite values (±Infinity) among a full day of rows: refused as non_finite_values', async () => {
    writeMetricRows(
      h.metricsWriter,
      rows(24, 5, (i) => (i % 10 === 3 ? Infinity : i % 10 === 7 ? -Infinity : 0.5 + (i % 5) * 0.01)),
    );
    const { flags } = await cycleOnTheWindow();
    expect(flags).toContain('engagement_proxy:non_finite_values');
  });
});
