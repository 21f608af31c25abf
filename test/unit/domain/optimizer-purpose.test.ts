/** Issue 12: a proposal records what it is for, and the optimizer forecasts its canary on that. */
import { forecastCanary, optimize, proposeForCycle } from '../../../src/domain/optimizer';
import { analysis, experiments, input, KPIS, PLAN } from './optimizer-fixtures';

const LOW_ENTROPY = analysis({ selection_entropy: 1.5 });

describe('a proposal records its purpose (issue 12)', () => {
  it("the rule table's correction names the KPI it brings back and the direction", () => {
    const r = proposeForCycle(input({ analysis: LOW_ENTROPY, options: { maxChanges: 1, explore: false } }));
    expect(r.changes[0]).toMatchObject({ rule: 'entropy_below_target', purpose: { kind: 'band', kpi: 'selection_entropy', direction: 1 } });
  });

  it('a band purpose forecasts the KPI improving and the primary within the margin, not the primary non-inferior', () => {
    // Entropy +8 %, engagement flat and uncertain: on the primary the canary is a coin flip at best.
    const p = {
      mean: { selection_entropy: 0.08, engagement_proxy: 0 },
      sd: { selection_entropy: 0.01, engagement_proxy: 0.01 },
      evidence: 1,
    };
    const plan = { ...PLAN, expectedSamples: 6000 };
    const primary = forecastCanary(KPIS, LOW_ENTROPY, p, plan, 24);
    const band = forecastCanary(KPIS, LOW_ENTROPY, p, plan, 24, { kind: 'band', kpi: 'selection_entropy', direction: 1 });
    expect(primary.pProceed).toBeLessThan(0.5);
    // Only the chance that the primary's estimate falls below −2 % stands between it and a pass.
    expect(band.pProceed).toBeGreaterThan(0.8);
    const surer = forecastCanary(KPIS, LOW_ENTROPY, { ...p, sd: { ...p.sd, engagement_proxy: 0.002 } }, plan, 24, {
      kind: 'band',
      kpi: 'selection_entropy',
      direction: 1,
    });
    // Surer of the primary, likelier to pass (the canary's own noise remains: its estimate of a flat primary can still land below −2 %).
    expect(surer.pProceed).toBeGreaterThan(band.pProceed);
    // A Correction expected to cost the primary 4 % (twice the margin) is unlikely to pass.
    const costly = forecastCanary(
      KPIS,
      LOW_ENTROPY,
      { ...p, mean: { ...p.mean, engagement_proxy: -0.04 }, sd: { ...p.sd, engagement_proxy: 0.002 } },
      plan,
      24,
      { kind: 'band', kpi: 'selection_entropy', direction: 1 },
    );
    expect(costly.pProceed).toBeLessThan(0.2);
    // The same move pulling entropy the wrong way cannot pass on its band.
    const wrong = forecastCanary(KPIS, LOW_ENTROPY, p, plan, 24, { kind: 'band', kpi: 'selection_entropy', direction: -1 });
    expect(wrong.pProceed).toBeLessThan(0.01);
  });

  it('the optimizer proposes a correction the primary alone would block, judged on its band; not with bandPurposes off', () => {
    // Past canaries: epsilon +0.02 raised entropy 6 % and left engagement flat.
    const past = experiments('epsilon', 0.02, { engagement_proxy: 0, selection_entropy: 0.06 }, 4);
    const base = { analysis: LOW_ENTROPY, experiments: past, canary: { ...PLAN, expectedSamples: 6000 } };
    const on = optimize(input({ ...base, options: { maxChanges: 1, explore: false, minProceedProbability: 0.8 } }));
    expect(on.changes[0]).toMatchObject({
      parameter: 'epsilon',
      changeType: 'Correction',
      purpose: { kind: 'band', kpi: 'selection_entropy', direction: 1 },
    });
    const off = optimize(input({ ...base, options: { maxChanges: 1, explore: false, minProceedProbability: 0.8, bandPurposes: false } }));
    expect(off.changes.filter((c) => c.parameter === 'epsilon')).toEqual([]);
  });
});

describe('the forecast knows the canary runs in stages (issue 12)', () => {
  const p = (effect: number) => ({ mean: { engagement_proxy: effect }, sd: { engagement_proxy: 0 }, evidence: 1 });
  const plan = (maxStages: number) => ({ ...PLAN, expectedSamples: 6000, maxStages });

  it('a small effect the planned canary cannot confirm is likely confirmed by a later stage; one stage is unchanged', () => {
    const one = forecastCanary(KPIS, analysis(), p(0.005), plan(1), 24).pProceed;
    expect(forecastCanary(KPIS, analysis(), p(0.005), { ...PLAN, expectedSamples: 6000 }, 24).pProceed).toBe(one);
    const four = forecastCanary(KPIS, analysis(), p(0.005), plan(4), 24).pProceed;
    expect(one).toBeLessThan(0.6);
    expect(four).toBeGreaterThan(one + 0.2);
  });

  it('a harmful move stays unlikely to pass however many stages', () => {
    expect(forecastCanary(KPIS, analysis(), p(-0.05), plan(4), 24).pProceed).toBeLessThan(0.01);
  });
});
