import { predictionError } from '../../../src/activities';
import type { CanaryVerdict, KpiEvidence, ParameterChange } from '../../../src/domain/types';
import { TEMPERATURE_PROPOSAL } from '../domain/optimizer-fixtures';

const change = (impact: Record<string, number>): ParameterChange => ({ ...TEMPERATURE_PROPOSAL, rationale: 'r', expectedImpact: impact });
/** Evidence for a KPI whose measured relative effect has a confidence interval of ± half. */
const ev = (kpi: string, role: 'primary' | 'guardrail', relDiff: number, half = 0): KpiEvidence => ({
  kpi,
  goal: 'maximize',
  role,
  control: { n: 100, mean: 1, sd: 1 },
  canary: { n: 100, mean: 1 + relDiff, sd: 1 },
  diff: relDiff,
  relDiff,
  relCI: [relDiff - half, relDiff + half],
  t: 0,
  df: 1,
  pValue: 0.5,
  adjustedP: 0.5,
  classification: 'Improved',
});
const verdict = (kpis: KpiEvidence[]): CanaryVerdict => ({
  decision: 'Proceed',
  rule: 'primary_improved',
  reason: '',
  confidenceLevel: 0.95,
  nonInferiorityMargin: 0.02,
  kpis,
  final: true,
  method: 'welch_fixed_horizon',
});

describe('autopilot_pred_vs_real_error (4.1, 8.1)', () => {
  it('is near 0 for a prediction of the right size and scores the primary KPI only', () => {
    const r = predictionError(
      [change({ engagement_proxy: 0.05, curator_apply_budget_used_pct: 0.001 })],
      verdict([ev('engagement_proxy', 'primary', 0.052), ev('curator_apply_budget_used_pct', 'guardrail', 0.3)]),
    )!;
    expect(r.value).toBeCloseTo(0.002 / 0.052, 6);
    expect(Object.keys(r.perKpi)).toEqual(['engagement_proxy']);
  });

  it('is near 1 for an order of magnitude off, above 1 for the wrong sign, and never above 2', () => {
    expect(predictionError([change({ engagement_proxy: 0.01 })], verdict([ev('engagement_proxy', 'primary', 0.13)]))!.value).toBeCloseTo(
      0.12 / 0.13,
      6,
    );
    expect(predictionError([change({ engagement_proxy: 0.05 })], verdict([ev('engagement_proxy', 'primary', -0.05)]))!.value).toBeCloseTo(
      2,
      6,
    );
  });

  it("does not count the part of a miss the canary's own interval explains (4.2: no drift mode from noise)", () => {
    // A good prediction of a small effect, measured by a noisy canary (± 3.3 %): inside the interval, 0.
    expect(predictionError([change({ engagement_proxy: 0.068 })], verdict([ev('engagement_proxy', 'primary', 0.047, 0.033)]))!.value).toBe(
      0,
    );
    // A prior an order of magnitude too small stays a large error: only the interval's half-width is forgiven.
    expect(
      predictionError([change({ engagement_proxy: 0.01 })], verdict([ev('engagement_proxy', 'primary', 0.16, 0.033)]))!.value,
    ).toBeCloseTo((0.15 - 0.033) / 0.16, 6);
    // The same miss with a precise canary counts in full.
    expect(
      predictionError([change({ engagement_proxy: 0.068 })], verdict([ev('engagement_proxy', 'primary', 0.047, 0.001)]))!.value,
    ).toBeCloseTo(0.02 / 0.068, 6);
  });

  it('falls back to the guardrails a change predicted when it predicted no primary, and is null without any prediction', () => {
    expect(
      Object.keys(
        predictionError(
          [change({ selection_entropy: 0.04 })],
          verdict([ev('engagement_proxy', 'primary', 0.1), ev('selection_entropy', 'guardrail', 0.04)]),
        )!.perKpi,
      ),
    ).toEqual(['selection_entropy']);
    expect(predictionError([change({})], verdict([ev('engagement_proxy', 'primary', 0.1)]))).toBeNull();
  });
});
