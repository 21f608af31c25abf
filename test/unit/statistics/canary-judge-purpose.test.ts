/**
 * Issue 12: a move is judged on what it was made for. A band correction proceeds when its KPI
 * improves toward the band and no KPI (the primary included) is degraded beyond its margin; a
 * move for the primary still needs the primary improved or non-inferior.
 */
import { canaryPurpose, checkedPurpose, judgeCanary, type JudgeInput } from '../../../src/domain/canary';
import type { ChangePurpose, GroupSummary, KpiDef } from '../../../src/domain/types';

const engagement: KpiDef = { name: 'engagement', goal: 'maximize', role: 'primary', weight: 1 };
const entropy: KpiDef = { name: 'entropy', goal: 'maximize', role: 'guardrail', weight: 0.5, target_min: 2, target_max: 2.8 };
const curator: KpiDef = { name: 'curator', goal: 'minimize', role: 'guardrail', weight: 0.5, target_min: 20, target_max: 60 };
const KPIS = [engagement, entropy, curator];
const g = (n: number, mean: number, sd: number): GroupSummary => ({ n, mean, sd });
const pair = (control: GroupSummary, canary: GroupSummary) => ({ control, canary });
const SE = (20 * Math.sqrt(1 / 2880 + 1 / 720)) / 100; // relative se of engagement

const entropyUp: ChangePurpose = { kind: 'band', kpi: 'entropy', direction: 1 };
/** Engagement flat but too noisy for non-inferiority: its lower bound below −2 %. */
const engagementUnsure = pair(g(2880, 100, 20), g(720, 100 * (1 - 0.9 * SE), 20));
const entropyBetter = pair(g(2880, 1.8, 0.4), g(720, 1.9, 0.4));
const curatorSteady = pair(g(2880, 30, 10), g(720, 30, 10));

function input(groups: JudgeInput['groups'], overrides: Partial<JudgeInput> = {}): JudgeInput {
  return {
    kpis: KPIS,
    groups,
    confidenceLevel: 0.95,
    nonInferiorityMargin: 0.02,
    minSamplesPerGroup: 30,
    isFinalCheck: true,
    ...overrides,
  };
}

