/**
 * The reference VVTV selection: which plans go on air in one slot, and in which order.
 *
 * Definition (the golden cases test it exactly):
 *
 * 1. Canonical input. Candidates are de-duplicated by `plan_id` (the first occurrence wins)
 *    and sorted by `plan_id` in code-unit order, so the result never depends on input order.
 * 2. Score. base = 0.5·curation + 0.3·engagement + 0.2·trending; recency
 *    r = clamp(1 − age_hours / 48, 0, 1) with age = opts.now − created_at (future items have
 *    r = 1); score = base + plan_selection_bias · r, minus 0.5 when `hd_missing`.
 *    `scores` in the result holds this score for every (de-duplicated) candidate.
 * 3. k = min(top_k, n). Randomness comes from one generator, `createRng(opts.seed)`.
 * 4. Methods, with logit = score / temperature:
 *    - `gumbel_top_k`: for each candidate in canonical order draw u and set
 *      key = logit − ln(−ln u); rank by key descending (ties: plan_id ascending). Then for each
 *      of the k positions draw e; if e < epsilon, draw v and take the remaining candidate at
 *      index ⌊v · remaining⌋ of the ranking (uniform exploration), else take the best remaining.
 *    - `softmax`: for each of the k positions draw e; if e < epsilon, draw v and take the
 *      remaining candidate at index ⌊v · remaining⌋ in canonical order; otherwise draw u and
 *      take the first remaining candidate (canonical order) whose cumulative weight
 *      exp(logit − max logit) exceeds u · total (sampling without replacement).
 *    - `greedy`: sort by score descending (ties: plan_id ascending) and take the first k;
 *      no randomness, temperature and epsilon are ignored.
 *    - `epsilon_greedy`: sort as `greedy`, then for each of the k positions draw e; if
 *      e < epsilon, draw v and take the remaining candidate at index ⌊v · remaining⌋ of that
 *      ranking, else the best remaining. Temperature is ignored. (VVTV's planner today plays every
 *      method but gumbel_top_k as `greedy`; this is the method its name promises.)
 *
 * Properties: deterministic for (candidates, params, seed, now); no duplicates; never more
 * than top_k items; an empty input gives an empty order. Subtracting the maximum logit keeps
 * softmax finite at any temperature; Gumbel keys are finite because u ∈ (0, 1).
 */
import type { SelectionParams } from '../../config/card';
import type { Candidate } from './candidate';
import { createRng, type Rng, type Seed } from './rng';

export interface SelectionOptions {
  seed: Seed;
  now: Date;
}

export interface SelectionResult {
  /** plan_ids in on-air order, at most top_k of them. */
  order: string[];
  /** The score of every candidate, by plan_id. */
  scores: Record<string, number>;
}

export const SCORE_WEIGHTS = { curation: 0.5, engagement: 0.3, trending: 0.2 } as const;
export const RECENCY_HORIZON_HOURS = 48;
export const HD_MISSING_PENALTY = 0.5;

const MS_PER_HOUR = 3_600_000;

/** Recency in [0, 1]: 1 for a brand-new (or future) plan, 0 from 48 hours of age on. */
export function recency(createdAt: string, now: Date): number {
  const ageHours = (now.getTime() - Date.parse(createdAt)) / MS_PER_HOUR;
  return Math.min(1, Math.max(0, 1 - ageHours / RECENCY_HORIZON_HOURS));
}

/** The score of one candidate (step 2 of the definition). */
export function scoreCandidate(c: Candidate, planSelectionBias: number, now: Date): number {
  const base =
    SCORE_WEIGHTS.curation * c.curation_score + SCORE_WEIGHTS.engagement * c.engagement_score + SCORE_WEIGHTS.trending * c.trending_score;
  const penalty = c.hd_missing ? HD_MISSING_PENALTY : 0;
  return base + planSelectionBias * recency(c.created_at, now) - penalty;
}

interface Scored {
  id: string;
  score: number;
  logit: number;
}

