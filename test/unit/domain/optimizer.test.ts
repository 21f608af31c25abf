import fc from 'fast-check';
import { DEFAULT_BOUNDS_POLICY, initialBounds, validateChange } from '../../../src/domain/bounds';
import { DEFAULT_RULES } from '../../../src/config/rules';
import {
  bandDistance,
  experimentOf,
  objectiveOfLevels,
  optimize,
  predictObjective,
  priorSlope,
  relativeSe,
} from '../../../src/domain/optimizer';
import type { CycleReport } from '../../../src/domain/records';
import { analysis, CURRENT, experiments, input, KPIS, PARAMS, TEMPERATURE_PROPOSAL } from './optimizer-fixtures';

describe('optimizer (1.3, 1.4)', () => {
  it('never proposes from bad data (1.3)', () => {
    const r = optimize(input({ analysis: analysis({ selection_entropy: 1.5 }, false) }));
    expect(r.changes).toEqual([]);
    expect(r.reason).toMatch(/bad data/);
  });

  it('cold start: follows the rule table where it holds — entropy below its band → temperature up, an Exploration with uncertainty', () => {
    const r = optimize(input({ analysis: analysis({ selection_entropy: 1.76 }) }));
    expect(r.changes).toHaveLength(1);
    const c = r.changes[0]!;
    expect(c).toMatchObject({
      parameter: 'temperature',
      oldValue: 0.5,
      newValue: 0.6,
      changeType: 'Exploration',
      cardPath: 'selection.temperature',
    });
    expect(c.expectedImpact.selection_entropy).toBeGreaterThan(0);
    expect(c.expectedImpactSd!.engagement_proxy).toBeGreaterThan(0.02);
    expect(c.prediction!.pProceed).toBeLessThan(0.85);
    expect(c.rationale).toMatch(/uncertain|probe/);
  });

  it('cold start: the rule table gives top_k and epsilon signed priors from how the selection works (1.3)', () => {
    const topK = PARAMS[1]!;
    const eps = PARAMS[3]!;
    // More picks per slot → more kinds in the selected set, more low-ranked picks for the curator.
    expect(priorSlope(topK, 'selection_entropy', { selection_entropy: 'below' }, DEFAULT_RULES)).toBeGreaterThan(0);
    expect(priorSlope(topK, 'selection_entropy', {}, DEFAULT_RULES)).toBeGreaterThan(0);
    expect(priorSlope(topK, 'curator_apply_budget_used_pct', { selection_entropy: 'below' }, DEFAULT_RULES)).toBeGreaterThan(0);
    // The selection does not sign top_k's effect on engagement: the prior stays neutral.
    expect(priorSlope(topK, 'engagement_proxy', { selection_entropy: 'below' }, DEFAULT_RULES)).toBe(0);
    // Uniformly random positions: entropy up, engagement down.
    expect(priorSlope(eps, 'selection_entropy', { selection_entropy: 'below' }, DEFAULT_RULES)).toBeGreaterThan(0);
    expect(priorSlope(eps, 'engagement_proxy', { selection_entropy: 'below' }, DEFAULT_RULES)).toBeLessThan(0);
  });

  it('cold start, entropy below its band: top_k up predicted to restore entropy (band gain), epsilon up to cost engagement (1.3)', () => {
    const r = optimize(input({ analysis: analysis({ selection_entropy: 1.76 }) }));
    const k = r.candidates.find((x) => x.parameter === 'top_k' && x.newValue === 9)!;
    expect(k.prediction.mean.selection_entropy).toBeGreaterThan(0);
    expect(k.objective.band).toBeGreaterThan(0);
    expect(k.objective.mean).toBeGreaterThan(0);
    const e = r.candidates.find((x) => x.parameter === 'epsilon' && x.newValue > 0.04)!;
    expect(e.prediction.mean.engagement_proxy).toBeLessThan(0);
    // temperature keeps the larger prior (its rules also expect engagement up): it is still the first probe
    expect(r.changes[0]).toMatchObject({ parameter: 'temperature', changeType: 'Exploration' });
  });

  it('cold start with every KPI in band: no coin flips, nothing proposed', () => {
    const r = optimize(input());
    expect(r.changes).toEqual([]);
    expect(r.reason).toMatch(/no candidate qualifies/);
  });

  it('learns from past canaries: a measured top_k effect becomes an Optimization with a tight predicted impact', () => {
    const exps = experiments(
      'top_k',
      1,
      { engagement_proxy: 0.06, selection_entropy: 0.02, curator_apply_budget_used_pct: 0.05, novelty_temporal_kld: -0.03 },
      6,
    );
    const r = optimize(input({ experiments: exps }));
    const c = r.changes[0]!;
    expect(c.parameter).toBe('top_k');
    expect(c.newValue).toBeGreaterThan(8);
    expect(c.changeType).toBe('Optimization');
    const steps = c.newValue - 8;
    expect(c.expectedImpact.engagement_proxy).toBeGreaterThan(0.04 * steps);
    expect(c.expectedImpact.engagement_proxy).toBeLessThan(0.08 * steps);
    expect(c.prediction!.pProceed).toBeGreaterThanOrEqual(0.85);
    expect(c.confidence).toBeGreaterThan(0.9);
  });

  it('the predicted uncertainty shrinks as experiments accumulate', () => {
    const eff = { engagement_proxy: 0.06, selection_entropy: 0.02 };
    const sd = (n: number) => {
      const r = optimize(
        input({ experiments: experiments('top_k', 1, eff, n), options: { maxChanges: 1, minProceedProbability: 0, minGain: -1 } }),
      );
      return r.candidates.find((c) => c.parameter === 'top_k' && c.newValue === 9)!.prediction.sd.engagement_proxy!;
    };
    expect(sd(8)).toBeLessThan(sd(2));
    expect(sd(2)).toBeLessThan(sd(0));
  });

  it('does not go where a canary measured harm, and backs off a direction that was just rolled back (2.3)', () => {
    const harm = experiments('temperature', 0.1, { engagement_proxy: -0.3 }, 1, 'rolled_back');
    const r = optimize(input({ analysis: analysis({ selection_entropy: 1.76 }), experiments: harm }));
    expect(r.changes.some((c) => c.parameter === 'temperature' && c.newValue > 0.5)).toBe(false);
    expect(r.skipped).toContainEqual(
      expect.objectContaining({ parameter: 'temperature', direction: 1, reason: expect.stringMatching(/backoff/) }),
    );
  });

  it('drift mode: corrections only, with smaller steps', () => {
    const exps = experiments('top_k', 1, { engagement_proxy: 0.06 }, 6);
    expect(optimize(input({ experiments: exps, options: { maxChanges: 1, correctionsOnly: true } })).changes).toEqual([]);
    const t = experiments('temperature', 0.1, { engagement_proxy: 0.08, selection_entropy: 0.04 }, 6);
    const r = optimize(
      input({
        analysis: analysis({ selection_entropy: 1.76 }),
        experiments: t,
        options: { maxChanges: 1, correctionsOnly: true, stepScale: 0.5 },
      }),
    );
    expect(r.changes[0]).toMatchObject({ parameter: 'temperature', newValue: 0.55, changeType: 'Correction' });
  });

  it('moves back toward the last known-good card as a Rollback when that is predicted to help', () => {
    const exps = experiments(
      'temperature',
      0.1,
      { engagement_proxy: -0.08, selection_entropy: 0.02, curator_apply_budget_used_pct: 0.1, novelty_temporal_kld: 0.02 },
      6,
    );
    const r = optimize(
      input({
        current: { ...CURRENT, temperature: 0.7 },
        lastKnownGood: { ...CURRENT, temperature: 0.5 },
        experiments: exps.map((e) => ({ ...e, base: { ...CURRENT, temperature: 0.7 } })),
      }),
    );
    expect(r.changes[0]).toMatchObject({ parameter: 'temperature', newValue: 0.6, changeType: 'Rollback' });
  });

  it('every proposal passes validateChange and stays in the trust region, whatever the history (property, 1.4, 2.4, 2.5)', () => {
    const arb = fc.record({
      t: fc.double({ min: 0.3, max: 1.5, noNaN: true }),
      k: fc.integer({ min: 3, max: 16 }),
      slope: fc.double({ min: -0.2, max: 0.2, noNaN: true }),
      param: fc.constantFrom('temperature', 'top_k', 'plan_selection_bias', 'epsilon'),
      n: fc.integer({ min: 0, max: 8 }),
      entropy: fc.double({ min: 1, max: 3.5, noNaN: true }),
      lo: fc.double({ min: 0, max: 0.4, noNaN: true }),
    });
    fc.assert(
      fc.property(arb, (a) => {
        const current = { ...CURRENT, temperature: Math.round(a.t * 100) / 100, top_k: a.k };
        const bounds = PARAMS.map((p) => {
          const b = initialBounds(p, '2025-01-01T00:00:00.000Z');
          const v = current[p.name as keyof typeof current];
          return { ...b, min: Math.min(v, b.min + a.lo * (v - b.min)), max: Math.max(v, b.max - a.lo * (b.max - v)) };
        });
        const step = PARAMS.find((p) => p.name === a.param)!.step;
        const exps = experiments(a.param, step, { engagement_proxy: a.slope }, a.n).map((e) => ({ ...e, base: current }));
        const r = optimize(
          input({ current, bounds, experiments: exps, analysis: analysis({ selection_entropy: a.entropy }), options: { maxChanges: 2 } }),
        );
        for (const c of r.changes) {
          const p = PARAMS.find((x) => x.name === c.parameter)!;
          const d = validateChange(
            c,
            p,
            bounds.find((b) => b.parameter === p.name)!,
            { referenceValue: current[p.name as keyof typeof current] },
          );
          expect(d.rejections).toEqual([]);
          expect(Math.abs(c.newValue - c.oldValue)).toBeLessThanOrEqual(3 * p.step + 1e-9);
          expect(c.expectedImpactSd).toBeDefined();
        }
        expect(new Set(r.changes.map((c) => c.parameter)).size).toBe(r.changes.length);
      }),
      { numRuns: 150 },
    );
  });
});

