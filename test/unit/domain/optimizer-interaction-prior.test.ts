/** The interaction prior's scale (optimizer.interaction_steps, default 3): how much a pair may differ from its two halves. */
import { fitModel, optimize, predict, type Experiment } from '../../../src/domain/optimizer';
import { CENTER, FIT, input, KPIS, NOW, PARAMS } from './optimizer-fixtures';

/** A precisely measured move from the center (the replay's shape: one KPI, se 0.1 %). */
const move = (deltas: Record<string, number>, relDiff: number, i: number): Experiment => ({
  id: `m${i}`,
  at: NOW,
  base: { ...CENTER },
  deltas,
  outcome: 'promoted',
  source: 'replay',
  effects: { engagement_proxy: { relDiff, relSe: 0.001 } },
});

// A ridge: each half of the pair (temperature down a step, top_k up one) is worth nothing on
// engagement, the pair +2 %; the same-sign pairs lose 2 %.
const RIDGE: Experiment[] = [
  move({ temperature: -0.1 }, 0, 0),
  move({ temperature: 0.1 }, 0, 1),
  move({ top_k: 1 }, 0, 2),
  move({ top_k: -1 }, 0, 3),
  move({ temperature: -0.1, top_k: 1 }, 0.02, 4),
  move({ temperature: 0.1, top_k: -1 }, 0.02, 5),
  move({ temperature: 0.1, top_k: 1 }, -0.02, 6),
  move({ temperature: -0.1, top_k: -1 }, -0.02, 7),
];

describe('the interaction prior (interactionSteps)', () => {
  const pair = (interactionSteps?: number) =>
    predict(fitModel(PARAMS, KPIS, CENTER, RIDGE, { ...FIT, ...(interactionSteps ? { interactionSteps } : {}) }), {
      temperature: -0.1,
      top_k: 1,
    });

  it('the default (three steps each) holds a measured +2 % ridge pair to about half; one step lets the data through', () => {
    const byDefault = pair();
    expect(pair(3).mean.engagement_proxy).toBeCloseTo(byDefault.mean.engagement_proxy!, 12);
    // The prior's sd for a one-step pair is 5 % / 9 ≈ 0.56 %: against it and the 1 % misfit floor
    // on each measured move, the fit keeps about half of the measured +2 % (1.1 %).
    expect(byDefault.mean.engagement_proxy!).toBeLessThan(0.013);
    const loose = pair(1);
    expect(loose.mean.engagement_proxy!).toBeGreaterThan(0.017);
    expect(loose.mean.engagement_proxy!).toBeLessThan(0.021);
  });

  it('reaches the optimizer: with the looser prior the ridge pair is predicted near what was measured', () => {
    const gain = (interactionSteps: number) =>
      optimize(
        input({
          current: CENTER,
          experiments: RIDGE,
          options: { maxChanges: 2, minProceedProbability: 0, minGain: -1, interactionSteps },
        }),
      ).candidates.find((c) => c.parameter === 'temperature+top_k' && c.newValue === 0.4 && c.moves[1]!.newValue === 13)!.prediction.mean
        .engagement_proxy!;
    expect(gain(1)).toBeGreaterThan(gain(3) + 0.005);
  });
});
