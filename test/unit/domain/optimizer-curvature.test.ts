/** The curvature prior's scale (optimizer.curvature_steps, default 2): how soon the data may bend the response. */
import { fitModel, optimize, predict, type Experiment } from '../../../src/domain/optimizer';
import { CENTER, FIT, input, KPIS, NOW, PARAMS } from './optimizer-fixtures';

/** A canary that moved top_k 2 up from `from`, `hoursAgo`, and measured this engagement effect. */
const canary = (from: number, relDiff: number, hoursAgo: number): Experiment => ({
  id: `top_k-${from}`,
  at: new Date(Date.parse(NOW) - hoursAgo * 3_600_000).toISOString(),
  base: { ...CENTER, top_k: from },
  deltas: { top_k: 2 },
  outcome: 'promoted',
  effects: { engagement_proxy: { relDiff, relSe: 0.01 } },
});

// Diminishing returns: 8 → 10 gained 10 %, 10 → 12 only 4 %; the card is now at 12.
const DIMINISHING = [canary(8, 0.1, 48), canary(10, 0.04, 24)];

describe('the curvature prior (curvatureSteps)', () => {
  it('the default (two steps) lets diminishing returns bend the next step down; three steps carry the old slope further', () => {
    const next = (curvatureSteps?: number) =>
      predict(fitModel(PARAMS, KPIS, CENTER, DIMINISHING, { ...FIT, ...(curvatureSteps ? { curvatureSteps } : {}) }), { top_k: 2 });
    const byDefault = next();
    expect(next(2).mean.engagement_proxy).toBeCloseTo(byDefault.mean.engagement_proxy!, 12);
    const tight = next(3);
    // The measured slope fell from 5 % to 2 % a step: the trend says the next two steps lose ≈ 2 %.
    expect(tight.mean.engagement_proxy!).toBeGreaterThan(0);
    expect(byDefault.mean.engagement_proxy!).toBeLessThan(-0.01);
    // ... and the looser prior is less sure of a move it has not seen.
    expect(byDefault.sd.engagement_proxy!).toBeGreaterThan(tight.sd.engagement_proxy!);
  });

  it('reaches the optimizer: with the looser prior the next top_k step up is predicted smaller', () => {
    const at12 = { current: CENTER, experiments: DIMINISHING };
    const gain = (curvatureSteps: number) =>
      optimize(input({ ...at12, options: { maxChanges: 1, minProceedProbability: 0, minGain: -1, curvatureSteps } })).candidates.find(
        (c) => c.parameter === 'top_k' && c.newValue === 14,
      )!.prediction.mean.engagement_proxy!;
    expect(gain(2)).toBeLessThan(gain(3) - 0.01);
  });
});
