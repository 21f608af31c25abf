import { analyzeKpi, analyzeWindow, compareWithPreviousDays, theilSenWithCI, type HourAggregate } from '../../../src/domain/analysis';
import { proposeChanges } from '../../../src/domain/optimizer/rules';
import { DEFAULT_RULES } from '../../../src/config/rules';
import { initialBounds } from '../../../src/domain/bounds';
import type { KpiDef, ParamDef } from '../../../src/domain/types';
import { createRng } from '../../../src/adapters/selection/rng';

const entropy: KpiDef = { name: 'selection_entropy', goal: 'maximize', role: 'guardrail', weight: 0.5, target_min: 2.0, target_max: 2.8 };
const OPTS = { windowHours: 24, minSamples: 30 };
const START = Date.parse('2025-03-01T00:00:00Z');

/** A seeded uniform in (0, 1): the selection's own PRNG (sfc32), so runs are reproducible. */
function rng(seed: number): () => number {
  const r = createRng(seed);
  return () => r.next();
}
const normal = (u: () => number) => () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());

/** Hourly buckets of `perHour` values each, value(hourIndex) + noise. */
function hoursOf(
  value: (h: number) => number,
  opts: { startMs?: number; hours?: number; perHour?: number; sd?: number; seed?: number } = {},
): HourAggregate[] {
  const z = normal(rng(opts.seed ?? 1));
  const out: HourAggregate[] = [];
  for (let h = 0; h < (opts.hours ?? 24); h++) {
    let n = 0;
    let sum = 0;
    let sumSquares = 0;
    for (let i = 0; i < (opts.perHour ?? 20); i++) {
      const v = value(h) + (opts.sd ?? 0.1) * z();
      n += 1;
      sum += v;
      sumSquares += v * v;
    }
    out.push({ hour: new Date((opts.startMs ?? START) + h * 3_600_000).toISOString().slice(0, 13), n, sum, sumSquares, nonFinite: 0 });
  }
  return out;
}

describe('analyzeKpi: data quality flags (1.2)', () => {
  it('flags no data, too few samples, non-finite values and gaps, and marks the KPI unusable', () => {
    expect(analyzeKpi(entropy, [], OPTS).flags).toEqual(['no_data']);
    const few = hoursOf(() => 2, { perHour: 1 });
    expect(analyzeKpi(entropy, few, OPTS).flags).toContain('too_few_samples');
    const inf = hoursOf(() => 2).map((h, i) => (i === 3 ? { ...h, nonFinite: 2 } : h));
    expect(analyzeKpi(entropy, inf, OPTS).flags).toEqual(['non_finite_values']);
    const gappy = hoursOf(() => 2).filter((_, i) => i % 2 === 0);
    const a = analyzeKpi(entropy, gappy, OPTS);
    expect(a.flags).toEqual(['gaps']);
    expect(a.usable).toBe(false);
    expect(a.hoursCovered).toBe(12);
  });

  it('bad data never turns into a proposal, even with a KPI far out of band (1.3)', () => {
    const kpis = [entropy];
    const temperature: ParamDef = {
      name: 'temperature',
      card_path: 'selection.temperature',
      type: 'float',
      hard_min: 0.1,
      hard_max: 2,
      max_daily_delta: 0.1,
      step: 0.1,
    };
    const gappy = hoursOf(() => 1.2).filter((_, i) => i < 6);
    const analysis = analyzeWindow('main', 'a', 'b', kpis, { selection_entropy: gappy }, OPTS);
    expect(analysis.kpis[0]!.position).toBe('below');
    expect(analysis.usable).toBe(false);
    const bounds = [initialBounds(temperature, 'x')];
    const current = { temperature: 0.5 };
    expect(proposeChanges({ analysis, kpis, params: [temperature], current, bounds, maxChanges: 1, rules: DEFAULT_RULES })).toEqual([]);
  });
});

