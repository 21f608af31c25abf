/**
 * Issue 12: the model's interaction terms, and joint moves scored as one unit. The data come from
 * known true functions, so the tests can say what the model should recover.
 */
import { validateChange } from '../../../src/domain/bounds';
import { fitModel, interaction, optimize, predict, type Experiment } from '../../../src/domain/optimizer';
import { compensates } from '../../../src/domain/optimizer/optimize';
import { CURRENT, FIT, input, KPIS, NOW, PARAMS } from './optimizer-fixtures';

const step = (name: string): number => PARAMS.find((p) => p.name === name)!.step;

/**
 * A ridge on engagement, per step of each parameter: temperature down alone +1 %, top_k up alone
 * −0.5 %, both together +1.5 % (interaction −1 % per step of each, about two prior sd: the two
 * pull the same way only together). plan_selection_bias costs a little either way; no other curvature.
 */
function truth(base: Record<string, number>, deltas: Record<string, number>): number {
  const y = (x: Record<string, number>): number => {
    const t = (x.temperature! - CURRENT.temperature) / step('temperature');
    const k = (x.top_k! - CURRENT.top_k) / step('top_k');
    const b = (x.plan_selection_bias! - CURRENT.plan_selection_bias) / step('plan_selection_bias');
    return -0.01 * t - 0.005 * k - 0.01 * t * k - 0.004 * b * b;
  };
  const after = { ...base };
  for (const [p, d] of Object.entries(deltas)) after[p] = after[p]! + d;
  return y(after) - y(base);
}

/** A deterministic ±1 sequence of small measurement errors (the canary's own noise), sd ≈ se. */
const noise = (i: number, se: number): number => se * Math.sin(12.9898 * (i + 1)) * 1.4;

function experiment(i: number, base: Record<string, number>, deltas: Record<string, number>, se = 0.005): Experiment {
  return {
    id: `e${i}`,
    at: new Date(Date.parse(NOW) - (i + 1) * 3_600_000).toISOString(),
    base,
    deltas,
    outcome: 'promoted',
    // The guardrails do not move (measured 0 ± se), so the canary forecast turns on engagement.
    effects: Object.fromEntries(
      KPIS.map((k, j) => [
        k.name,
        { relDiff: (k.name === 'engagement_proxy' ? truth(base, deltas) : 0) + noise(i + 7 * j, se), relSe: se },
      ]),
    ),
  };
}

/**
 * Moves around the current card, `repeats` times over (each measurement's 1 % misfit floor keeps
 * one design from pinning anything down): ±1 step of each parameter, and with `pairs` every
 * one-step pair of temperature and top_k (the replay's joint moves).
 */
function aroundCurrent(pairs: boolean, repeats = 8): Experiment[] {
  const moves: Record<string, number>[] = [];
  for (const p of ['temperature', 'top_k', 'plan_selection_bias']) for (const s of [1, -1]) moves.push({ [p]: s * step(p) });
  if (pairs)
    for (const a of [1, -1]) for (const b of [1, -1]) moves.push({ temperature: a * step('temperature'), top_k: b * step('top_k') });
  return Array.from({ length: repeats }, (_, r) => moves.map((d, i) => experiment(r * moves.length + i, CURRENT, d))).flat();
}

const RIDGE = { temperature: -step('temperature'), top_k: step('top_k') };

