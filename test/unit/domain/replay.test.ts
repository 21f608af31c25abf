import { createRng, referenceSelectionEngine, selectPlans, type Candidate } from '../../../src/adapters/selection';
import {
  inclusionProbabilities,
  plackettLuceExpectation,
  plackettLuceRanks,
  prepareReplay,
  type RankCache,
  replaySlots,
  SlotRecordSchema,
  type ReplayParams,
  type SlotRecord,
} from '../../../src/domain/replay';
import { candidate, hoursAgo, NOW } from '../selection/fixtures';

const KINDS = ['news', 'film', 'music', 'sport', 'kids'];

/** n candidates with seeded scores, kinds and ages (slot `slot`). */
function candidates(n: number, slot: number): Candidate[] {
  const rng = createRng(`cands:${slot}`);
  return Array.from({ length: n }, (_, i) =>
    candidate(`s${slot}p${String(i).padStart(2, '0')}`, {
      kind: KINDS[Math.floor(rng.next() * KINDS.length)],
      curation_score: rng.next(),
      trending_score: rng.next(),
      engagement_score: rng.next(),
      created_at: hoursAgo(rng.next() * 60),
    }),
  );
}

const logging: ReplayParams = { method: 'gumbel_top_k', temperature: 0.5, top_k: 4, plan_selection_bias: 0, epsilon: 0.1 };

/** The viewers' mean reward of a plan (the synthetic truth): its engagement score. */
const reward = (c: Candidate): number => 0.2 + c.engagement_score;

function record(slot: number, params: ReplayParams, cands: Candidate[], noise = 0): SlotRecord {
  const seed = `main:${slot}`;
  const { order } = selectPlans(cands, params, { seed, now: NOW });
  const byId = new Map(cands.map((c) => [c.plan_id, c]));
  const rng = createRng(`reward:${slot}`);
  return SlotRecordSchema.parse({
    v: 1,
    channel: 'main',
    slot,
    at: NOW.toISOString(),
    card_sha: 'sha-live',
    group: null,
    params,
    seed,
    now: NOW.toISOString(),
    candidates: cands,
    chosen: order,
    kpis: {},
    rewards: order.map((id) => reward(byId.get(id)!) + noise * (rng.next() - 0.5)),
  });
}

const scored = (cands: Candidate[], p: ReplayParams) =>
  Object.entries(selectPlans(cands, p, { seed: 'x', now: NOW }).scores).map(([id, score]) => ({ id, score }));

describe('offline replay (issue 12): exact selection KPIs on logged slots', () => {
  const records = Array.from({ length: 40 }, (_, s) =>
    record(s, { ...logging, method: (['gumbel_top_k', 'softmax', 'greedy', 'epsilon_greedy'] as const)[s % 4] }, candidates(15, s)),
  );

  it('replaying each slot with its logged card reproduces the logged selection exactly', () => {
    const prepared = prepareReplay(records, referenceSelectionEngine);
    expect(prepared.mismatched).toBe(0);
    expect(prepared.slots).toBe(40);
    for (const r of records) {
      const again = referenceSelectionEngine.select(r.candidates, r.params, { seed: r.seed, now: new Date(r.now) });
      expect(again.order).toEqual(r.chosen);
    }
    const gumbel = records.filter((r) => r.params.method === 'gumbel_top_k');
    const same = replaySlots(gumbel, logging, referenceSelectionEngine);
    expect(same.changed).toBe(0);
    expect(same.kpis.selection_entropy!.relDiff).toBe(0);
    expect(same.kpis.novelty_temporal_kld!.relDiff).toBe(0);
    expect(same.kpis.engagement_proxy!.relDiff).toBeCloseTo(0, 12);
  });

  it('leaves out (and counts) a slot whose logged order the engine does not reproduce', () => {
    const tampered = { ...records[0]!, chosen: [...records[0]!.chosen].reverse() };
    const prepared = prepareReplay([tampered, ...records.slice(1)], referenceSelectionEngine);
    expect(prepared.mismatched).toBe(1);
    expect(prepared.slots).toBe(39);
  });

  it('predicts the entropy change of a larger top_k from the re-run selections', () => {
    const gumbel = records.filter((r) => r.params.method === 'gumbel_top_k');
    const wider = replaySlots(gumbel, { ...logging, top_k: 7 }, referenceSelectionEngine);
    expect(wider.changed).toBe(gumbel.length);
    expect(wider.kpis.selection_entropy!.relDiff).toBeGreaterThan(0.1);
    expect(wider.kpis.selection_entropy!.relSe).toBeGreaterThan(0);
  });

  it('says how two candidates replayed on the same slots share their error: covariance(a, a) = relSe², +1 and +2 correlated', () => {
    const gumbel = records.filter((r) => r.params.method === 'gumbel_top_k');
    const prepared = prepareReplay(gumbel, referenceSelectionEngine);
    const [six, seven, warmer] = [
      { ...logging, top_k: 6 },
      { ...logging, top_k: 7 },
      { ...logging, temperature: logging.temperature + 0.3 },
    ].map((p) => prepared.evaluate(p).kpis);
    for (const k of ['selection_entropy', 'engagement_proxy'] as const) {
      const a = six![k]!;
      const b = seven![k]!;
      expect(prepared.covariance(a, a)).toBeCloseTo(a.relSe * a.relSe, 12);
      const corr = prepared.covariance(a, b) / (a.relSe * b.relSe);
      expect(corr).toBeGreaterThan(0.3);
      expect(corr).toBeLessThanOrEqual(1 + 1e-9);
    }
    // Different estimators of one KPI have no covariance on record.
    const ips = { ...warmer!.selection_entropy!, method: 'ips' as const };
    expect(prepared.covariance(six!.selection_entropy!, ips)).toBeNaN();
  });

  it('refuses a record whose chosen plan is not a candidate, naming the field', () => {
    const bad = { ...records[0]!, chosen: ['nope'] };
    expect(() => SlotRecordSchema.parse({ ...bad, rewards: [1] })).toThrow(/chosen/);
  });
});

