/**
 * Exact inclusion probabilities of the reference selection: P(plan i is among the k plans a slot
 * puts on air) under a card, for the importance weights of the offline replay.
 *
 * The selection (src/adapters/selection/select.ts) ranks the candidates, then fills k positions:
 * each position explores with probability ε (a uniformly chosen remaining plan) and otherwise
 * takes the best remaining plan of the ranking. Two facts make this exact and cheap:
 *
 * 1. Whatever the ranking, a pick depends only on positions: exploitation removes the highest
 *    remaining position, exploration a uniform remaining one. So the probability that the plan at
 *    rank r is picked, h(r; n, k, ε), is a small dynamic programme over (step, remaining
 *    positions above r) (`positionRemoval`). ε = 0 gives h(r) = [r ≤ k].
 * 2. The ranking is deterministic for greedy and epsilon_greedy (score descending, plan_id
 *    ascending). For gumbel_top_k it is Plackett–Luce in w = exp(score / temperature): the Gumbel
 *    keys are independent of the exploration draws, and removing a uniformly chosen item from a
 *    Plackett–Luce ranking leaves a Plackett–Luce ranking of the rest, so softmax sampling without
 *    replacement with the same ε has the same distribution and the same probabilities.
 *
 * So P(i) = Σ_r P(rank_i = r) · h(r). For Plackett–Luce, with u = e^{−x} for a key threshold x,
 * key_j > x with probability q_j(u) = 1 − e^{−w_j u} independently, and key_i has density
 * w_i e^{−w_i u} du, so
 *
 *     P(rank_i = r) = ∫_0^∞ w_i e^{−w_i u} · PB_{r−1}^{(−i)}(u) du,
 *
 * where PB^{(−i)}(u) is the Poisson-binomial distribution of how many other plans have q_j(u).
 * The integral is taken in s = ln u, where the integrand is smooth and decays exponentially to the
 * left and doubly exponentially to the right: the trapezoid rule is then spectrally accurate
 * (step 0.25; errors below 1e-7, checked against exhaustive enumeration of permutations and Monte
 * Carlo of the selection itself in test/unit/domain/replay.test.ts). PB over all n plans is one
 * O(n²) recursion per node (kept on the window of entries above 1e-20); each target is removed from
 * it by a stable deconvolution (forward when q_i ≤ 1/2, backward otherwise). Cost about
 * O(nodes · (n² + n·|targets|)) for a slot, about 1 ms for 60 candidates and 12 targets. The rank
 * distributions depend on the logits alone, so a slot keeps them (RankCache) for every card
 * replayed on it that differs only in top_k or ε: about 9 computations for the 35 moves of a day's
 * replay, which halved bench/decision-quality.ts's run time. (A step of 0.5 would halve the cost
 * again but errs by up to 4e-3 with 60 widely spread logits: not exact enough.)
 */
import type { ReplayParams } from './record';

const NODE_STEP = 0.25;
/** A target's integrand left of ln(LOWER_MASS / w) holds less than LOWER_MASS. */
const LOWER_MASS = 1e-11;
/** …and right of ln(UPPER_WU / w) less than e^{−UPPER_WU}·UPPER_WU. */
const UPPER_WU = 40;
/** Poisson-binomial entries below this are dropped (the window of the recursion). */
const TINY = 1e-20;

const cache = new Map<string, Float64Array>();

