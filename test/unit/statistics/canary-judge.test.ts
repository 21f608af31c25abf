import fc from 'fast-check';
import { judgeCanary, type JudgeInput } from '../../../src/domain/canary';
import type { GroupSummary, KpiDef } from '../../../src/domain/types';

const engagement: KpiDef = { name: 'engagement', goal: 'maximize', role: 'primary', weight: 1 };
const latency: KpiDef = { name: 'latency_ms', goal: 'minimize', role: 'guardrail', weight: 1 };

const g = (n: number, mean: number, sd: number): GroupSummary => ({ n, mean, sd });
const pair = (control: GroupSummary, canary: GroupSummary) => ({ control, canary });

/** 60 minutes at ~1 slot/s split 80/20. */
const steadyLatency = pair(g(2880, 200, 10), g(720, 200, 10));

function input(groups: JudgeInput['groups'], overrides: Partial<JudgeInput> = {}): JudgeInput {
  return {
    kpis: [engagement, latency],
    groups,
    confidenceLevel: 0.95,
    nonInferiorityMargin: 0.02,
    minSamplesPerGroup: 30,
    isFinalCheck: true,
    ...overrides,
  };
}

describe('judgeCanary at the final check (3.3–3.5)', () => {
  it('proceeds on a clear primary improvement with a steady guardrail (3.4)', () => {
    const v = judgeCanary(input({ engagement: pair(g(2880, 100, 20), g(720, 106, 20)), latency_ms: steadyLatency }));
    expect(v.decision).toBe('Proceed');
    expect(v.rule).toBe('primary_improved');
    expect(v.final).toBe(true);
    expect(v.method).toBe('welch_fixed_horizon');
    const e = v.kpis.find((k) => k.kpi === 'engagement')!;
    expect(e.classification).toBe('Improved');
    expect(e.relDiff).toBeCloseTo(0.06, 12);
    expect(e.adjustedP).toBeLessThan(0.05);
    expect(e.relCI[0]).toBeGreaterThan(0);
    expect(v.reason).toContain('engagement');
  });

  it('rolls back on a clear guardrail degradation even when the primary improved (3.5)', () => {
    // latency is minimized: the canary's higher latency is worse.
    const v = judgeCanary(
      input({ engagement: pair(g(2880, 100, 20), g(720, 106, 20)), latency_ms: pair(g(2880, 200, 10), g(720, 210, 10)) }),
    );
    expect(v.decision).toBe('Rollback');
    expect(v.rule).toBe('guardrail_degraded');
    expect(v.kpis.find((k) => k.kpi === 'latency_ms')!.classification).toBe('Degraded');
    expect(v.reason).toMatch(/latency_ms.*Degraded/);
  });

  it('rolls back on a clear primary degradation', () => {
    const v = judgeCanary(input({ engagement: pair(g(2880, 100, 20), g(720, 94, 20)), latency_ms: steadyLatency }));
    expect(v.decision).toBe('Rollback');
    expect(v.rule).toBe('primary_degraded');
  });

  it('reads "better" by the goal: lower latency is an improvement, not a degradation', () => {
    const kpis: KpiDef[] = [{ ...latency, role: 'primary' }];
    const v = judgeCanary(input({ latency_ms: pair(g(2880, 200, 10), g(720, 190, 10)) }, { kpis }));
    expect(v.decision).toBe('Proceed');
    expect(v.kpis[0]!.classification).toBe('Improved');
    expect(v.kpis[0]!.relDiff).toBeCloseTo(-0.05, 12);
  });

  it('proceeds on a neutral result: the primary within the non-inferiority margin (3.4)', () => {
    const v = judgeCanary(input({ engagement: pair(g(2880, 100, 20), g(720, 100.2, 20)), latency_ms: steadyLatency }));
    expect(v.decision).toBe('Proceed');
    expect(v.rule).toBe('primary_non_inferior');
    const e = v.kpis.find((k) => k.kpi === 'engagement')!;
    expect(e.classification).toBe('NonInferior');
    expect(e.relCI[0]).toBeGreaterThan(-0.02);
  });

  it('is Inconclusive when the primary is neither better nor shown non-inferior (3.5)', () => {
    const v = judgeCanary(input({ engagement: pair(g(2880, 100, 20), g(720, 98.8, 20)), latency_ms: steadyLatency }));
    expect(v.decision).toBe('Inconclusive');
    expect(v.rule).toBe('no_confident_result');
    expect(v.final).toBe(true);
  });

  it('is Inconclusive with tiny samples, whatever the means say', () => {
    const v = judgeCanary(input({ engagement: pair(g(5, 100, 20), g(5, 150, 20)), latency_ms: pair(g(5, 200, 10), g(5, 200, 10)) }));
    expect(v.decision).toBe('Inconclusive');
    expect(v.rule).toBe('insufficient_data');
    expect(v.final).toBe(true);
    expect(v.kpis.every((k) => k.classification === 'NoData')).toBe(true);
    expect(v.reason).toContain('2 of 2');
  });

  it('is Inconclusive when the primary KPI has no group at all', () => {
    const v = judgeCanary(input({ engagement: undefined, latency_ms: steadyLatency }));
    expect(v.rule).toBe('insufficient_data');
  });

  it('still rolls back on a significant degradation when another KPI lacks data', () => {
    const v = judgeCanary(input({ engagement: undefined, latency_ms: pair(g(2880, 200, 10), g(720, 215, 10)) }));
    expect(v.decision).toBe('Rollback');
    expect(v.rule).toBe('guardrail_degraded');
  });

  it('carries every number: summaries, diff, relDiff, relCI, t, df, p, adjustedP, level, margin', () => {
    const v = judgeCanary(input({ engagement: pair(g(2880, 100, 20), g(720, 101, 20)), latency_ms: steadyLatency }));
    expect(v.confidenceLevel).toBe(0.95);
    expect(v.nonInferiorityMargin).toBe(0.02);
    for (const e of v.kpis) {
      for (const x of [e.diff, e.relDiff, e.relCI[0], e.relCI[1], e.t, e.df, e.pValue, e.adjustedP]) expect(Number.isFinite(x)).toBe(true);
      expect(e.adjustedP).toBeGreaterThanOrEqual(e.pValue);
      expect(e.control.n).toBe(2880);
    }
  });
});