describe("trend: Theil–Sen slope with Sen's interval (1.3)", () => {
  it('reports a rising trend whose interval covers the true slope and excludes 0', () => {
    const a = analyzeKpi(
      entropy,
      hoursOf((h) => 2 + 0.01 * h),
      OPTS,
    );
    expect(a.trend).toBe('rising');
    expect(a.slopePerHour).toBeCloseTo(0.01, 2);
    expect(a.slopeCI![0]).toBeGreaterThan(0);
    expect(a.slopeCI![0]).toBeLessThan(0.01);
    expect(a.slopeCI![1]).toBeGreaterThan(0.01);
  });

  it('is robust to an outlying hour: one absurd hourly mean barely moves the slope', () => {
    const clean = hoursOf((h) => 2 + 0.01 * h);
    const spiked = clean.map((h, i) => (i === 20 ? { ...h, sum: h.n * 50, sumSquares: h.n * 2500 } : h));
    const base = analyzeKpi(entropy, clean, OPTS).slopePerHour;
    // within 10 % of the clean slope; a least-squares slope would move by about 0.35 per hour here
    expect(Math.abs(analyzeKpi(entropy, spiked, OPTS).slopePerHour - base)).toBeLessThan(0.1 * Math.abs(base));
  });

  it('calls a noisy level without drift flat, even if the point slope is not exactly 0', () => {
    const a = analyzeKpi(
      entropy,
      hoursOf(() => 2, { sd: 0.5, perHour: 5, seed: 9 }),
      OPTS,
    );
    expect(a.trend).toBe('flat');
    expect(a.slopeCI![0]).toBeLessThan(0);
    expect(a.slopeCI![1]).toBeGreaterThan(0);
  });

  it("Sen's 95 % interval covers the true slope in at least 92 % of 300 seeded windows", () => {
    let covered = 0;
    for (let s = 0; s < 300; s++) {
      const z = normal(rng(500 + s));
      const xs = Array.from({ length: 24 }, (_, i) => i);
      const ys = xs.map((x) => 1 + 0.02 * x + 0.2 * z());
      const { ci } = theilSenWithCI(xs, ys);
      if (ci[0] <= 0.02 && 0.02 <= ci[1]) covered += 1;
    }
    expect(covered / 300).toBeGreaterThanOrEqual(0.92);
  });

  it('has no finite interval with too few hours', () => {
    expect(theilSenWithCI([0, 1, 2], [1, 2, 3]).ci).toEqual([-Infinity, Infinity]);
  });
});

describe('change against the same hours of earlier days (1.2)', () => {
  const daily = (h: number) => 2 + 0.5 * Math.sin((2 * Math.PI * h) / 24); // strong daily rhythm

  it('pairs hours so the daily rhythm cancels: +10 % at every hour reads +10 % with a tight interval', () => {
    const previous = [1, 2, 3].flatMap((k) => hoursOf(daily, { startMs: START - k * 86_400_000, sd: 0.02, seed: k }));
    const window = hoursOf((h) => 1.1 * daily(h), { sd: 0.02, seed: 7 });
    const c = compareWithPreviousDays(window, previous)!;
    expect(c.days).toBe(3);
    expect(c.matchedHours).toBe(24);
    expect(c.relChange).toBeCloseTo(0.1, 2);
    expect(c.relCI[0]).toBeGreaterThan(0.09);
    expect(c.relCI[1]).toBeLessThan(0.11);
  });

  it('uses only the hours present on both sides, and is null without earlier data', () => {
    const previous = hoursOf(daily, { startMs: START - 86_400_000 }).slice(0, 10);
    const c = compareWithPreviousDays(hoursOf(daily), previous)!;
    expect(c.matchedHours).toBe(10);
    expect(compareWithPreviousDays(hoursOf(daily), [])).toBeNull();
    expect(analyzeKpi(entropy, hoursOf(daily), OPTS).vsPreviousDays).toBeNull();
  });
});