describe('objective from the KPI config', () => {
  it('measures band distance relative to the band edge, 0 inside', () => {
    expect(bandDistance(KPIS[1]!, 2.4)).toBe(0);
    expect(bandDistance(KPIS[1]!, 1.8)).toBeCloseTo(0.1, 12);
    expect(bandDistance(KPIS[2]!, 90)).toBeCloseTo(0.5, 12);
  });

  it('rewards the primary (goal-signed, relative) and penalises KPIs outside their band, by weight', () => {
    const ref = { engagement_proxy: 0.4, selection_entropy: 2.2, curator_apply_budget_used_pct: 20, novelty_temporal_kld: 0.1 };
    expect(objectiveOfLevels(KPIS, ref, ref)).toBeCloseTo(0, 12);
    expect(objectiveOfLevels(KPIS, { ...ref, engagement_proxy: 0.44 }, ref)).toBeCloseTo(0.1, 12);
    expect(objectiveOfLevels(KPIS, { ...ref, selection_entropy: 1.8 }, ref)).toBeCloseTo(-0.5 * 0.1, 12);
    // a guardrail inside its band adds nothing, whichever way it moves
    expect(objectiveOfLevels(KPIS, { ...ref, curator_apply_budget_used_pct: 40 }, ref)).toBeCloseTo(0, 12);
  });
});

