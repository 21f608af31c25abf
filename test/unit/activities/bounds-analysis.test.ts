import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createAnalysisActivities } from '../../../src/activities/analysis';
import { createBoundsActivities } from '../../../src/activities/bounds';
import type { Deps } from '../../../src/activities/deps';
import { rfc3339, SqliteMetricsStore, VvtvMetricsWriter } from '../../../src/adapters/metrics-store';
import { SqliteStateStore } from '../../../src/adapters/state-store';
import { parseConfig } from '../../../src/config';

const ROOT = join(__dirname, '..', '..', '..');
const config = parseConfig(readFileSync(join(ROOT, 'config', 'autopilot.yaml'), 'utf8'), 'config/autopilot.yaml');
const T0 = Date.parse('2025-03-01T03:00:00.000Z');
const day = (n: number): string => new Date(T0 + n * 86_400_000).toISOString();

function setup(nowMs = T0) {
  const state = new SqliteStateStore(':memory:');
  const path = join(mkdtempSync(join(tmpdir(), 'vvtv-analysis-')), 'metrics.sqlite');
  const writer = new VvtvMetricsWriter(path);
  const metrics = SqliteMetricsStore.file(path);
  const deps = {
    config: () => config,
    metrics,
    ...state,
    logger: pino({ level: 'silent' }),
    now: () => new Date(nowMs),
    cards: () => {
      throw new Error('not used');
    },
    history: {} as never,
    alerts: {} as never,
  } as unknown as Deps;
  return { state, metrics, writer, acts: { ...createAnalysisActivities(deps), ...createBoundsActivities(deps) } };
}

const tempChange = { parameter: 'temperature', oldValue: 0.5, newValue: 0.6 };

describe('updateBoundsAfterCycle (2.1-2.3)', () => {
  it('counts rollbacks per parameter, contracts at the third, persists the bounds and records why', async () => {
    const { acts, state } = setup();
    for (const n of [1, 2]) {
      const r = await acts.updateBoundsAfterCycle({ channel: 'main', outcome: 'rolled_back', changes: [tempChange], at: day(n) });
      expect(r.adjustments).toEqual([]);
      expect(state.boundsStore.get('main').find((b) => b.parameter === 'temperature')!.rollbackCount).toBe(n);
    }
    const r = await acts.updateBoundsAfterCycle({ channel: 'main', outcome: 'rolled_back', changes: [tempChange], at: day(3) });
    expect(r.adjustments).toEqual([
      expect.objectContaining({ channel: 'main', parameter: 'temperature', kind: 'contract', old_min: 0.3, old_max: 1.5 }),
    ]);
    const t = state.boundsStore.get('main').find((b) => b.parameter === 'temperature')!;
    expect(t.max - t.min).toBeCloseTo(0.9, 9);
    expect(t.min).toBeLessThanOrEqual(0.5);
    expect(t.rollbackCount).toBe(0);
    expect(state.boundsStore.adjustments('main')[0]).toMatchObject({ kind: 'contract', rationale: expect.stringMatching(/3 rollbacks/) });
    // other parameters were not touched
    expect(state.boundsStore.get('main').find((b) => b.parameter === 'top_k')!.rollbackCount).toBe(0);
  });

  it('a retried call with the same time does not count the rollback twice', async () => {
    const { acts, state } = setup();
    await acts.updateBoundsAfterCycle({ channel: 'main', outcome: 'rolled_back', changes: [tempChange], at: day(1) });
    await acts.updateBoundsAfterCycle({ channel: 'main', outcome: 'rolled_back', changes: [tempChange], at: day(1) });
    expect(state.boundsStore.get('main').find((b) => b.parameter === 'temperature')!.rollbackCount).toBe(1);
  });

  it('widens every range left alone for 7 days by at most 5 %, never past the hard limits (2.2, 2.4)', async () => {
    const { acts } = setup();
    await acts.updateBoundsAfterCycle({ channel: 'main', outcome: 'no_change', changes: [], at: day(0) });
    const r = await acts.updateBoundsAfterCycle({ channel: 'main', outcome: 'promoted', changes: [tempChange], at: day(7) });
    // plan_selection_bias and epsilon start at their hard limits: nothing to widen
    expect(r.adjustments.map((a) => a.parameter).sort()).toEqual(['temperature', 'top_k']);
    for (const a of r.adjustments) {
      const p = config.parameters.find((x) => x.name === a.parameter)!;
      expect(a.kind).toBe('expand');
      expect(a.new_max - a.new_min).toBeLessThanOrEqual((a.old_max! - a.old_min!) * 1.05 + 1e-9);
      expect(a.new_min).toBeGreaterThanOrEqual(p.hard_min);
      expect(a.new_max).toBeLessThanOrEqual(p.hard_max);
    }
  });

  it('refuses malformed input with a ValidationError naming the field', async () => {
    const { acts } = setup();
    await expect(
      acts.updateBoundsAfterCycle({ channel: 'main', outcome: 'rolled_back', changes: [], at: 'yesterday' }),
    ).rejects.toMatchObject({
      type: 'ValidationError',
      message: expect.stringMatching(/at: expected an ISO time/),
    });
  });
});

