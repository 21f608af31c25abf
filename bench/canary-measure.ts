/**
 * Canary measurement benchmark (3.2): one measureCanary over a SQLite file, rows loaded into
 * Node and summarized there (`rows`) against moments aggregated in SQL (`sql`, what the
 * activity does). Prints one JSON object. Not part of `npm test`.
 *
 *   npx tsx bench/canary-measure.ts [--rows=200000] [--repeats=2] [--seed=1]
 *
 * `--rows` rows of the four simulator KPIs over one hour, 20 % of them in the canary, in VVTV's
 * row format (rfc3339 `+00:00` timestamps, `selectionentropy`-style metric types) with the
 * overlay contract's context tags (group, canary_id). Each repeat times
 * both paths on the same file; `maxRelDiff` is the largest relative difference of any mean or
 * sd between them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mean, sampleVariance } from 'simple-statistics';
import { rfc3339, SqliteMetricsStore, VvtvMetricsWriter, type VvtvMetricRow } from '../src/adapters/metrics-store';
import { vvtvMetricType } from '../src/domain/metric-names';
import { summaryFromMoments } from '../src/domain/statistics';
import type { GroupSummary } from '../src/domain/types';
import { benchOptions } from './options';

const { num } = benchOptions('CANARY_MEASURE');
const START = Date.parse('2025-06-01T10:00:00.000Z');
/** Mean and sd of each KPI, about as the simulator writes them. */
const KPIS: Record<string, [number, number]> = {
  engagement_proxy: [0.42, 0.06],
  selection_entropy: [2.4, 0.3],
  curator_apply_budget_used_pct: [0.35, 0.12],
  novelty_temporal_kld: [0.08, 0.04],
};
type Groups = Record<string, { control: GroupSummary; canary: GroupSummary }>;

/** mulberry32 */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function fill(store: VvtvMetricsWriter, total: number, seed: number): void {
  const random = rng(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const names = Object.keys(KPIS);
  const slots = Math.ceil(total / names.length);
  let batch: VvtvMetricRow[] = [];
  for (let slot = 0; slot < slots; slot++) {
    const canary = random() < 0.2;
    const timestamp = rfc3339(START + Math.floor((slot * 3_600_000) / slots), (slot * 7919) % 1_000_000);
    const context = { canary_id: 'k1', group: canary ? 'canary' : 'control', selected_count: 12, temperature: 0.8, top_k: 12 };
    for (const name of names) {
      const [m, sd] = KPIS[name]!;
      batch.push({ timestamp, metric_type: vvtvMetricType(name), value: m * (canary ? 1.01 : 1) + sd * gauss(), context });
    }
    if (batch.length >= 10_000) {
      store.insert(batch);
      batch = [];
    }
  }
  store.insert(batch);
}

const summaryOf = (xs: number[]): GroupSummary => {
  const v = xs.filter(Number.isFinite);
  return v.length < 2 ? { n: v.length, mean: v[0] ?? 0, sd: 0 } : { n: v.length, mean: mean(v), sd: Math.sqrt(sampleVariance(v)) };
};

function byRows(store: SqliteMetricsStore, to: string): Groups {
  const out: Groups = {};
  for (const name of Object.keys(KPIS)) {
    const q = { channel: 'main', metricType: vvtvMetricType(name), from: new Date(START).toISOString(), to };
    out[name] = {
      control: summaryOf(store.window({ ...q, group: 'control' }).map((p) => p.value)),
      canary: summaryOf(store.window({ ...q, group: 'canary', canaryId: 'k1' }).map((p) => p.value)),
    };
  }
  return out;
}

function bySql(store: SqliteMetricsStore, to: string): Groups {
  const out: Groups = {};
  for (const name of Object.keys(KPIS)) {
    const m = store.canaryMoments({
      channel: 'main',
      metricType: vvtvMetricType(name),
      from: new Date(START).toISOString(),
      to,
      canaryId: 'k1',
    });
    out[name] = { control: summaryFromMoments(m.control), canary: summaryFromMoments(m.canary) };
  }
  return out;
}

function timed<T>(fn: () => T): { ms: number; value: T } {
  const t0 = process.hrtime.bigint();
  const value = fn();
  return { ms: Math.round(Number(process.hrtime.bigint() - t0) / 1e4) / 100, value };
}

function maxRelDiff(a: Groups, b: Groups): number {
  let worst = 0;
  for (const [name, g] of Object.entries(a)) {
    for (const side of ['control', 'canary'] as const) {
      const x = g[side];
      const y = b[name]![side];
      if (x.n !== y.n) return Infinity;
      worst = Math.max(worst, Math.abs(x.mean - y.mean) / Math.abs(y.mean), Math.abs(x.sd - y.sd) / y.sd);
    }
  }
  return worst;
}

function main(): void {
  const rows = num('rows', 200_000);
  const repeats = num('repeats', 2);
  const seed = num('seed', 1);
  const dir = mkdtempSync(join(tmpdir(), 'vvtv-canary-measure-'));
  const path = join(dir, 'metrics.sqlite');
  const writer = new VvtvMetricsWriter(path);
  const fillMs = timed(() => fill(writer, rows, seed)).ms;
  writer.close();
  const store = SqliteMetricsStore.file(path);
  const to = new Date(START + 3_600_001).toISOString();
  const runs: Array<{ rowsMs: number; sqlMs: number; speedup: number; maxRelDiff: number }> = [];
  for (let i = 0; i < repeats; i++) {
    const old = timed(() => byRows(store, to));
    const now = timed(() => bySql(store, to));
    const speedup = Math.round((old.ms / now.ms) * 100) / 100;
    runs.push({ rowsMs: old.ms, sqlMs: now.ms, speedup, maxRelDiff: maxRelDiff(now.value, old.value) });
  }
  const stored = store.count('main');
  store.close();
  rmSync(dir, { recursive: true, force: true });
  console.log(JSON.stringify({ rows: stored, kpis: Object.keys(KPIS).length, canaryShare: 0.2, fillMs, runs }, null, 2));
}

main();
