/**
 * Issue 12: inconclusive is not the end. A canary neither degraded nor confirmed at a stage end
 * continues into the next pre-planned stage; the error is spent across all stages up front.
 */
import { judgeCanary, stageOfCheck, stagePlan, type JudgeInput } from '../../../src/domain/canary';
import type { GroupSummary, KpiDef } from '../../../src/domain/types';

const engagement: KpiDef = { name: 'engagement', goal: 'maximize', role: 'primary', weight: 1 };
const latency: KpiDef = { name: 'latency_ms', goal: 'minimize', role: 'guardrail', weight: 1 };
const g = (n: number, mean: number, sd: number): GroupSummary => ({ n, mean, sd });
const pair = (control: GroupSummary, canary: GroupSummary) => ({ control, canary });

/** One stage: 2880 / 720 slots; stage k: k times that. */
function groups(stage: number, rel: number): JudgeInput['groups'] {
  const c = 2880 * stage;
  const k = 720 * stage;
  return { engagement: pair(g(c, 100, 20), g(k, 100 * (1 + rel), 20)), latency_ms: pair(g(c, 200, 10), g(k, 200, 10)) };
}
function input(gr: JudgeInput['groups'], over: Partial<JudgeInput> = {}): JudgeInput {
  return {
    kpis: [engagement, latency],
    groups: gr,
    confidenceLevel: 0.95,
    nonInferiorityMargin: 0.02,
    minSamplesPerGroup: 30,
    isFinalCheck: true,
    ...over,
  };
}

describe('stage plan and checks', () => {
  it('spends t^0.5 of each stage-end budget: half at stage 1 of 4, all of it with one stage', () => {
    expect(stagePlan({}).share).toBe(1);
    const shares = [1, 2, 3, 4].map((stage) => stagePlan({ stage, maxStages: 4 }).share);
    expect(shares[0]).toBeCloseTo(0.5, 12);
    expect(shares.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(shares[1]).toBeGreaterThan(shares[3]!);
  });

  it('places checks in stages: every stage end is a fixed-horizon look', () => {
    const looks = Array.from({ length: 8 }, (_, i) => stageOfCheck(i + 1, 8, 4));
    expect(looks.map((l) => l.stage)).toEqual([1, 1, 2, 2, 3, 3, 4, 4]);
    expect(looks.map((l) => l.isFinalCheck)).toEqual([false, true, false, true, false, true, false, true]);
    expect(stageOfCheck(3, 3, 1)).toEqual({ stage: 1, maxStages: 1, isFinalCheck: true });
  });
});

describe('the judge across stages', () => {
  it('an effect too small for stage 1 continues, then is confirmed at stage 2', () => {
    // A noisy primary (relative se 1.7 % a stage) 0.8 % better: non-inferiority fails at stage 1
    // (bound −2.5 %) and holds at stage 2 (−1.9 %, at stage 2's share of alpha).
    const noisy = (stage: number) => ({ ...groups(stage, 0), engagement: pair(g(2880 * stage, 100, 40), g(720 * stage, 100.8, 40)) });
    const s1 = judgeCanary(input(noisy(1), { stage: 1, maxStages: 4 }));
    expect(s1.decision).toBe('Inconclusive');
    expect(s1.rule).toBe('continue_next_stage');
    expect(s1.final).toBe(false);
    expect(s1.stage).toBe(1);
    expect(s1.reason).toContain('continuing into stage 2');
    const s2 = judgeCanary(input(noisy(2), { stage: 2, maxStages: 4 }));
    expect(s2.decision).toBe('Proceed');
    expect(s2.rule).toBe('primary_non_inferior');
    expect(s2.final).toBe(true);
    expect(s2.stage).toBe(2);
    expect(s2.maxStages).toBe(4);
  });

  it('a null effect that is never confirmed ends Inconclusive after the last stage only', () => {
    const flat = (stage: number) =>
      groups(stage, 0) && {
        engagement: pair(g(2880, 100, 60), g(720, 100, 60)), // too noisy to show non-inferiority at any stage
        latency_ms: pair(g(2880 * stage, 200, 10), g(720 * stage, 200, 10)),
      };
    for (const stage of [1, 2, 3]) expect(judgeCanary(input(flat(stage), { stage, maxStages: 4 })).rule).toBe('continue_next_stage');
    const last = judgeCanary(input(flat(4), { stage: 4, maxStages: 4 }));
    expect(last.rule).toBe('no_confident_result');
    expect(last.final).toBe(true);
  });

  it('a degradation at a stage end rolls back at once', () => {
    const v = judgeCanary(input(groups(1, -0.05), { stage: 1, maxStages: 4 }));
    expect(v.decision).toBe('Rollback');
    expect(v.final).toBe(true);
  });

  it('charges the interim sequence up to the last stage and gives each stage end its share', () => {
    const one = judgeCanary(input(groups(1, 0.01))).errorControl!;
    const four = judgeCanary(input(groups(1, 0.01), { stage: 1, maxStages: 4 })).errorControl!;
    expect(four.proceed.interimSpent).toBeGreaterThan(one.proceed.interimSpent);
    expect(four.proceed.finalAlpha).toBeCloseTo((four.proceed.alpha - four.proceed.interimSpent) * 0.5, 12);
    expect(four.stage).toBe(1);
    expect(four.stageShare).toBeCloseTo(0.5, 12);
  });

  it('A/A across four stages: false decisions stay within alpha (Monte Carlo, 1 500 canaries, stage-end looks)', () => {
    let state = 99;
    const u = (): number => (state = (state * 16807) % 2147483647) / 2147483647;
    const z = (): number => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
    const runs = 1500;
    let falseDecisions = 0;
    for (let r = 0; r < runs; r++) {
      // Cumulative sums per stage so successive looks are correlated as in a real canary.
      const sums = { c: 0, k: 0, lc: 0, lk: 0 };
      for (let stage = 1; stage <= 4; stage++) {
        sums.c += z() * 20 * Math.sqrt(2880);
        sums.k += z() * 20 * Math.sqrt(720);
        sums.lc += z() * 10 * Math.sqrt(2880);
        sums.lk += z() * 10 * Math.sqrt(720);
        const nc = 2880 * stage;
        const nk = 720 * stage;
        const v = judgeCanary(
          input(
            {
              engagement: pair(g(nc, 100 + sums.c / nc, 20), g(nk, 100 + sums.k / nk, 20)),
              latency_ms: pair(g(nc, 200 + sums.lc / nc, 10), g(nk, 200 + sums.lk / nk, 10)),
            },
            { stage, maxStages: 4 },
          ),
        );
        if (!v.final) continue;
        if (v.decision === 'Rollback' || v.rule === 'primary_improved') falseDecisions += 1;
        break;
      }
    }
    expect(falseDecisions / runs).toBeLessThan(0.05);
  });
});
