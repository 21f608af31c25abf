/**
 * Calibration of bench/canary-stats.ts's slot-level model (issue 12) on the simulator's world.
 * Prints one JSON object. Not part of `npm test`.
 *
 *   npx tsx bench/variance-calibration.ts [--slots=20000] [--seed=42] [--noise=0.05]
 *
 * On the example card (config/business_logic.example.yaml: gumbel_top_k, temperature 0.5,
 * top_k 8, epsilon 0.04, bias 0), slot by slot with World.evaluate (the noiseless values the
 * selection alone determines) it measures, for engagement_proxy and selection_entropy:
 *   - the between-slot variance (variance of the noiseless value across slots: what the
 *     candidate pool and the seeded selection make of each slot) against the observation noise
 *     the simulator adds (noise · the metric's scale, simulator/world.ts), hence the between
 *     share of a row's variance;
 *   - for candidate cards one parameter step away, the trigger rate (share of slots whose
 *     on-air order differs between the two arms, both drawn from the same slot seed), and the
 *     correlation of the two arms' noiseless values on the triggered slots (how much of a
 *     triggered canary slot's value control_prediction still predicts). These values are the
 *     paired planner's two tags, control_prediction and canary_prediction, so this is also the
 *     correlation of the tags there; sdRatio is the candidate's sd over the control's (the bench
 *     model takes 1).
 */
import { selectionParams, VVTV_SELECTION_BATCH_SIZE, type Card } from '../src/config/card';
import { simulatedCard, type CardKnobs } from '../src/simulator/cards';
import { World } from '../src/simulator/world';
import { DEFAULT_AGE_TARGET } from '../src/simulator/metrics';
import { benchOptions } from './options';
import { round } from './sampling';

const { num } = benchOptions('VARIANCE_CALIBRATION');
const slots = num('slots', 20000);
const seed = num('seed', 42);
const noise = num('noise', 0.05);
const NOISE_SCALE = { engagement_proxy: 1, selection_entropy: 2 } as const;
type Kpi = keyof typeof NOISE_SCALE;

const card = (over: CardKnobs = {}): Card => simulatedCard(over, 'calibration');

const world = new World({ channel: 'main', seed, catalogSize: 400, candidatesPerSlot: 60, noise, drift: 0, ageTarget: DEFAULT_AGE_TARGET });
const evalOf = (c: Card, slot: number) =>
  world.evaluate({ slot, params: selectionParams(c, VVTV_SELECTION_BATCH_SIZE), seeding: { strategy: 'slot_hash' }, driftHours: 0 });

const variance = (xs: number[]) => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1);
};
const correlation = (a: number[], b: number[]) => {
  const ma = a.reduce((s, x) => s + x, 0) / a.length;
  const mb = b.reduce((s, x) => s + x, 0) / b.length;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  a.forEach((x, i) => {
    sab += (x - ma) * (b[i]! - mb);
    saa += (x - ma) ** 2;
    sbb += (b[i]! - mb) ** 2;
  });
  return sab / Math.sqrt(saa * sbb);
};

const live = card();
const base = Array.from({ length: slots }, (_, s) => evalOf(live, s));
const split = Object.fromEntries(
  (Object.keys(NOISE_SCALE) as Kpi[]).map((k) => {
    const between = variance(base.map((e) => e.values[k]));
    const noiseVar = (noise * NOISE_SCALE[k]) ** 2;
    return [
      k,
      {
        betweenSd: round(Math.sqrt(between), 5),
        noiseSd: round(noise * NOISE_SCALE[k], 5),
        betweenShare: round(between / (between + noiseVar), 4),
      },
    ];
  }),
);

const steps: Record<string, Card> = {
  'temperature 0.5→0.55': card({ temperature: 0.55 }),
  'temperature 0.5→0.6 (the configured step)': card({ temperature: 0.6 }),
  'plan_selection_bias 0→0.05 (the configured step)': card({ plan_selection_bias: 0.05 }),
  'epsilon 0.04→0.06': card({ epsilon: 0.06 }),
  'top_k 8→9 (the configured step)': card({ top_k: 9 }),
};
const triggers = Object.fromEntries(
  Object.entries(steps).map(([name, c]) => {
    const trig: number[] = [];
    const cand = Array.from({ length: slots }, (_, s) => evalOf(c, s));
    cand.forEach((e, s) => {
      const a = base[s]!.order.map((x) => x.plan_id).join();
      if (e.order.map((x) => x.plan_id).join() !== a) trig.push(s);
    });
    const rho = Object.fromEntries(
      (Object.keys(NOISE_SCALE) as Kpi[]).map((k) => [
        k,
        trig.length > 2
          ? round(
              correlation(
                trig.map((s) => base[s]!.values[k]),
                trig.map((s) => cand[s]!.values[k]),
              ),
              4,
            )
          : null,
      ]),
    );
    const sdRatio = Object.fromEntries(
      (Object.keys(NOISE_SCALE) as Kpi[]).map((k) => [
        k,
        trig.length > 2
          ? round(Math.sqrt(variance(trig.map((s) => cand[s]!.values[k])) / variance(trig.map((s) => base[s]!.values[k]))), 4)
          : null,
      ]),
    );
    return [name, { triggerRate: round(trig.length / slots, 4), triggeredCorrelation: rho, sdRatio }];
  }),
);

process.stdout.write(
  `${JSON.stringify({ slots, seed, noise, card: 'example card (T 0.5, top_k 8, eps 0.04)', split, triggers }, null, 2)}\n`,
);