const byId = (a: Scored, b: Scored): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export function selectPlans(candidates: Candidate[], params: SelectionParams, opts: SelectionOptions): SelectionResult {
  const scored = canonicalScored(candidates, params, opts.now);
  const scores: Record<string, number> = {};
  for (const s of scored) scores[s.id] = s.score;
  const k = Math.max(0, Math.min(Math.floor(params.top_k), scored.length));
  if (k === 0) return { order: [], scores };

  let picked: Scored[];
  switch (params.method) {
    case 'greedy':
      picked = byScore(scored).slice(0, k);
      break;
    case 'gumbel_top_k':
      checkStochastic(params);
      picked = gumbelTopK(scored, k, params.epsilon, createRng(opts.seed));
      break;
    case 'epsilon_greedy':
      checkEpsilon(params);
      picked = walk(byScore(scored), k, params.epsilon, createRng(opts.seed), () => 0);
      break;
    case 'softmax':
      checkStochastic(params);
      picked = softmaxSequential(scored, k, params.epsilon, createRng(opts.seed));
      break;
    default:
      throw new RangeError(`selection.method: unknown method ${String((params as { method: unknown }).method)}`);
  }
  return { order: picked.map((s) => s.id), scores };
}

function canonicalScored(candidates: Candidate[], params: SelectionParams, now: Date): Scored[] {
  const seen = new Set<string>();
  const out: Scored[] = [];
  for (const c of candidates) {
    if (seen.has(c.plan_id)) continue;
    seen.add(c.plan_id);
    const score = scoreCandidate(c, params.plan_selection_bias, now);
    out.push({ id: c.plan_id, score, logit: score / params.temperature });
  }
  return out.sort(byId);
}

const byScore = (scored: Scored[]): Scored[] => [...scored].sort((a, b) => b.score - a.score || byId(a, b));

function checkStochastic(params: SelectionParams): void {
  if (!(params.temperature > 0) || !Number.isFinite(params.temperature)) {
    throw new RangeError(`selection.temperature: expected a finite number above 0, got ${params.temperature}`);
  }
  checkEpsilon(params);
}

function checkEpsilon(params: SelectionParams): void {
  if (!(params.epsilon >= 0 && params.epsilon <= 1)) {
    throw new RangeError(`exploration.epsilon: expected a number in [0, 1], got ${params.epsilon}`);
  }
}

/** Gumbel-top-k: perturb every logit once, rank, then walk the ranking with ε-exploration. */
function gumbelTopK(scored: Scored[], k: number, epsilon: number, rng: Rng): Scored[] {
  const keyed = scored.map((s) => ({ s, key: s.logit - Math.log(-Math.log(rng.next())) }));
  keyed.sort((a, b) => b.key - a.key || byId(a.s, b.s));
  const remaining = keyed.map((x) => x.s);
  return walk(remaining, k, epsilon, rng, () => 0);
}

/** Softmax sampling without replacement, one position at a time, with ε-exploration. */
function softmaxSequential(scored: Scored[], k: number, epsilon: number, rng: Rng): Scored[] {
  const remaining = [...scored];
  return walk(remaining, k, epsilon, rng, (rest) => {
    let max = -Infinity;
    for (const s of rest) max = Math.max(max, s.logit);
    const weights = rest.map((s) => Math.exp(s.logit - max));
    let total = 0;
    for (const w of weights) total += w;
    const target = rng.next() * total;
    let cum = 0;
    for (let i = 0; i < rest.length; i++) {
      cum += weights[i];
      if (target < cum) return i;
    }
    return rest.length - 1;
  });
}

/**
 * Fills k positions from `remaining`: each position draws e; below epsilon it explores
 * (uniform index), otherwise `exploit` chooses the index.
 */
function walk(remaining: Scored[], k: number, epsilon: number, rng: Rng, exploit: (rest: Scored[]) => number): Scored[] {
  const picked: Scored[] = [];
  while (picked.length < k) {
    const explore = rng.next() < epsilon;
    const index = explore ? Math.floor(rng.next() * remaining.length) : exploit(remaining);
    picked.push(remaining.splice(index, 1)[0]);
  }
  return picked;
}
