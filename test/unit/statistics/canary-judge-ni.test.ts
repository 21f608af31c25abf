/**
 * Issue 12: "all guardrails non-inferior" is an intersection-union test. Each non-inferiority
 * check runs one-sided at the full alpha, whatever the number of KPIs; degradation (the Rollback
 * family) keeps Holm over every KPI.
 */
import { judgeCanary, type JudgeInput } from '../../../src/domain/canary';
import type { GroupSummary, KpiDef } from '../../../src/domain/types';

const engagement: KpiDef = { name: 'engagement', goal: 'maximize', role: 'primary', weight: 1 };
const guardrail = (i: number): KpiDef => ({ name: `g${i}`, goal: 'minimize', role: 'guardrail', weight: 1 });
const g = (n: number, mean: number, sd: number): GroupSummary => ({ n, mean, sd });
const pair = (control: GroupSummary, canary: GroupSummary) => ({ control, canary });
const steady = pair(g(2880, 200, 10), g(720, 200, 10));
/** Relative se of engagement at 2880/720 slots, sd 20 on a mean of 100. */
const SE = (20 * Math.sqrt(1 / 2880 + 1 / 720)) / 100;

function input(kpis: KpiDef[], groups: JudgeInput['groups'], overrides: Partial<JudgeInput> = {}): JudgeInput {
  return { kpis, groups, confidenceLevel: 0.95, nonInferiorityMargin: 0.02, minSamplesPerGroup: 30, isFinalCheck: true, ...overrides };
}

/** Park–Miller uniform and Box–Muller normal: a seeded, reproducible stream. */
function gaussians(seed: number): () => number {
  let state = seed;
  const u = (): number => (state = (state * 16807) % 2147483647) / 2147483647;
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

describe('non-inferiority is an intersection-union test: one-sided at the full alpha, no correction', () => {
  // The canary 0.5 % worse: the one-sided 95 % bound (−1.87 %) clears the 2 % margin, the
  // two-sided 95 % interval's worse end (−2.13 %) does not.
  const nearMargin = pair(g(2880, 100, 20), g(720, 100 * (1 - 0.02 + 1.8 * SE), 20));

  it('a primary whose one-sided 95 % bound clears the margin is non-inferior (the two-sided interval would not be)', () => {
    const v = judgeCanary(input([engagement, guardrail(1)], { engagement: nearMargin, g1: steady }));
    const e = v.kpis.find((k) => k.kpi === 'engagement')!;
    expect(e.relCI[0]).toBeLessThan(-0.02);
    expect(e.niRelCI![0]).toBeGreaterThan(-0.02);
    expect(e.classification).toBe('NonInferior');
    expect(v.rule).toBe('primary_non_inferior');
    expect(v.reason).toContain('non-inferiority bound');
  });

  it("the number of KPIs never changes a check's level", () => {
    const few = judgeCanary(input([engagement, guardrail(1)], { engagement: nearMargin, g1: steady }));
    const kpis = [engagement, ...[1, 2, 3, 4, 5, 6].map(guardrail)];
    const many = judgeCanary(input(kpis, { engagement: nearMargin, ...Object.fromEntries(kpis.slice(1).map((k) => [k.name, steady])) }));
    const a = few.kpis.find((k) => k.kpi === 'engagement')!;
    const b = many.kpis.find((k) => k.kpi === 'engagement')!;
    expect(b.niRelCI).toEqual(a.niRelCI);
    expect(many.rule).toBe('primary_non_inferior');
    // Interim: a guardrail's non-inferiority sequence has the same level with 1 or 6 guardrails.
    const early = (ks: KpiDef[]) =>
      judgeCanary(
        input(ks, Object.fromEntries(ks.map((k) => [k.name, k.role === 'primary' ? nearMargin : steady])), { isFinalCheck: false }),
      );
    expect(early(kpis).kpis[1]!.intervalLevel).toBeCloseTo(early([engagement, guardrail(1)]).kpis[1]!.intervalLevel!, 12);
    expect(early(kpis).kpis[1]!.intervalLevel).toBeCloseTo(0.9, 12);
  });

  it('a primary truly at −margin proceeds about alpha of the time (Monte Carlo, 4 000 canaries, 3 guardrails)', () => {
    const z = gaussians(4242);
    const kpis = [engagement, guardrail(1), guardrail(2), guardrail(3)];
    const runs = 4000;
    let proceeds = 0;
    for (let i = 0; i < runs; i++) {
      const groups: JudgeInput['groups'] = {};
      for (const k of kpis) {
        const [mean, sd] = k.role === 'primary' ? [100, 20] : [200, 10];
        const truth = k.role === 'primary' ? mean * (1 - 0.02) : mean;
        groups[k.name] = pair(g(2880, mean + (z() * sd) / Math.sqrt(2880), sd), g(720, truth + (z() * sd) / Math.sqrt(720), sd));
      }
      if (judgeCanary(input(kpis, groups)).decision === 'Proceed') proceeds += 1;
    }
    // At most alpha (+ 3 Monte Carlo se), and clearly more than alpha/2: the check spends the full alpha.
    expect(proceeds / runs).toBeLessThan(0.05 + 3 * Math.sqrt((0.05 * 0.95) / runs));
    expect(proceeds / runs).toBeGreaterThan(0.035);
  });

  it('degradation keeps Holm over every KPI: under no effect, false rollbacks stay ≤ alpha/2 with 6 KPIs', () => {
    const z = gaussians(777);
    const kpis = [engagement, ...[1, 2, 3, 4, 5].map(guardrail)];
    const runs = 4000;
    let rollbacks = 0;
    for (let i = 0; i < runs; i++) {
      const groups: JudgeInput['groups'] = {};
      for (const k of kpis) {
        const [mean, sd] = k.role === 'primary' ? [100, 20] : [200, 10];
        groups[k.name] = pair(g(2880, mean + (z() * sd) / Math.sqrt(2880), sd), g(720, mean + (z() * sd) / Math.sqrt(720), sd));
      }
      const v = judgeCanary(input(kpis, groups));
      if (v.decision === 'Rollback') rollbacks += 1;
      expect(v.errorControl!.harm.kpis).toHaveLength(6);
    }
    expect(rollbacks / runs).toBeLessThan(0.025 + 3 * Math.sqrt((0.025 * 0.975) / runs));
  });
});