describe('the canary judges a move on its purpose', () => {
  const groups = { engagement: engagementUnsure, entropy: entropyBetter, curator: curatorSteady };

  it('a band correction proceeds when its KPI improves, though the primary is not shown non-inferior', () => {
    const band = judgeCanary(input(groups, { purpose: entropyUp }));
    expect(band.decision).toBe('Proceed');
    expect(band.rule).toBe('band_corrected');
    expect(band.purpose).toEqual(entropyUp);
    expect(band.reason).toContain('entropy improved toward its band');
    expect(band.reason).toContain('purpose: bring entropy back into its band (up)');
    expect(band.errorControl!.proceed.kpis).toEqual(['entropy']);
    // The same data judged on the primary: not shown non-inferior, so no Proceed.
    const primary = judgeCanary(input(groups));
    expect(primary.kpis[0]!.classification).toBe('Inconclusive');
    expect(primary.rule).toBe('no_confident_result');
    expect(primary.purpose).toEqual({ kind: 'primary' });
  });

  it('a band correction whose KPI does not move is not confirmed', () => {
    const v = judgeCanary(input({ ...groups, entropy: pair(g(2880, 1.8, 0.4), g(720, 1.8, 0.4)) }, { purpose: entropyUp }));
    expect(v.decision).toBe('Inconclusive');
    expect(v.rule).toBe('no_confident_result');
  });

  it('the primary rolls a band correction back only when degraded beyond the margin', () => {
    // Engagement 1.5 % worse, significantly (z ≈ 3.6 at four times the slots), but within the 2 % margin.
    const big = (rel: number) => pair(g(11520, 100, 20), g(2880, 100 * (1 + rel), 20));
    const within = judgeCanary(input({ ...groups, engagement: big(-0.015) }, { purpose: entropyUp }));
    expect(within.rule).toBe('band_corrected');
    const primaryPurpose = judgeCanary(input({ ...groups, engagement: big(-0.015) }));
    expect(primaryPurpose.rule).toBe('primary_degraded');
    const beyond = judgeCanary(input({ ...groups, engagement: big(-0.05) }, { purpose: entropyUp }));
    expect(beyond.decision).toBe('Rollback');
    expect(beyond.rule).toBe('primary_degraded');
  });

  it('a band correction whose primary estimate costs more than the margin is not confirmed, though not found degraded', () => {
    // Engagement measured 3 % worse, too noisy to be significantly worse than −2 % (se ≈ 2.1 %).
    const noisy = pair(g(2880, 100, 50), g(720, 97, 50));
    const v = judgeCanary(input({ ...groups, engagement: noisy }, { purpose: entropyUp }));
    expect(v.kpis.find((k) => k.kpi === 'engagement')!.classification).not.toBe('Degraded');
    expect(v.decision).toBe('Inconclusive');
    expect(v.rule).toBe('no_confident_result');
    expect(v.reason).toContain("the primary's estimate costs more than its margin (engagement -3.00% against a margin of 2.00%)");
    // Before the last stage it continues; at an interim look it keeps watching.
    expect(judgeCanary(input({ ...groups, engagement: noisy }, { purpose: entropyUp, stage: 1, maxStages: 2 })).rule).toBe(
      'continue_next_stage',
    );
    expect(judgeCanary(input({ ...groups, engagement: noisy }, { purpose: entropyUp, isFinalCheck: false })).final).toBe(false);
    // The rule before it (workflows started earlier replay with it): not found degraded is enough.
    expect(judgeCanary(input({ ...groups, engagement: noisy }, { purpose: entropyUp, bandPrimaryEstimate: false })).rule).toBe(
      'band_corrected',
    );
    // 1.5 % worse, within the margin: confirmed.
    expect(judgeCanary(input({ ...groups, engagement: pair(g(2880, 100, 50), g(720, 98.5, 50)) }, { purpose: entropyUp })).rule).toBe(
      'band_corrected',
    );
  });

  it('a guardrail degraded rolls a band correction back', () => {
    const v = judgeCanary(input({ ...groups, curator: pair(g(2880, 30, 10), g(720, 33, 10)) }, { purpose: entropyUp }));
    expect(v.rule).toBe('guardrail_degraded');
  });

  it('"better" follows the band, not the goal: a minimized KPI below its band improves by going up', () => {
    const curatorUp: ChangePurpose = { kind: 'band', kpi: 'curator', direction: 1 };
    const v = judgeCanary(
      input(
        {
          engagement: engagementUnsure,
          entropy: pair(g(2880, 2.3, 0.4), g(720, 2.3, 0.4)),
          curator: pair(g(2880, 15, 10), g(720, 18, 10)),
        },
        {
          purpose: curatorUp,
        },
      ),
    );
    expect(v.rule).toBe('band_corrected');
    expect(v.kpis.find((k) => k.kpi === 'curator')!.classification).toBe('Improved');
  });

  it('stops a band correction early only with every other KPI non-inferior', () => {
    const early = { isFinalCheck: false, purpose: entropyUp };
    const strong = pair(g(2880, 1.8, 0.4), g(720, 2.0, 0.4));
    const calm = pair(g(11520, 100, 20), g(2880, 100, 20));
    expect(judgeCanary(input({ engagement: calm, entropy: strong, curator: pair(g(2880, 30, 2), g(720, 30, 2)) }, early)).rule).toBe(
      'band_corrected',
    );
    const v = judgeCanary(input({ engagement: pair(g(300, 100, 20), g(75, 100, 20)), entropy: strong, curator: curatorSteady }, early));
    expect(v.rule).toBe('continue_monitoring');
  });
});

describe('canaryPurpose', () => {
  it('is the shared band of every change, otherwise the primary', () => {
    expect(canaryPurpose([{ purpose: entropyUp }])).toEqual(entropyUp);
    expect(canaryPurpose([{ purpose: entropyUp }, { purpose: entropyUp }])).toEqual(entropyUp);
    expect(canaryPurpose([{ purpose: entropyUp }, { purpose: { kind: 'band', kpi: 'curator', direction: -1 } }])).toEqual({
      kind: 'primary',
    });
    expect(canaryPurpose([{ purpose: entropyUp }, {}])).toEqual({ kind: 'primary' });
    expect(canaryPurpose([])).toEqual({ kind: 'primary' });
  });

  it('a band naming a KPI the canary does not judge falls back to the primary', () => {
    expect(checkedPurpose({ kind: 'band', kpi: 'nope', direction: 1 }, KPIS)).toEqual({ kind: 'primary' });
    const v = judgeCanary(
      input(
        { engagement: engagementUnsure, entropy: entropyBetter, curator: curatorSteady },
        { purpose: { kind: 'band', kpi: 'nope', direction: 1 } },
      ),
    );
    expect(v.purpose).toEqual({ kind: 'primary' });
  });
});