describe('model: interaction terms (issue 12)', () => {
  it('recovers the sign and size of an interaction from pair evidence, and predicts the joint move better than the additive model', () => {
    const data = aroundCurrent(true);
    const model = fitModel(PARAMS, KPIS, CURRENT, data, FIT);
    const d = interaction(model, 'temperature', 'top_k', 'engagement_proxy')!;
    const trueD = -0.01 / (step('temperature') * step('top_k'));
    expect(d.mean).toBeLessThan(0);
    expect(d.mean / d.sd).toBeLessThan(-3);
    expect(Math.abs(d.mean - trueD)).toBeLessThan(0.25 * Math.abs(trueD));
    // Symmetric in its arguments; unknown or equal names → null.
    expect(interaction(model, 'top_k', 'temperature', 'engagement_proxy')!.mean).toBeCloseTo(d.mean, 12);
    expect(interaction(model, 'top_k', 'top_k', 'engagement_proxy')).toBeNull();
    expect(interaction(model, 'top_k', 'nope', 'engagement_proxy')).toBeNull();

    const additive = fitModel(PARAMS, KPIS, CURRENT, data, { ...FIT, interactions: false });
    const want = truth(CURRENT, RIDGE); // +1.5 %
    const joint = predict(model, RIDGE).mean.engagement_proxy!;
    const old = predict(additive, RIDGE).mean.engagement_proxy!;
    expect(Math.abs(joint - want)).toBeLessThan(0.005);
    expect(Math.abs(old - want)).toBeGreaterThan(0.007); // the additive model misses most of the interaction's +1 %
    expect(Math.abs(joint - want)).toBeLessThan(Math.abs(old - want) / 3);
    // The pairs no longer bias the singles: temperature down alone is +1 %.
    expect(predict(model, { temperature: -step('temperature') }).mean.engagement_proxy).toBeCloseTo(0.01, 2);
  });

  it('carries a slope measured before another parameter moved to the current card (single moves from another card)', () => {
    // Past canaries of temperature alone, made when top_k was 2 lower and when it was what it is now;
    // the replay's pairs around the current card identify the interaction.
    const earlier = { ...CURRENT, top_k: CURRENT.top_k - 2 };
    const data = [
      ...[1, -1].flatMap((s, i) => [experiment(100 + i, earlier, { temperature: s * step('temperature') }, 0.003)]),
      ...aroundCurrent(true),
    ];
    const model = fitModel(PARAMS, KPIS, CURRENT, data, FIT);
    const additive = fitModel(PARAMS, KPIS, CURRENT, data, { ...FIT, interactions: false });
    const want = truth(CURRENT, { temperature: -step('temperature') });
    const now = predict(model, { temperature: -step('temperature') }).mean.engagement_proxy!;
    const old = predict(additive, { temperature: -step('temperature') }).mean.engagement_proxy!;
    expect(Math.abs(now - want)).toBeLessThan(Math.abs(old - want));
  });

  it('without pair evidence, predictions are the additive model’s (within 1e-3)', () => {
    const singles = aroundCurrent(false);
    // Past single-parameter canaries at the current card, of every parameter, with real-canary noise.
    const past = ['temperature', 'top_k', 'plan_selection_bias', 'epsilon'].flatMap((p, j) =>
      [1, -1, 2].map((s, i) => experiment(20 + 3 * j + i, CURRENT, { [p]: s * step(p) }, 0.015)),
    );
    for (const data of [singles, past, [...singles, ...past]]) {
      const model = fitModel(PARAMS, KPIS, CURRENT, data, FIT);
      const additive = fitModel(PARAMS, KPIS, CURRENT, data, { ...FIT, interactions: false });
      for (const p of PARAMS)
        for (const s of [1, -1, 2, -2]) {
          const a = predict(model, { [p.name]: s * p.step });
          const b = predict(additive, { [p.name]: s * p.step });
          for (const k of KPIS) {
            expect(Math.abs(a.mean[k.name]! - b.mean[k.name]!)).toBeLessThan(1e-3);
            expect(Math.abs(a.sd[k.name]! - b.sd[k.name]!)).toBeLessThan(1e-3);
          }
        }
      // A pair nobody tried: the same mean as the sum of its parts, with the interaction's prior uncertainty on top.
      const pair = predict(model, RIDGE);
      const sum = predict(additive, RIDGE);
      expect(Math.abs(pair.mean.engagement_proxy! - sum.mean.engagement_proxy!)).toBeLessThan(1e-3);
      expect(pair.sd.engagement_proxy!).toBeGreaterThan(sum.sd.engagement_proxy!);
    }
  });
});