describe('objective: target bands on the true level', () => {
  const prediction = (entropyEffect: number, sd: number) => ({
    mean: { engagement_proxy: 0, selection_entropy: entropyEffect, curator_apply_budget_used_pct: 0, novelty_temporal_kld: 0 },
    sd: { engagement_proxy: 0, selection_entropy: sd, curator_apply_budget_used_pct: 0, novelty_temporal_kld: 0 },
    evidence: 0,
  });
  it('values moving a KPI measured just inside its band away from the edge when the window mean is uncertain', () => {
    const a = analysis({ selection_entropy: 2.01 });
    const noisy = { ...a, kpis: a.kpis.map((k) => (k.kpi === 'selection_entropy' ? { ...k, n: 240 } : k)) };
    expect(predictObjective(KPIS, noisy, prediction(0.05, 0.01)).band).toBeGreaterThan(0);
    // With a production-size window the level is known: the same move is worth ~nothing.
    expect(Math.abs(predictObjective(KPIS, a, prediction(0.05, 0.01)).band)).toBeLessThan(1e-4);
  });

  it('charges an uncertain move toward the band edge, and rewards a sure move back into the band', () => {
    expect(predictObjective(KPIS, analysis({ selection_entropy: 2.05 }), prediction(-0.02, 0.05)).band).toBeLessThan(0);
    const below = predictObjective(KPIS, analysis({ selection_entropy: 1.8 }), prediction(0.05, 0.001));
    // 1.8 → 1.89: distance 0.1 → 0.055 of the edge, weight 0.5.
    expect(below.band).toBeCloseTo(0.5 * (0.1 - 0.055), 3);
  });
});

