/**
 * Issue 12: the optimizer forecasts each canary with the variance reduction recent canaries'
 * judges achieved (src/domain/optimizer/variance.ts), not the raw variance.
 */
import {
  canarySe,
  experimentOf,
  forecastCanary,
  learnedVarianceShare,
  optimize,
  withLearnedVariance,
  type Experiment,
} from '../../../src/domain/optimizer';
import type { CycleReport } from '../../../src/domain/records';
import { analysis, CURRENT, experiments, input, KPIS, PLAN, TEMPERATURE_PROPOSAL } from './optimizer-fixtures';

/** Canaries of `experiments()` whose verdicts removed these shares of each KPI's variance. */
const withReduction = (exps: Experiment[], reductions: number[], kpi = 'engagement_proxy'): Experiment[] =>
  exps.map((e, i) => (reductions[i] === undefined ? e : { ...e, varianceReduction: { [kpi]: reductions[i]! } }));

describe('the variance reduction the forecast assumes (issue 12)', () => {
  const exps = experiments('top_k', 1, { engagement_proxy: 0.004, selection_entropy: 0.01 }, 5);

  it('needs two measured canaries, then takes the least reduction among the last three', () => {
    expect(learnedVarianceShare(withReduction(exps, [0.9]), ['engagement_proxy']).share).toEqual({});
    // Oldest first: the last three are 0.5, 0.9, 0.8 → the least reduction 0.5 → share 0.5.
    const l = learnedVarianceShare(withReduction(exps, [0.95, 0.95, 0.5, 0.9, 0.8]), ['engagement_proxy', 'selection_entropy']);
    expect(l.share.engagement_proxy).toBeCloseTo(0.5, 12);
    expect(l.basis.engagement_proxy!.map((b) => b.id)).toEqual(['top_k-4', 'top_k-3', 'top_k-2']);
    // A KPI no canary reduced keeps the raw variance.
    expect(l.share.selection_entropy).toBeUndefined();
  });

  it('never counts replayed pseudo-experiments, clamps odd values and keeps a floor', () => {
    const replayed = withReduction(exps, [0.99, 0.99, 0.99, 0.99, 0.99]).map((e) => ({ ...e, source: 'replay' as const }));
    expect(learnedVarianceShare(replayed, ['engagement_proxy']).share).toEqual({});
    expect(learnedVarianceShare(withReduction(exps, [1, 1.2]), ['engagement_proxy']).share.engagement_proxy).toBe(0.05);
    expect(learnedVarianceShare(withReduction(exps, [-0.3, 0.9]), ['engagement_proxy']).share.engagement_proxy).toBe(1);
    expect(learnedVarianceShare(withReduction(exps, [0.99, 0.99]), ['engagement_proxy'], { floor: 0.2 }).share.engagement_proxy).toBe(0.2);
  });

  it("scales the planned canary's se by the square root of the share, and raises P(pass) of a small true gain", () => {
    const a = analysis().kpis.find((k) => k.kpi === 'engagement_proxy')!;
    const plan = withLearnedVariance(PLAN, { share: { engagement_proxy: 0.09 }, basis: {} });
    expect(canarySe(a, plan, 24)).toBeCloseTo(0.3 * canarySe(a, PLAN, 24), 12);
    // A share already in the plan wins over the learned one.
    expect(
      withLearnedVariance({ ...PLAN, varianceShare: { engagement_proxy: 0.5 } }, { share: { engagement_proxy: 0.09 }, basis: {} }),
    ).toMatchObject({ varianceShare: { engagement_proxy: 0.5 } });
    const p = { mean: { engagement_proxy: 0.004 }, sd: { engagement_proxy: 0.001 }, evidence: 1 };
    const small = { ...PLAN, expectedSamples: 2000 };
    const raw = forecastCanary(KPIS, analysis(), p, small, 24).pProceed;
    const reduced = forecastCanary(
      KPIS,
      analysis(),
      p,
      withLearnedVariance(small, { share: { engagement_proxy: 0.05 }, basis: {} }),
      24,
    ).pProceed;
    expect(raw).toBeLessThan(0.9);
    expect(reduced).toBeGreaterThan(0.9);
  });

  it('optimize(): a small measured gain the raw forecast holds back passes the gate once canaries showed their reduction', () => {
    const small = { ...PLAN, expectedSamples: 2000 };
    const clear = experiments('top_k', 1, { engagement_proxy: 0.02, selection_entropy: 0.01 }, 5);
    const measured = withReduction(clear, [0.9, 0.92, 0.95, 0.94, 0.96]);
    const options = { maxChanges: 1, minProceedProbability: 0.9, explore: false };
    const raw = optimize(input({ experiments: measured, canary: small, options: { ...options, forecastVarianceReduction: false } }));
    const learned = optimize(input({ experiments: measured, canary: small, options }));
    expect(raw.canaryVariance).toBeUndefined();
    expect(raw.changes).toEqual([]);
    expect(learned.canaryVariance?.share.engagement_proxy).toBeCloseTo(0.06, 12);
    expect(learned.changes).toHaveLength(1);
    expect(learned.changes[0]).toMatchObject({ parameter: 'top_k', oldValue: CURRENT.top_k });
    expect(learned.changes[0]!.rationale).toMatch(/canary variance as recent canaries measured: engagement_proxy ×0\.06/);
    // Every candidate's forecast is at least as confident with the reduction.
    for (const c of learned.candidates) {
      const r = raw.candidates.find((x) => x.parameter === c.parameter && x.newValue === c.newValue)!;
      expect(c.pProceed).toBeGreaterThanOrEqual(r.pProceed - 1e-12);
    }
  });

  it("experimentOf keeps each KPI's measured reduction from the final verdict", () => {
    const report = {
      card: { sha256: 'x', values: CURRENT, versionId: 'v1' },
      proposals: [TEMPERATURE_PROPOSAL],
      bounds: [{ parameter: 'temperature', approved: true }],
    } as never as CycleReport;
    const group = (mean: number) => ({ n: 3600, mean, sd: 0.2 });
    const verdict = {
      decision: 'Proceed',
      kpis: [
        { kpi: 'engagement_proxy', control: group(0.36), canary: group(0.37), relDiff: 0.0278, classification: 'Improved' },
        { kpi: 'selection_entropy', control: group(2.3), canary: group(2.31), relDiff: 0.004, classification: 'NoChange' },
      ],
      varianceReduction: {
        engagement_proxy: { method: 'triggered_cuped', covariates: [], theta: [], varianceReduction: 0.87, notes: [] },
        novelty_temporal_kld: { method: 'cuped', covariates: [], theta: [], varianceReduction: 0.5, notes: [] },
      },
    };
    const cycle = { cycle_id: 'c1', started_at: '2025-03-01T03:00:00Z', finished_at: '2025-03-01T04:00:00Z', report };
    const e = experimentOf({ cycle, canary: { status: 'promoted', verdict: verdict as never } })!;
    // Only KPIs with a measured effect: novelty has a report but no evidence here.
    expect(e.varianceReduction).toEqual({ engagement_proxy: 0.87 });
    const older = experimentOf({ cycle, canary: { status: 'promoted', verdict: { ...verdict, varianceReduction: undefined } as never } })!;
    expect(older.varianceReduction).toBeUndefined();
  });
});