describe('optimizer: joint moves scored as one unit (issue 12)', () => {
  // Real canaries of the ridge's moves at the current card: the model learns the interaction.
  const data = aroundCurrent(true);

  it('with max_changes_per_cycle 2, proposes temperature and top_k together along the ridge, impacts adding up to the joint one', () => {
    const r = optimize(input({ experiments: data, options: { maxChanges: 2 } }));
    // The ridge runs both ways (temperature down with top_k up, or up with top_k down: +1.5-2 %).
    expect(r.changes.map((c) => c.parameter)).toEqual(['temperature', 'top_k']);
    const [t, k] = r.changes.map((c) => c.newValue - c.oldValue) as [number, number];
    expect(Math.sign(t)).toBe(-Math.sign(k));
    const joint = r.candidates[0]!;
    expect(joint.moves.map((m) => [m.parameter, m.newValue])).toEqual(r.changes.map((c) => [c.parameter, c.newValue]));
    expect(joint.eligible).toBe(true);
    expect(Math.abs(joint.prediction.mean.engagement_proxy! - truth(CURRENT, { temperature: t, top_k: k }))).toBeLessThan(0.004);
    // Every single move scores below it: the unit is worth more than its parts.
    expect(Math.max(...r.candidates.filter((c) => c.moves.length === 1).map((c) => c.score))).toBeLessThan(joint.score);
    const sum = r.changes.reduce((a, c) => a + c.expectedImpact.engagement_proxy!, 0);
    expect(sum).toBeCloseTo(joint.prediction.mean.engagement_proxy!, 5);
    expect(sum).toBeGreaterThan(0.012);
    expect(r.changes.every((c) => c.prediction!.objectiveGain === r.changes[0]!.prediction!.objectiveGain)).toBe(true);
    expect(r.changes[0]!.rationale).toMatch(/together with top_k 8 → \d+ \(scored as one move\)/);
    // Each part is inside its own bounds and daily delta, as a single move must be.
    for (const c of r.changes) {
      const p = PARAMS.find((x) => x.name === c.parameter)!;
      const b = input().bounds.find((x) => x.parameter === c.parameter)!;
      expect(validateChange(c, p, b, { referenceValue: CURRENT[c.parameter as keyof typeof CURRENT] }).rejections).toEqual([]);
    }
  });

  it('with max_changes_per_cycle 1, no joint candidate (the config default)', () => {
    const r = optimize(input({ experiments: data, options: { maxChanges: 1 } }));
    expect(r.candidates.length).toBeGreaterThan(0);
    expect(r.candidates.every((c) => c.moves.length === 1 && !c.parameter.includes('+'))).toBe(true);
    expect(r.changes.length).toBeLessThanOrEqual(1);
  });

  it('a single move that beats every pair containing it is proposed alone, even with room for two', () => {
    // No interaction: temperature down is worth +2 %, every other move costs.
    const flat = aroundCurrent(false)
      .filter((e) => e.deltas.temperature !== undefined || e.deltas.top_k !== undefined)
      .map((e) => ({
        ...e,
        effects: {
          ...e.effects,
          engagement_proxy: { relDiff: -0.2 * (e.deltas.temperature ?? 0) - 0.005 * Math.abs(e.deltas.top_k ?? 0), relSe: 0.003 },
        },
      }));
    const r = optimize(input({ experiments: flat, options: { maxChanges: 2 } }));
    expect(r.changes.map((c) => c.parameter)).toEqual(['temperature']);
  });
});