describe('judgeCanary at interim checks (always-valid confidence sequence)', () => {
  const interim = { isFinalCheck: false };

  it('keeps watching (final = false) on a modest effect', () => {
    const v = judgeCanary(
      input({ engagement: pair(g(960, 100, 20), g(240, 101, 20)), latency_ms: pair(g(960, 200, 10), g(240, 200, 10)) }, interim),
    );
    expect(v.decision).toBe('Inconclusive');
    expect(v.rule).toBe('continue_monitoring');
    expect(v.final).toBe(false);
    expect(v.method).toBe('confidence_sequence');
    expect(v.csTau).toBeGreaterThan(0);
  });

  it('stops early with Proceed when the primary is clearly better and the guardrail shown non-inferior', () => {
    const v = judgeCanary(
      input({ engagement: pair(g(960, 100, 20), g(240, 110, 20)), latency_ms: pair(g(960, 200, 2), g(240, 200, 2)) }, interim),
    );
    expect(v.decision).toBe('Proceed');
    expect(v.rule).toBe('primary_improved');
    expect(v.final).toBe(true);
  });

  it('does not stop early with Proceed while the guardrail could still be worse than the margin', () => {
    const v = judgeCanary(
      input({ engagement: pair(g(960, 100, 20), g(240, 110, 20)), latency_ms: pair(g(960, 200, 40), g(240, 200, 40)) }, interim),
    );
    expect(v.decision).toBe('Inconclusive');
    expect(v.final).toBe(false);
  });

  it('stops early with Rollback when a KPI is clearly worse', () => {
    const v = judgeCanary(
      input({ engagement: pair(g(960, 100, 20), g(240, 100, 20)), latency_ms: pair(g(960, 200, 10), g(240, 215, 10)) }, interim),
    );
    expect(v.decision).toBe('Rollback');
    expect(v.rule).toBe('guardrail_degraded');
    expect(v.final).toBe(true);
  });

  it('keeps watching while data are insufficient', () => {
    const v = judgeCanary(
      input({ engagement: pair(g(40, 100, 20), g(10, 130, 20)), latency_ms: pair(g(40, 200, 10), g(10, 200, 10)) }, interim),
    );
    expect(v.decision).toBe('Inconclusive');
    expect(v.rule).toBe('insufficient_data');
    expect(v.final).toBe(false);
  });

  it('needs more evidence than Welch: an effect Welch calls significant is not yet an early stop', () => {
    const groups = { engagement: pair(g(960, 100, 20), g(240, 103.5, 20)), latency_ms: pair(g(960, 200, 2), g(240, 200, 2)) };
    expect(judgeCanary(input(groups)).rule).toBe('primary_improved');
    expect(judgeCanary(input(groups, interim)).rule).toBe('continue_monitoring');
  });
});