describe('exact Gumbel-top-k inclusion probabilities', () => {
  function permutations(a: number[]): number[][] {
    if (a.length <= 1) return [a];
    return a.flatMap((x, i) => permutations([...a.slice(0, i), ...a.slice(i + 1)]).map((p) => [x, ...p]));
  }

  it('match exhaustive enumeration of Plackett–Luce rankings (ε = 0)', () => {
    const logits = [2.5, -3, 0.1, 1.2, -8, 0.5];
    const w = logits.map(Math.exp);
    const k = 2;
    const exact = new Array<number>(logits.length).fill(0);
    for (const perm of permutations(logits.map((_, i) => i))) {
      let p = 1;
      let rest = w.reduce((a, b) => a + b, 0);
      for (const i of perm) {
        p *= w[i]! / rest;
        rest -= w[i]!;
      }
      for (const i of perm.slice(0, k)) exact[i]! += p;
    }
    const topK = Float64Array.from(logits, (_, r) => (r < k ? 1 : 0));
    const got = plackettLuceExpectation(
      logits,
      logits.map((_, i) => i),
      topK,
    );
    got.forEach((g, i) => expect(Math.abs(g - exact[i]!)).toBeLessThan(1e-9));
  });

  it.each([
    ['gumbel_top_k', 0],
    ['gumbel_top_k', 0.2],
    ['softmax', 0.1],
    ['epsilon_greedy', 0.3],
    ['greedy', 0],
  ] as const)('sum to k for %s with ε = %s (40 candidates)', (method, epsilon) => {
    const cands = candidates(40, 7);
    const p: ReplayParams = { method, temperature: 0.3, top_k: 9, plan_selection_bias: 0.1, epsilon };
    const plans = scored(cands, p);
    const probs = inclusionProbabilities(
      plans,
      p,
      plans.map((x) => x.id),
    );
    expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(9, 7);
    for (const x of probs) expect(x).toBeGreaterThanOrEqual(0);
  });

  it('rank distributions: each target has one rank, each rank one plan', () => {
    const logits = Array.from({ length: 30 }, (_, i) => Math.sin(i * 1.7) * 4);
    const all = logits.map((_, i) => i);
    const ranks = plackettLuceRanks(logits, all);
    for (const row of ranks) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    for (let r = 0; r < logits.length; r++) expect(ranks.reduce((a, row) => a + row[r]!, 0)).toBeCloseTo(1, 9);
    // The highest logit is most likely first; the lowest most likely last.
    const best = logits.indexOf(Math.max(...logits));
    const worst = logits.indexOf(Math.min(...logits));
    expect(ranks[best]![0]!).toBeGreaterThan(Math.max(...ranks.filter((_, i) => i !== best).map((row) => row[0]!)));
    expect(ranks[worst]![29]!).toBeGreaterThan(Math.max(...ranks.filter((_, i) => i !== worst).map((row) => row[29]!)));
  });

  it('a slot’s rank cache gives the uncached probabilities, and cards differing only in top_k or ε share an entry', () => {
    const cands = candidates(60, 12);
    const base: ReplayParams = { method: 'gumbel_top_k', temperature: 0.4, top_k: 8, plan_selection_bias: 0.05, epsilon: 0.04 };
    const ids = scored(cands, base)
      .slice(0, 12)
      .map((x) => x.id);
    const cache: RankCache = new Map();
    const cards: ReplayParams[] = [
      base,
      { ...base, top_k: 9 },
      { ...base, top_k: 10, epsilon: 0.06 },
      { ...base, epsilon: 0.02 },
      { ...base, temperature: 0.5 },
      { ...base, plan_selection_bias: 0 },
    ];
    for (const p of cards) {
      const cached = inclusionProbabilities(scored(cands, p), p, ids, cache);
      const fresh = inclusionProbabilities(scored(cands, p), p, ids);
      cached.forEach((x, i) => expect(x).toBe(fresh[i]));
    }
    // base, top_k and ε moves share one entry; the temperature and the bias each make their own.
    expect(cache.size).toBe(3);
    // A different top_k gives different probabilities from the shared entry.
    const k8 = inclusionProbabilities(scored(cands, base), base, ids, cache);
    const k10 = inclusionProbabilities(scored(cands, cards[2]!), cards[2]!, ids, cache);
    expect(k10.reduce((a, b) => a + b, 0)).toBeGreaterThan(k8.reduce((a, b) => a + b, 0));
  });

  it.each([
    ['gumbel_top_k', 0.15],
    ['softmax', 0.15],
    ['epsilon_greedy', 0.4],
  ] as const)('match Monte Carlo of the selection itself for %s (6 candidates, k = 3)', (method, epsilon) => {
    const cands = candidates(6, 3);
    const p: ReplayParams = { method, temperature: 0.25, top_k: 3, plan_selection_bias: 0, epsilon };
    const ids = cands.map((c) => c.plan_id);
    const exact = inclusionProbabilities(scored(cands, p), p, ids);
    const runs = 20_000;
    const counts = new Map(ids.map((id) => [id, 0]));
    for (let i = 0; i < runs; i++)
      for (const id of selectPlans(cands, p, { seed: `mc:${i}`, now: NOW }).order) counts.set(id, counts.get(id)! + 1);
    ids.forEach((id, i) => {
      const pHat = counts.get(id)! / runs;
      const se = Math.sqrt((exact[i]! * (1 - exact[i]!)) / runs) + 1e-9;
      expect(Math.abs(pHat - exact[i]!)).toBeLessThan(4 * se + 1e-4);
    });
  });
});