describe('experiments from stored cycles', () => {
  const verdict = {
    decision: 'Proceed',
    rule: 'primary_improved',
    reason: '',
    confidenceLevel: 0.95,
    nonInferiorityMargin: 0.02,
    final: true,
    method: 'welch_fixed_horizon',
    kpis: [
      {
        kpi: 'engagement_proxy',
        goal: 'maximize',
        role: 'primary',
        control: { n: 14400, mean: 0.36, sd: 0.19 },
        canary: { n: 3600, mean: 0.39, sd: 0.2 },
        diff: 0.03,
        relDiff: 0.03 / 0.36,
        relCI: [0.05, 0.11],
        t: 8,
        df: 5000,
        pValue: 0,
        adjustedP: 0,
        classification: 'Improved',
      },
      {
        kpi: 'novelty_temporal_kld',
        goal: 'minimize',
        role: 'guardrail',
        control: { n: 0, mean: 0, sd: 0 },
        canary: { n: 0, mean: 0, sd: 0 },
        diff: 0,
        relDiff: 0,
        relCI: [-Infinity, Infinity],
        t: 0,
        df: 0,
        pValue: 1,
        adjustedP: 1,
        classification: 'NoData',
      },
    ],
  };
  const report = {
    card: { sha256: 'x', values: CURRENT, versionId: 'v1' },
    proposals: [
      TEMPERATURE_PROPOSAL,
      {
        parameter: 'epsilon',
        cardPath: 'exploration.epsilon',
        oldValue: 0.04,
        newValue: 0.2,
        changeType: 'Optimization',
        rule: 'r',
        rationale: '',
        expectedImpact: {},
        confidence: 0.5,
      },
    ],
    bounds: [
      { parameter: 'temperature', approved: true },
      { parameter: 'epsilon', approved: false },
    ],
  } as never as CycleReport;

  it('keeps the canaried (bounds-approved) deltas and each measured KPI effect with its delta-method se', () => {
    const cycle = { cycle_id: 'c1', started_at: '2025-03-01T03:00:00Z', finished_at: '2025-03-01T04:00:00Z', report };
    const e = experimentOf({ cycle, canary: { status: 'promoted', verdict: verdict as never } })!;
    expect(e).toMatchObject({ id: 'c1', at: '2025-03-01T04:00:00Z', outcome: 'promoted', base: CURRENT });
    expect(e.deltas).toEqual({ temperature: expect.closeTo(0.1, 12) });
    expect(Object.keys(e.effects)).toEqual(['engagement_proxy']);
    const r = 0.39 / 0.36;
    expect(e.effects.engagement_proxy!.relSe).toBeCloseTo(Math.sqrt(0.2 ** 2 / 3600 + (r * r * 0.19 ** 2) / 14400) / 0.36, 12);
    expect(relativeSe(verdict.kpis[0] as never)).toBeCloseTo(e.effects.engagement_proxy!.relSe, 12);
  });

  it('ignores cycles without a measured canary', () => {
    expect(
      experimentOf({ cycle: { cycle_id: 'c2', started_at: 'x', report: { trigger: 'schedule', proposals: [] } }, canary: null }),
    ).toBeNull();
    expect(
      experimentOf({ cycle: { cycle_id: 'c3', started_at: 'x', report }, canary: { status: 'rolled_back', verdict: null } }),
    ).toBeNull();
    expect(
      experimentOf({ cycle: { cycle_id: 'c4', started_at: 'x', report }, canary: { status: 'running', verdict: verdict as never } }),
    ).toBeNull();
  });
});

describe('bounds policy defaults', () => {
  it('match the config defaults (7 days, 5 %/week, 3 rollbacks, 25 %, 10 %, 24 h doubling to 7 days)', () => {
    expect(DEFAULT_BOUNDS_POLICY).toEqual({
      stabilityDays: 7,
      maxWeeklyExpansion: 0.05,
      rollbackThreshold: 3,
      contractionFactor: 0.25,
      minWidthFraction: 0.1,
      backoffBaseHours: 24,
      backoffMaxDays: 7,
    });
  });
});