describe('judgeCanary properties', () => {
  // A large effect: 8 to 40 standard errors of the difference, in the goal's better or worse direction.
  interface Scenario {
    nControl: number;
    nCanary: number;
    mean: number;
    cv: number;
    ses: number;
    goal: 'maximize' | 'minimize';
    final: boolean;
  }
  const scenario: fc.Arbitrary<Scenario> = fc.record({
    nControl: fc.integer({ min: 100, max: 20000 }),
    nCanary: fc.integer({ min: 30, max: 5000 }),
    mean: fc.double({ min: 1, max: 1e4, noNaN: true }),
    cv: fc.double({ min: 0.01, max: 1, noNaN: true }),
    ses: fc.double({ min: 8, max: 40, noNaN: true }),
    goal: fc.constantFrom<'maximize' | 'minimize'>('maximize', 'minimize'),
    final: fc.boolean(),
  });

  const verdictFor = (s: Scenario, better: boolean) => {
    const sd = s.mean * s.cv;
    const se = sd * Math.sqrt(1 / s.nControl + 1 / s.nCanary);
    const towardBetter = s.goal === 'maximize' ? 1 : -1;
    const shift = (better ? 1 : -1) * towardBetter * s.ses * se;
    const primary: KpiDef = { name: 'p', goal: s.goal, role: 'primary', weight: 1 };
    const guard: KpiDef = { name: 'g', goal: 'minimize', role: 'guardrail', weight: 1 };
    return judgeCanary({
      kpis: [primary, guard],
      groups: {
        p: pair(g(s.nControl, s.mean, sd), g(s.nCanary, s.mean + shift, sd)),
        g: pair(g(s.nControl, 50, 0.01), g(s.nCanary, 50, 0.01)),
      },
      confidenceLevel: 0.95,
      nonInferiorityMargin: 0.02,
      minSamplesPerGroup: 30,
      isFinalCheck: s.final,
    });
  };

  it('a large improvement of the primary proceeds; the same effect reversed rolls back', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const up = verdictFor(s, true);
        const down = verdictFor(s, false);
        expect(up.decision).toBe('Proceed');
        expect(up.rule).toBe('primary_improved');
        expect(down.decision).toBe('Rollback');
        expect(down.rule).toBe('primary_degraded');
        expect(up.final && down.final).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('never yields NaN in the evidence, whatever the summaries', () => {
    const summary = fc.record({
      n: fc.integer({ min: 0, max: 5000 }),
      mean: fc.double({ min: -1e6, max: 1e6, noNaN: true }),
      sd: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1e4, noNaN: true })),
    });
    fc.assert(
      fc.property(summary, summary, fc.boolean(), (control, canary, final) => {
        const v = judgeCanary(
          input({ engagement: pair(control, canary), latency_ms: pair(canary, control) }, { isFinalCheck: final, minSamplesPerGroup: 2 }),
        );
        for (const e of v.kpis) {
          for (const x of [e.diff, e.relDiff, ...e.relCI, e.t, e.df, e.pValue, e.adjustedP]) expect(Number.isNaN(x)).toBe(false);
        }
        expect(['Proceed', 'Rollback', 'Inconclusive']).toContain(v.decision);
      }),
    );
  });
});