describe('optimizer: joint moves along a ridge only (jointMoves: compensating)', () => {
  // The ridge's data, and the slate's variety: temperature and top_k both raise selection_entropy
  // (+4 % and +3 % a step), so the ridge pair keeps it and the pair of both up pushes it twice.
  const entropy = (d: Record<string, number>): number =>
    (0.04 * (d.temperature ?? 0)) / step('temperature') + (0.03 * (d.top_k ?? 0)) / step('top_k');
  const data = aroundCurrent(true).map((e) => ({
    ...e,
    effects: { ...e.effects, selection_entropy: { relDiff: entropy(e.deltas), relSe: 0.005 } },
  }));

  it('keeps the pairs whose parts pull a guardrail opposite ways, drops those that push it twice', () => {
    const all = optimize(input({ experiments: data, options: { maxChanges: 2 } }));
    const ridge = optimize(input({ experiments: data, options: { maxChanges: 2, jointMoves: 'compensating' } }));
    const pairs = (r: typeof all, p: string) => r.candidates.filter((c) => c.parameter === p);
    const signs = (c: (typeof all.candidates)[number]) => c.moves.map((m) => Math.sign(m.newValue - m.oldValue));
    // Both ways: temperature and top_k up together is a candidate of 'all' and not of the ridge.
    const bothUp = (c: (typeof all.candidates)[number]) => signs(c).every((s) => s > 0);
    expect(pairs(all, 'temperature+top_k').some(bothUp)).toBe(true);
    expect(pairs(ridge, 'temperature+top_k').some(bothUp)).toBe(false);
    expect(pairs(ridge, 'temperature+top_k').length).toBeGreaterThan(0);
    for (const c of pairs(ridge, 'temperature+top_k')) {
      expect(signs(c)[0]).toBe(-signs(c)[1]!);
      expect(Math.abs(c.prediction.mean.selection_entropy!)).toBeLessThan(
        Math.max(...c.moves.map((m) => Math.abs(entropy({ [m.parameter]: m.newValue - m.oldValue })))),
      );
    }
    // Singles are untouched, and the ridge pair is still what is proposed.
    expect(ridge.candidates.filter((c) => c.moves.length === 1)).toHaveLength(all.candidates.filter((c) => c.moves.length === 1).length);
    expect(ridge.changes.map((c) => c.parameter)).toEqual(['temperature', 'top_k']);
  });

  it('compensates(): opposite pulls on a guardrail that partly cancel; the primary does not count', () => {
    const pred = (mean: Record<string, number>) => ({ prediction: { mean, sd: {}, evidence: 1 } });
    const joint = (mean: Record<string, number>) => ({ mean, sd: {}, evidence: 1 });
    const parts = [pred({ selection_entropy: 0.04, engagement_proxy: 0.01 }), pred({ selection_entropy: -0.03, engagement_proxy: -0.01 })];
    expect(compensates(KPIS, parts, joint({ selection_entropy: 0.01 }))).toBe(true);
    // Opposite pulls that do not cancel (the interaction swamps them) are no ridge.
    expect(compensates(KPIS, parts, joint({ selection_entropy: 0.05 }))).toBe(false);
    // Compensating on one guardrail while pushing another twice the way its goal calls worse
    // (novelty_temporal_kld is minimized: up twice): no ridge.
    const twice = [
      pred({ selection_entropy: 0.04, novelty_temporal_kld: 0.02 }),
      pred({ selection_entropy: -0.03, novelty_temporal_kld: 0.03 }),
    ];
    expect(compensates(KPIS, twice, joint({ selection_entropy: 0.01, novelty_temporal_kld: 0.05 }))).toBe(false);
    // Improving it twice (down twice) does not count against the ridge: temperature down with
    // top_k up lowers the novelty KLD with both parts.
    const better = [
      pred({ selection_entropy: 0.04, novelty_temporal_kld: -0.02 }),
      pred({ selection_entropy: -0.03, novelty_temporal_kld: -0.03 }),
    ];
    expect(compensates(KPIS, better, joint({ selection_entropy: 0.01, novelty_temporal_kld: -0.05 }))).toBe(true);
    // Entropy is maximized but has a band with a top: up twice is toward its far edge, even when
    // the parts compensate on novelty.
    const bandTop = [
      pred({ selection_entropy: 0.04, novelty_temporal_kld: 0.02 }),
      pred({ selection_entropy: 0.03, novelty_temporal_kld: -0.03 }),
    ];
    expect(compensates(KPIS, bandTop, joint({ selection_entropy: 0.07, novelty_temporal_kld: -0.01 }))).toBe(false);
    // A pull whose direction the model does not know (sd above its mean) is no pull.
    const unsure = [
      pred({ selection_entropy: 0.04 }),
      { prediction: { mean: { selection_entropy: -0.01 }, sd: { selection_entropy: 0.02 }, evidence: 1 } },
    ];
    expect(compensates(KPIS, unsure, joint({ selection_entropy: 0.03 }))).toBe(false);
    // Opposite only on the primary: no.
    const primaryOnly = [
      pred({ selection_entropy: 0.04, engagement_proxy: 0.01 }),
      pred({ selection_entropy: 0.03, engagement_proxy: -0.01 }),
    ];
    expect(compensates(KPIS, primaryOnly, joint({ selection_entropy: 0.07, engagement_proxy: 0 }))).toBe(false);
  });
});
