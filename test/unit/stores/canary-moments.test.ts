import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createCanaryActivities } from '../../../src/activities/canary';
import type { Deps } from '../../../src/activities/deps';
import { rfc3339, SqliteMetricsStore, VvtvMetricsWriter, type VvtvMetricRow } from '../../../src/adapters/metrics-store';
import { vvtvMetricType } from '../../../src/domain/metric-names';
import { parseConfig } from '../../../src/config';
import { judgeCanary } from '../../../src/domain/canary';
import type { Group, GroupSummary } from '../../../src/domain/types';
import { Simulator } from '../../../src/simulator';
import { card } from '../simulator/fixtures';
import { summarize } from '../statistics/reference';

const ROOT = join(__dirname, '..', '..', '..');
const config = parseConfig(readFileSync(join(ROOT, 'config', 'autopilot.yaml'), 'utf8'), 'config/autopilot.yaml');
const START = Date.parse('2025-06-01T10:00:00.000Z');
const iso = (ms: number) => new Date(START + ms).toISOString();
const stamp = (ms: number) => rfc3339(START + ms);

/** A VVTV metrics database in a temp folder: the planner's writer and the autopilot's read-only store. */
function database(channelKey: string | null = null): { writer: VvtvMetricsWriter; metrics: SqliteMetricsStore } {
  const path = join(mkdtempSync(join(tmpdir(), 'vvtv-moments-')), 'metrics.sqlite');
  const writer = new VvtvMetricsWriter(path);
  return { writer, metrics: SqliteMetricsStore.file(path, channelKey) };
}

/** The canary activities over a metrics store, measured at `nowMs` after START. */
function activities(metrics: SqliteMetricsStore, nowMs: number) {
  const warnings: unknown[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line)) });
  const deps = { config: () => config, metrics, logger, now: () => new Date(START + nowMs) } as unknown as Deps;
  return { acts: createCanaryActivities(deps), warnings };
}

/** The summaries as measureCanary computed them before aggregating in SQL: every row loaded, then summarized. */
function rowByRow(metrics: SqliteMetricsStore, kpi: string, canaryId: string, nowMs: number): Record<Group, GroupSummary> {
  const q = { channel: 'main', metricType: vvtvMetricType(kpi), from: iso(0), to: iso(nowMs + 1) };
  return {
    control: summarize(metrics.window({ ...q, group: 'control' }).map((p) => p.value)),
    canary: summarize(metrics.window({ ...q, group: 'canary', canaryId }).map((p) => p.value)),
  };
}

function expectClose(actual: GroupSummary, expected: GroupSummary, rel: number): void {
  expect(actual.n).toBe(expected.n);
  expect(Math.abs(actual.mean - expected.mean)).toBeLessThanOrEqual(rel * Math.max(1e-300, Math.abs(expected.mean)));
  expect(Math.abs(actual.sd - expected.sd)).toBeLessThanOrEqual(rel * Math.max(1e-300, expected.sd));
}