describe('judgeCanary error control: Proceed and Rollback are separate one-sided families (3.3)', () => {
  // z = 2.2 on the primary: two-sided p ≈ 0.028. Holm over both KPIs would need p < 0.025 for
  // the primary; the Proceed family holds the primary alone.
  const se = 20 * Math.sqrt(1 / 2880 + 1 / 720);
  const primaryUp = pair(g(2880, 100, 20), g(720, 100 + 2.2 * se, 20));

  it('tests the improvement claim over the primaries only, at the Proceed share less what the interim looks spent', () => {
    const v = judgeCanary(input({ engagement: primaryUp, latency_ms: steadyLatency }));
    expect(v.rule).toBe('primary_improved');
    const ec = v.errorControl!;
    expect(ec.proceed.kpis).toEqual(['engagement']);
    expect(ec.harm.kpis).toEqual(['engagement', 'latency_ms']);
    expect(ec.proceed.alpha).toBeCloseTo(0.025, 12);
    expect(ec.proceed.interimSpent).toBeGreaterThan(0);
    expect(ec.proceed.interimSpent).toBeLessThan(ec.proceed.alpha * ec.interimShare);
    expect(ec.proceed.finalAlpha).toBeCloseTo(ec.proceed.alpha - ec.proceed.interimSpent, 12);
    const e = v.kpis.find((k) => k.kpi === 'engagement')!;
    expect(e.pBetter).toBeCloseTo(e.pValue / 2, 6);
    expect(e.adjustedPBetter).toBeLessThan(ec.proceed.finalAlpha);
    expect(e.adjustedP).toBeLessThan(0.05);
  });

  it('a fixed-horizon check without interim looks (interimShare 0) gets the whole share', () => {
    const v = judgeCanary(input({ engagement: primaryUp, latency_ms: steadyLatency }, { interimShare: 0 }));
    expect(v.errorControl!.proceed.finalAlpha).toBeCloseTo(0.025, 12);
    expect(v.errorControl!.harm.finalAlpha).toBeCloseTo(0.025, 12);
  });

  it("never tests a guardrail's better tail: a guardrail much better is not a reason to roll back and spends nothing", () => {
    const v = judgeCanary(
      input({ engagement: pair(g(2880, 100, 20), g(720, 100.1, 20)), latency_ms: pair(g(2880, 200, 10), g(720, 185, 10)) }),
    );
    const l = v.kpis.find((k) => k.kpi === 'latency_ms')!;
    expect(l.classification).toBe('Improved');
    expect(l.adjustedPBetter).toBe(1);
    expect(l.adjustedPWorse).toBeCloseTo(1, 6);
    expect(v.decision).toBe('Proceed');
  });

  it('a guardrail with a tolerance is Degraded only when its whole interval lies beyond −tolerance', () => {
    const tolerant: KpiDef = { ...latency, tolerance: 0.3 };
    const kpis = [engagement, tolerant];
    const worse20 = judgeCanary(
      input({ engagement: pair(g(2880, 100, 20), g(720, 100.2, 20)), latency_ms: pair(g(2880, 200, 10), g(720, 240, 10)) }, { kpis }),
    );
    expect(worse20.kpis.find((k) => k.kpi === 'latency_ms')!.classification).not.toBe('Degraded');
    expect(worse20.decision).toBe('Proceed');
    const worse40 = judgeCanary(
      input({ engagement: pair(g(2880, 100, 20), g(720, 100.2, 20)), latency_ms: pair(g(2880, 200, 10), g(720, 280, 10)) }, { kpis }),
    );
    expect(worse40.rule).toBe('guardrail_degraded');
    expect(worse40.reason).toMatch(/beyond tolerance/);
  });

  it('interim verdicts report the family levels: primaries at 1 − 2·share·alphaP/P, the Rollback claim at 1 − 2·share·alphaH/K', () => {
    const v = judgeCanary(
      input(
        { engagement: pair(g(960, 100, 20), g(240, 101, 20)), latency_ms: pair(g(960, 200, 10), g(240, 200, 10)) },
        { isFinalCheck: false },
      ),
    );
    const ec = v.errorControl!;
    expect(ec.proceed.interimLevel).toBeCloseTo(1 - 2 * 0.4 * 0.025, 12);
    expect(ec.harm.interimLevel).toBeCloseTo(1 - (2 * 0.4 * 0.025) / 2, 12);
    expect(ec.proceed.interimSpent).toBe(0);
    expect(v.kpis[0]!.intervalLevel).toBeCloseTo(ec.proceed.interimLevel, 12);
    expect(v.kpis[0]!.harmRelCI).toBeDefined();
  });
});