describe('importance-weighted viewer KPI', () => {
  const cands = candidates(6, 11);
  const byId = new Map(cands.map((c) => [c.plan_id, c]));
  const small: ReplayParams = { ...logging, top_k: 2, epsilon: 0.05 };
  const target: ReplayParams = { ...small, temperature: 0.3, plan_selection_bias: 0.15 };

  it('item-level IPS is unbiased for the candidate card’s expected reward per slot (small synthetic case)', () => {
    const ids = cands.map((c) => c.plan_id);
    const pLog = inclusionProbabilities(scored(cands, small), small, ids);
    const pCand = inclusionProbabilities(scored(cands, target), target, ids);
    // The truth: E_candidate[Σ_{i on air} r_i] = Σ_i P_candidate(i) r_i, checked by running the candidate itself.
    const truth = ids.reduce((a, id, i) => a + pCand[i]! * reward(byId.get(id)!), 0);
    const runs = 20_000;
    let direct = 0;
    let ips = 0;
    let ips2 = 0;
    for (let s = 0; s < runs; s++) {
      for (const id of selectPlans(cands, target, { seed: `cand:${s}`, now: NOW }).order) direct += reward(byId.get(id)!) / runs;
      let v = 0;
      for (const id of selectPlans(cands, small, { seed: `log:${s}`, now: NOW }).order) {
        const i = ids.indexOf(id);
        v += (pCand[i]! / pLog[i]!) * reward(byId.get(id)!);
      }
      ips += v / runs;
      ips2 += (v * v) / runs;
    }
    const se = Math.sqrt((ips2 - ips * ips) / runs);
    expect(Math.abs(ips - truth)).toBeLessThan(4 * se);
    expect(Math.abs(direct - truth)).toBeLessThan(0.02 * truth);
  });

  it('self-normalised IPS covers the true relative effect; its effective sample size falls as the card moves away', () => {
    const records = Array.from({ length: 600 }, (_, s) => record(s, small, cands, 0.2));
    const ids = cands.map((c) => c.plan_id);
    const mean = (p: ReplayParams): number => {
      const probs = inclusionProbabilities(scored(cands, p), p, ids);
      return ids.reduce((a, id, i) => a + probs[i]! * reward(byId.get(id)!), 0) / p.top_k;
    };
    const prepared = prepareReplay(records, referenceSelectionEngine);
    const r = prepared.evaluate(target).kpis.engagement_proxy!;
    expect(prepared.covariance(r, r)).toBeCloseTo(r.relSe * r.relSe, 12);
    const truth = mean(target) / mean(small) - 1;
    expect(Math.abs(r.relDiff - truth)).toBeLessThan(3 * r.relSe);
    expect(r.relSe).toBeGreaterThan(0);

    const shares = [0.5, 0.4, 0.3, 0.2, 0.12].map((t) => prepared.evaluate({ ...small, temperature: t }).kpis.engagement_proxy!.essShare!);
    expect(shares[0]).toBeCloseTo(1, 9);
    for (let i = 1; i < shares.length; i++) expect(shares[i]!).toBeLessThan(shares[i - 1]!);
    expect(shares[shares.length - 1]!).toBeLessThan(0.8);
  });
});