describe('loadExperiments', () => {
  it('turns stored cycles with a measured canary into experiments, oldest first', async () => {
    const { acts, state } = setup();
    const kpi = (relDiff: number) => ({
      kpi: 'engagement_proxy',
      goal: 'maximize',
      role: 'primary',
      control: { n: 14400, mean: 0.36, sd: 0.19 },
      canary: { n: 3600, mean: 0.36 * (1 + relDiff), sd: 0.19 },
      diff: 0.36 * relDiff,
      relDiff,
      relCI: [relDiff - 0.02, relDiff + 0.02],
      t: 1,
      df: 100,
      pValue: 0.1,
      adjustedP: 0.2,
      classification: 'Improved',
    });
    // The cycle record names its canary; the canary log owns the verdict.
    const cycle = (id: string, startedAt: string, outcome: 'promoted' | 'rolled_back', relDiff: number) => {
      state.canaryLog.open({ canary_id: `k-${id}`, channel: 'main', cycle_id: id, started_at: startedAt, traffic_percentage: 0.2 });
      const verdict = { decision: 'Proceed', rule: 'x', kpis: [kpi(relDiff)] } as never;
      state.canaryLog.close(`k-${id}`, { status: outcome, at: startedAt, verdict, decidedBy: 'judge' });
      return {
        cycle_id: id,
        channel: 'main',
        started_at: startedAt,
        finished_at: startedAt,
        status: 'completed' as const,
        outcome,
        canary_id: `k-${id}`,
        report: {
          trigger: 'schedule' as const,
          card: {
            sha256: 's',
            versionId: 'v',
            values: { temperature: 0.5, top_k: 8, plan_selection_bias: 0, epsilon: 0.04 },
            skipped: [],
            fromAbsent: [],
            kpis: [],
            kpiSource: 'config' as const,
          },
          proposals: [
            {
              ...tempChange,
              cardPath: 'selection.temperature',
              changeType: 'Correction' as const,
              rule: 'r',
              rationale: '',
              expectedImpact: {},
              confidence: 0.5,
            },
          ],
          bounds: [{ parameter: 'temperature', approved: true }] as never,
          canary: { canaryId: `k-${id}`, outcome, decision: 'Proceed' as const, decidedBy: 'judge', rule: 'x', checks: 1 },
        },
      };
    };
    state.cycleLog.save(cycle('c2', day(2), 'rolled_back', -0.05));
    state.cycleLog.save(cycle('c1', day(1), 'promoted', 0.08));
    state.cycleLog.save({
      cycle_id: 'c3',
      channel: 'main',
      started_at: day(3),
      status: 'completed',
      outcome: 'no_change',
      report: { trigger: 'schedule', proposals: [] },
    });
    const exps = await acts.loadExperiments({ channel: 'main', limit: 10 });
    expect(exps.map((e) => [e.id, e.outcome])).toEqual([
      ['c1', 'promoted'],
      ['c2', 'rolled_back'],
    ]);
    expect(exps[0]!.deltas.temperature).toBeCloseTo(0.1, 12);
    expect(exps[0]!.effects.engagement_proxy!.relDiff).toBeCloseTo(0.08, 12);
    expect(exps[0]!.effects.engagement_proxy!.relSe).toBeGreaterThan(0);
  });
});

describe('analyzeMetrics (1.2, 1.3)', () => {
  it('reads the window and the same hours of earlier days from the metrics store', async () => {
    const now = T0;
    const { acts, writer } = setup(now);
    const rows = [];
    for (let h = 1; h <= 24 * 3; h++) {
      const at = rfc3339(now - h * 3_600_000 + 60_000, h);
      const value = h <= 24 ? 0.44 : 0.4; // +10 % today
      for (let i = 0; i < 3; i++)
        rows.push({
          timestamp: at,
          metric_type: 'engagementproxy',
          value: value + 0.01 * (i - 1),
          context: null,
        });
    }
    writer.insert(rows);
    const a = await acts.analyzeMetrics({ channel: 'main', windowHours: 24, minSamples: 30, kpis: [config.kpis![0]!], previousDays: 7 });
    expect(a.usable).toBe(true);
    const k = a.kpis[0]!;
    expect(k.n).toBe(72);
    expect(k.vsPreviousDays).toMatchObject({ days: 2, matchedHours: 24 });
    expect(k.vsPreviousDays!.relChange).toBeCloseTo(0.1, 9);
  });
});