describe('measureCanary aggregates in SQL (3.2)', () => {
  it('matches the row-by-row summaries and verdict on an hour of simulated traffic in a SQLite file', async () => {
    // Two channels in one database, told apart by a context key.
    const { writer, metrics } = database('channel');
    const overlay = { canary_id: 'k1', traffic_percentage: 0.2, card: card({ temperature: 0.7 }), card_sha: 'candidate' };
    const common = { channelKey: 'channel', sink: writer };
    const sim = new Simulator({ channel: 'main', seed: 7, source: () => ({ card: card(), cardSha: 'live', overlay }), ...common });
    const liveOnly = () => ({ card: card(), cardSha: 'live', overlay: null });
    const noise = new Simulator({ channel: 'other', seed: 8, source: () => ({ card: card(), cardSha: 'live', overlay }), ...common });
    const before = new Simulator({ channel: 'main', seed: 9, source: liveOnly, ...common });
    before.runSlots(200, new Date(START - 60_000)); // outside the window
    for (let minute = 0; minute < 60; minute++) {
      sim.runSlots(60, new Date(START + minute * 60_000));
      if (minute % 10 === 0) noise.runSlots(20, new Date(START + minute * 60_000));
    }
    // A stale canary's rows and infinite values: neither may reach the summaries.
    const canaryOf = (id: string) => ({ canary_id: id, channel: 'main', group: 'canary' as const });
    const extra: VvtvMetricRow[] = [
      { timestamp: stamp(5_000), metric_type: 'engagementproxy', value: 99, context: canaryOf('k0') },
      { timestamp: stamp(6_000), metric_type: 'engagementproxy', value: Infinity, context: canaryOf('k1') },
      {
        timestamp: stamp(7_000),
        metric_type: 'selectionentropy',
        value: -Infinity,
        context: { canary_id: 'k1', channel: 'main', group: 'control' },
      },
    ];
    writer.insert(extra);
    const nowMs = 60 * 60_000;
    const { acts, warnings } = activities(metrics, nowMs);
    const { raw: groups } = await acts.measureCanary({ channel: 'main', canaryId: 'k1', since: iso(0), kpis: config.kpis! });

    for (const k of config.kpis!) {
      const expected = rowByRow(metrics, k.name, 'k1', nowMs);
      expect(expected.canary.n).toBeGreaterThan(500);
      expectClose(groups[k.name]!.control, expected.control, 1e-12);
      expectClose(groups[k.name]!.canary, expected.canary, 1e-12);
    }
    const judge = (g: typeof groups) =>
      judgeCanary({
        kpis: config.kpis!,
        groups: g,
        confidenceLevel: 0.95,
        nonInferiorityMargin: 0.02,
        minSamplesPerGroup: 30,
        isFinalCheck: true,
      });
    const byRow = Object.fromEntries(config.kpis!.map((k) => [k.name, rowByRow(metrics, k.name, 'k1', nowMs)]));
    const a = judge(groups);
    const b = judge(byRow);
    expect(a.decision).toBe(b.decision);
    expect(a.kpis.map((e) => e.classification)).toEqual(b.kpis.map((e) => e.classification));
    a.kpis.forEach((e, i) => expect(e.pValue).toBeCloseTo(b.kpis[i]!.pValue, 10));
    expect(warnings).toEqual([
      expect.objectContaining({ kpi: 'engagement_proxy', nonFinite: { control: 0, canary: 1 } }),
      expect.objectContaining({ kpi: 'selection_entropy', nonFinite: { control: 1, canary: 0 } }),
    ]);
    metrics.close();
    writer.close();
  });

  it('keeps the variance when the mean dwarfs the spread (no one-pass cancellation)', () => {
    const { writer, metrics } = database();
    const values = Array.from({ length: 2000 }, (_, i) => 1e9 + ((i * 7919) % 1000) / 1000);
    const contextOf = (i: number) => ({ canary_id: 'k1', group: i % 2 ? 'control' : 'canary' });
    writer.insert(values.map((value, i) => ({ timestamp: stamp(i), metric_type: 'k', value, context: contextOf(i) })));
    const m = metrics.canaryMoments({ channel: 'main', metricType: 'k', from: iso(0), to: iso(10_000), canaryId: 'k1' });
    const expected = summarize(values.filter((_, i) => i % 2 === 1));
    expect(m.control.n).toBe(1000);
    expect(m.control.mean).toBeCloseTo(expected.mean, 6);
    expect(Math.sqrt(m.control.m2 / 999)).toBeCloseTo(expected.sd, 9);
    metrics.close();
  });

  it('gives empty groups, and groups of infinite values only, n = 0 with no NaN', () => {
    const { writer, metrics } = database();
    writer.insert([
      { timestamp: stamp(0), metric_type: 'k', value: Infinity, context: { canary_id: 'k1', group: 'canary' } },
      { timestamp: stamp(1), metric_type: 'k', value: -Infinity, context: { canary_id: 'k1', group: 'canary' } },
      { timestamp: stamp(2), metric_type: 'k', value: 4, context: { canary_id: 'k1', group: 'control' } },
    ]);
    const m = metrics.canaryMoments({ channel: 'main', metricType: 'k', from: iso(0), to: iso(10), canaryId: 'k1' });
    expect(m).toEqual({ control: { n: 1, mean: 4, m2: 0, nonFinite: 0 }, canary: { n: 0, mean: 0, m2: 0, nonFinite: 2 } });
    expect(metrics.canaryMoments({ channel: 'main', metricType: 'none', from: iso(0), to: iso(10), canaryId: 'k1' })).toEqual({
      control: { n: 0, mean: 0, m2: 0, nonFinite: 0 },
      canary: { n: 0, mean: 0, m2: 0, nonFinite: 0 },
    });
    metrics.close();
  });
});
