/**
 * The 24 h window analysis (analyzeMetrics, what a cycle runs first) over a metrics store holding
 * `--rows` rows of the window, against a bare SQL scan of the same rows in the same run (issue 11).
 * Prints one JSON object. Not part of `npm test`.
 *
 *   npx tsx bench/analysis.ts [--rows=1000000] [--runs=3]
 *
 * Keys: rows, analysisMs (median of the runs), bareScanMs (median: one pass reading every row's
 * type, timestamp and value), ratio = analysisMs / bareScanMs. Targets: analysisMs ≤ 2000, ratio ≤ 2.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { quantile } from 'simple-statistics';
import pino from 'pino';
import { benchOptions } from './options';
import { rfc3339, SqliteMetricsStore, VvtvMetricsWriter, type VvtvMetricRow } from '../src/adapters/metrics-store';
import { vvtvMetricType } from '../src/domain/metric-names';
import { createAnalysisActivities } from '../src/activities/analysis';
import type { Deps } from '../src/activities';
import type { KpiDef } from '../src/domain/types';

// ---- The rows, in the store's row format: the one place to change when that format changes. ----
const CHANNEL = 'main';
const KPIS: KpiDef[] = [
  { name: 'engagement_proxy', goal: 'maximize', role: 'primary', weight: 1 },
  { name: 'selection_entropy', goal: 'maximize', role: 'guardrail', weight: 1 },
  { name: 'curator_apply_budget_used_pct', goal: 'minimize', role: 'guardrail', weight: 1 },
  { name: 'novelty_temporal_kld', goal: 'maximize', role: 'guardrail', weight: 1 },
];
/** `count` rows in VVTV's format spread evenly over [from, to), the KPIs in turn, written in batches. */
function writeWindowRows(store: VvtvMetricsWriter, from: Date, to: Date, count: number): void {
  const step = (to.getTime() - from.getTime()) / count;
  const batch: VvtvMetricRow[] = [];
  for (let i = 0; i < count; i++) {
    const kpi = KPIS[i % KPIS.length]!;
    batch.push({
      timestamp: rfc3339(from.getTime() + i * step, (i * 7919) % 1_000_000),
      metric_type: vvtvMetricType(kpi.name),
      value: 0.5 + 0.1 * Math.sin(i / 97) + ((i * 7919) % 1000) / 10_000,
      context: { method: 'GumbelTopK', selected_count: 12, temperature: 0.85, top_k: 12 },
    });
    if (batch.length === 10_000) store.insert(batch.splice(0));
  }
  if (batch.length) store.insert(batch);
}
// ---------------------------------------------------------------------------------------------

const HOUR_MS = 3_600_000;

function median(xs: number[]): number {
  return quantile(xs, 0.5);
}

async function main(): Promise<void> {
  const opt = benchOptions('VVTV_BENCH_ANALYSIS');
  const rows = opt.num('rows', 1_000_000);
  const runs = opt.num('runs', 3);
  const dir = mkdtempSync(join(tmpdir(), 'vvtv-analysis-bench-'));
  const dbPath = join(dir, 'metrics.sqlite');
  const writer = new VvtvMetricsWriter(dbPath);
  const now = new Date();
  const from = new Date(now.getTime() - 24 * HOUR_MS);
  const t0 = Date.now();
  writeWindowRows(writer, from, new Date(now.getTime() - 1000), rows);
  writer.close();
  const writeMs = Date.now() - t0;
  const store = SqliteMetricsStore.file(dbPath);

  // The activity exactly as the worker runs it; only the store and the clock matter to it.
  const acts = createAnalysisActivities({ metrics: store, logger: pino({ level: 'silent' }), now: () => now } as unknown as Deps);
  const bare = new Database(dbPath, { readonly: true });
  const scan = bare.prepare('SELECT metric_type, timestamp, value FROM business_metrics WHERE timestamp >= ? AND timestamp < ?');

  const analysisMs: number[] = [];
  const bareScanMs: number[] = [];
  let seen = 0;
  let analysed = 0;
  for (let r = 0; r < runs; r++) {
    let t = process.hrtime.bigint();
    const a = await acts.analyzeMetrics({ channel: CHANNEL, windowHours: 24, minSamples: 30, kpis: KPIS, previousDays: 7 });
    analysisMs.push(Number(process.hrtime.bigint() - t) / 1e6);
    analysed = a.kpis.reduce((s, k) => s + k.n, 0);

    t = process.hrtime.bigint();
    let n = 0;
    let sum = 0;
    for (const row of scan.iterate(rfc3339(from.getTime()), rfc3339(now.getTime())) as Iterable<{ value: number }>) {
      n++;
      sum += row.value;
    }
    bareScanMs.push(Number(process.hrtime.bigint() - t) / 1e6);
    seen = n;
    if (!Number.isFinite(sum)) throw new Error('bare scan: non-finite sum');
  }
  bare.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
  if (seen !== rows) throw new Error(`bare scan saw ${seen} rows, expected ${rows}`);
  if (analysed !== rows) throw new Error(`the analysis counted ${analysed} rows, expected ${rows}`);
  const a = median(analysisMs);
  const b = median(bareScanMs);
  const result = { rows, analysisMs: Math.round(a), bareScanMs: Math.round(b), ratio: Number((a / b).toFixed(2)), runs, writeMs };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
