/**
 * Issue 3: the optimizer's predicted P(canary passes) is the canary judge's own final rule
 * (non-inferiority at the confidenceLevel interval, one-sided claims, guardrail tolerance) applied
 * to N(predicted effect, model sd² + the planned canary's se²). Checked against the rule in closed
 * form and against judgeCanary itself on simulated canaries.
 */
import { judgeCanary } from '../../../src/domain/canary';
import { forecastCanary, type CanaryPlan } from '../../../src/domain/optimizer';
import { normalCdf } from '../../../src/domain/canary';
import type { GroupSummary, KpiAnalysis, KpiDef, WindowAnalysis } from '../../../src/domain/types';

const KPIS: KpiDef[] = [
  { name: 'engagement_proxy', goal: 'maximize', role: 'primary', weight: 1 },
  { name: 'selection_entropy', goal: 'maximize', role: 'guardrail', weight: 0.5, tolerance: 0.05, target_min: 2.0, target_max: 2.8 },
  { name: 'curator_apply_budget_used_pct', goal: 'minimize', role: 'guardrail', weight: 0.5, tolerance: 0.3, target_max: 60 },
  { name: 'novelty_temporal_kld', goal: 'minimize', role: 'guardrail', weight: 0.3, tolerance: 0.15, target_max: 0.25 },
];
const PLAN: CanaryPlan = { durationMinutes: 60, trafficShare: 0.2, confidenceLevel: 0.95, nonInferiorityMargin: 0.02 };
/** Slot-level mean and sd of each KPI (as the simulator produces them). */
const LEVELS: Record<string, [number, number]> = {
  engagement_proxy: [0.36, 0.19],
  selection_entropy: [2.3, 0.42],
  curator_apply_budget_used_pct: [17, 26],
  novelty_temporal_kld: [0.1, 0.1],
};

function analysis(): WindowAnalysis {
  const kpis: KpiAnalysis[] = KPIS.map((k) => ({
    kpi: k.name,
    n: 24 * 18000,
    mean: LEVELS[k.name]![0],
    sd: LEVELS[k.name]![1],
    slopePerHour: 0,
    trend: 'flat',
    position: 'within',
    flags: [],
    usable: true,
  }));
  return { channel: 'main', from: '2025-03-09T03:00:00.000Z', to: '2025-03-10T03:00:00.000Z', kpis, usable: true };
}

describe("P(canary passes) is the judge's own rule on the planned canary (3.4)", () => {
  const plan = (expectedSamples: number): CanaryPlan => ({ ...PLAN, expectedSamples });
  const pPass = (effect: number, sd: number, samples: number): number =>
    forecastCanary(KPIS, analysis(), { mean: { engagement_proxy: effect }, sd: { engagement_proxy: sd }, evidence: 0 }, plan(samples), 24)
      .pProceed;
  /** Relative se of engagement on a canary of `samples` slots at 20 % traffic (cv 0.19 / 0.36). */
  const se = (samples: number): number => (0.19 / 0.36) * Math.sqrt(1 / (0.2 * samples) + 1 / (0.8 * samples));
  /** Non-inferiority power for a true zero effect: P(r̂ − z·e > −margin) = Φ((margin − z·e)/e), z one-sided at the full alpha. */
  const niPower = (samples: number): number => normalCdf((PLAN.nonInferiorityMargin - 1.644854 * se(samples)) / se(samples));

  it('a move with no effect is well below 0.85 on a small canary and near the non-inferiority power on a large one', () => {
    // The bench's canary (6 000 slots, relative se ≈ 1.7 %): a no-effect change fails NI ~68 % of the
    // time (one-sided at the full alpha; ~78 % when NI used the two-sided interval).
    expect(pPass(0, 0, 6000)).toBeLessThan(0.35);
    expect(pPass(0, 0, 6000)).toBeCloseTo(niPower(6000), 2);
    // Production size (18 000 slots) passes a flat move about two times in three; only much larger canaries reliably do.
    expect(pPass(0, 0, 18000)).toBeLessThan(0.7);
    expect(pPass(0, 0, 18000)).toBeCloseTo(niPower(18000), 2);
    expect(pPass(0, 0, 100000)).toBeGreaterThan(0.95);
    expect(Math.abs(pPass(0, 0, 100000) - niPower(100000))).toBeLessThan(0.01);
  });

  it("includes the model's predictive uncertainty: an unsure +3 % is less likely to pass than a sure one, an unsure 0 more", () => {
    expect(pPass(0.03, 0.03, 6000)).toBeLessThan(pPass(0.03, 0, 6000) - 0.1);
    expect(pPass(0, 0.03, 6000)).toBeGreaterThan(pPass(0, 0, 6000) + 0.03);
  });

  it('agrees with judgeCanary run on simulated canaries (Monte Carlo, known effect, ±0.04)', () => {
    let state = 12345;
    const uniform = (): number => (state = (state * 16807) % 2147483647) / 2147483647;
    const gauss = (): number => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
    const runs = 1500;
    for (const samples of [6000, 18000]) {
      for (const effect of [0, 0.01, 0.03]) {
        const nControl = 0.8 * samples;
        const nCanary = 0.2 * samples;
        let passed = 0;
        for (let i = 0; i < runs; i++) {
          const groups: Record<string, { control: GroupSummary; canary: GroupSummary }> = {};
          for (const k of KPIS) {
            const [m, sd] = LEVELS[k.name]!;
            const lift = k.name === 'engagement_proxy' ? effect : 0;
            groups[k.name] = {
              control: { n: nControl, mean: m + (gauss() * sd) / Math.sqrt(nControl), sd },
              canary: { n: nCanary, mean: m * (1 + lift) + (gauss() * sd) / Math.sqrt(nCanary), sd },
            };
          }
          const v = judgeCanary({
            kpis: KPIS,
            groups,
            confidenceLevel: 0.95,
            nonInferiorityMargin: 0.02,
            minSamplesPerGroup: 30,
            isFinalCheck: true,
          });
          if (v.decision === 'Proceed') passed += 1;
        }
        expect(Math.abs(passed / runs - pPass(effect, 0, samples))).toBeLessThan(0.04);
      }
    }
  });
});