/** h(r) for r = 1..n (index r − 1): the probability that the plan at rank r is among the k picks. */
export function positionRemoval(n: number, k: number, epsilon: number): Float64Array {
  const key = `${n}:${k}:${epsilon}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const h = new Float64Array(n);
  const picks = Math.min(k, n);
  for (let r = 1; r <= n; r++) {
    // dist[a]: probability that r is still there with a positions above it remaining.
    let dist = new Float64Array(r);
    dist[r - 1] = 1;
    let removed = 0;
    for (let t = 0; t < picks; t++) {
      const m = n - t;
      const next = new Float64Array(r);
      for (let a = 0; a < r; a++) {
        const p = dist[a]!;
        if (p === 0) continue;
        // Exploitation: the highest remaining position goes.
        if (a > 0) next[a - 1]! += (1 - epsilon) * p;
        else removed += (1 - epsilon) * p;
        if (epsilon > 0) {
          removed += (epsilon * p) / m;
          if (a > 0) next[a - 1]! += (epsilon * p * a) / m;
          next[a]! += (epsilon * p * (m - 1 - a)) / m;
        }
      }
      dist = next;
    }
    h[r - 1] = Math.min(1, removed);
  }
  if (cache.size > 256) cache.clear();
  cache.set(key, h);
  return h;
}

/**
 * E[f(rank_i)] = Σ_r P(rank_i = r) · f(r) for each target index i under Plackett–Luce with these
 * logits (f indexed by rank − 1). With f = h this is the inclusion probability; with an indicator,
 * one rank's probability.
 */
export function plackettLuceExpectation(logits: readonly number[], targets: readonly number[], f: ArrayLike<number>): number[] {
  return expectations(plackettLuceRanks(logits, targets), f);
}

/** Σ_r ranks[r] · f[r] for each target's rank distribution. */
function expectations(ranks: readonly Float64Array[], f: ArrayLike<number>): number[] {
  return ranks.map((row) => {
    let e = 0;
    for (let r = 0; r < row.length; r++) e += row[r]! * f[r]!;
    return e;
  });
}

/**
 * P(rank_i = r) for r = 1..n (index r − 1) for each target index i under Plackett–Luce with these
 * logits. It depends on the logits alone, not on top_k or ε: cards that differ only there share it
 * (RankCache).
 */
export function plackettLuceRanks(logits: readonly number[], targets: readonly number[]): Float64Array[] {
  const n = logits.length;
  const out = targets.map(() => new Float64Array(n));
  if (n === 0) return out;
  if (n === 1) return out.map((x) => x.fill(1));
  const max = Math.max(...logits);
  const w = logits.map((l) => Math.exp(l - max));
  const tw = targets.map((i) => w[i]!);
  // Each target's own range of s = ln u: its integrand is below w·u on the left and w·u·e^{−w·u} on the right.
  const lo = tw.map((wi) => Math.log(LOWER_MASS / wi));
  const hi = tw.map((wi) => Math.log(UPPER_WU / wi));
  const sLo = Math.min(...lo);
  const sHi = Math.max(...hi);
  const nodes = Math.ceil((sHi - sLo) / NODE_STEP);
  const pb = new Float64Array(n + 1);
  const rest = new Float64Array(n);
  const q = new Float64Array(n);
  // 1 − q, computed directly: 1 − q loses digits when q is near 1.
  const qBar = new Float64Array(n);
  for (let node = 0; node <= nodes; node++) {
    const s = sLo + node * NODE_STEP;
    const u = Math.exp(s);
    // Poisson-binomial of "key above x" over all n plans, kept on the window [a, b] of entries above TINY.
    pb.fill(0);
    pb[0] = 1;
    let a = 0;
    let b = 0;
    for (let j = 0; j < n; j++) {
      const qj = -Math.expm1(-w[j]! * u);
      const qjBar = Math.exp(-w[j]! * u);
      q[j] = qj;
      qBar[j] = qjBar;
      b += 1;
      for (let c = b; c > a; c--) pb[c] = pb[c]! * qjBar + pb[c - 1]! * qj;
      pb[a] = pb[a]! * qjBar;
      while (b > a && pb[b]! < TINY) pb[b--] = 0;
      while (a < b && pb[a]! < TINY) pb[a++] = 0;
    }
    targets.forEach((i, t) => {
      if (s < lo[t]! || s > hi[t]!) return;
      const density = tw[t]! * u * qBar[i]! * NODE_STEP;
      const from = Math.max(0, a - 1);
      const to = Math.min(n - 1, b);
      removeOne(pb, q[i]!, qBar[i]!, rest, from, to);
      const ranks = out[t]!;
      for (let r = from; r <= to; r++) ranks[r]! += density * Math.max(0, rest[r]!);
    });
  }
  return out;
}

/**
 * The Poisson-binomial of the others (entries from..to) from the one of all n plans, removing one
 * with q (qBar = 1 − q): forward when q ≤ 1/2, backward otherwise, so errors never grow.
 */
function removeOne(pb: Float64Array, q: number, qBar: number, rest: Float64Array, from: number, to: number): void {
  if (q <= 0.5) {
    rest[from] = pb[from]! / qBar;
    for (let c = from + 1; c <= to; c++) rest[c] = (pb[c]! - q * rest[c - 1]!) / qBar;
  } else {
    rest[to] = pb[to + 1]! / q;
    for (let c = to; c > from; c--) rest[c - 1] = (pb[c]! - qBar * rest[c]!) / q;
  }
}

export interface ScoredPlan {
  id: string;
  score: number;
}

/**
 * Rank distributions already computed for one slot, keyed by the logits and targets: the replay
 * evaluates many cards on the same slot, and cards that differ only in top_k or ε (or not at all
 * in the scores) share them. Bounded: cleared past `RANK_CACHE_ENTRIES` entries.
 */
export type RankCache = Map<string, Float64Array[]>;
const RANK_CACHE_ENTRIES = 64;

/**
 * P(chosen) of each target plan (by id) under `params`, for a slot whose de-duplicated candidates
 * have these scores (the selection's `scores`). Targets not among the plans get 0. With `cache`
 * (one per slot), the Plackett–Luce rank distributions are reused across calls.
 */
export function inclusionProbabilities(
  plans: readonly ScoredPlan[],
  params: ReplayParams,
  targets: readonly string[],
  cache?: RankCache,
): number[] {
  const n = plans.length;
  const k = Math.max(0, Math.min(Math.floor(params.top_k), n));
  if (k === 0) return targets.map(() => 0);
  const index = new Map(plans.map((p, i) => [p.id, i]));
  const deterministic = params.method === 'greedy' || params.method === 'epsilon_greedy';
  const epsilon = params.method === 'greedy' ? 0 : params.epsilon;
  const h = positionRemoval(n, k, epsilon);
  if (deterministic) {
    const ranked = [...plans].sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const rank = new Map(ranked.map((p, r) => [p.id, r]));
    return targets.map((id) => (rank.has(id) ? h[rank.get(id)!]! : 0));
  }
  const present = targets.filter((id) => index.has(id));
  const logits = plans.map((p) => p.score / params.temperature);
  const at = present.map((id) => index.get(id)!);
  const key = cache ? `${logits.join(',')}|${at.join(',')}` : '';
  let ranks = cache?.get(key);
  if (!ranks) {
    ranks = plackettLuceRanks(logits, at);
    if (cache) {
      if (cache.size >= RANK_CACHE_ENTRIES) cache.clear();
      cache.set(key, ranks);
    }
  }
  const probs = expectations(ranks, h);
  const byId = new Map<string, number>();
  present.forEach((id, t) => byId.set(id, Math.min(1, Math.max(0, probs[t]!))));
  return targets.map((id) => byId.get(id) ?? 0);
}
