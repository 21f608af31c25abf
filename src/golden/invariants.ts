/**
 * The invariant checks (6.2), each formulated so that it holds for a *correct* engine at any
 * parameters inside the hard ranges. The reference selection has no diversity or freshness
 * constraint and its hd_missing penalty (0.5) is soft, so:
 *
 * - `hd_missing_not_first` is checked with the greedy method under the proposed bias and
 *   top_k: the penalised plan must lose the first slot whenever an unpenalised plan scores
 *   higher once the penalty is applied ("achievable"); otherwise the check is not applicable.
 * - `hd_missing_first_rate` runs the proposed (stochastic) parameters over many seeds and
 *   allows at most the reference probability of a penalised plan first (ε/n per hd plan from
 *   exploration plus its softmax share, exact for Gumbel-top-k and softmax) plus `z` binomial
 *   standard errors plus one: at temperature 2.0 a penalised plan is first fairly often, and that
 *   is right. With the default z = 5 a correct engine fails it with probability below 1e-5 (exact binomial
 *   tail, worst case over p, for 200 or 400 seeds).
 * - `diversity_floor` and `recency_floor` ask for what any engine that fills top_k slots without
 *   duplicates guarantees (pigeonhole), capped by the configured floor: k picks from kinds of at
 *   most m plans each span at least ⌈k/m⌉ kinds; with s stale plans at least k − s picks are fresh.
 */
import { scoreCandidate, selectPlans, type Candidate } from '../adapters/selection';
import type { SelectionParams } from '../config/card';
import { orderDiff, sameOrder } from './diff';
import type { Check, Order } from './model';

export interface CheckFailure {
  check: string;
  message: string;
  seed: string | number;
  params: SelectionParams;
  expected?: Order;
  actual?: Order;
  diff?: string[];
  details?: Record<string, unknown>;
}

/** What a check needs: the case data, the parameters it ran with and the engine's answers. */
export interface CheckContext {
  candidates: Candidate[];
  now: string;
  seed: string | number;
  params: SelectionParams;
  base: Order;
  /** Extra answers by slot name (see evaluate.ts). */
  get(slot: string): Order;
}

export type CheckVerdict = { ok: true } | { ok: false; failure: CheckFailure } | { ok: 'n/a'; reason: string };

const OK: CheckVerdict = { ok: true };

export function uniqueCandidates(candidates: Candidate[]): Candidate[] {
  const seen = new Set<string>();
  return candidates.filter((c) => (seen.has(c.plan_id) ? false : (seen.add(c.plan_id), true)));
}

export function expectedLength(candidates: Candidate[], topK: number): number {
  return Math.max(0, Math.min(Math.floor(topK), uniqueCandidates(candidates).length));
}

export function judgeCheck(check: Check, ctx: CheckContext): CheckVerdict {
  const fail = (message: string, extra: Partial<CheckFailure> = {}): CheckVerdict => ({
    ok: false,
    failure: { check: check.type, message, seed: ctx.seed, params: ctx.params, actual: ctx.base, ...extra },
  });
  const unique = uniqueCandidates(ctx.candidates);
  const k = expectedLength(ctx.candidates, ctx.params.top_k);

  switch (check.type) {
    case 'top_k':
      if (ctx.base.length > ctx.params.top_k) return fail(`returned ${ctx.base.length} plans; top_k is ${ctx.params.top_k}`);
      if (ctx.base.length !== k)
        return fail(`returned ${ctx.base.length} plans; expected ${k} (top_k ${ctx.params.top_k}, ${unique.length} distinct candidates)`);
      return OK;

    case 'no_duplicates': {
      const ids = new Set(unique.map((c) => c.plan_id));
      const seen = new Set<string>();
      const dups = ctx.base.filter((id) => (seen.has(id) ? true : (seen.add(id), false)));
      const unknown = ctx.base.filter((id) => !ids.has(id));
      if (dups.length || unknown.length) {
        return fail(`duplicates [${dups.join(', ')}], unknown plan_ids [${unknown.join(', ')}]`, {
          details: { duplicates: dups, unknown },
        });
      }
      return OK;
    }

    case 'deterministic':
      for (let r = 1; r < check.runs; r++) {
        const again = ctx.get(`repeat:${r}`);
        if (!sameOrder(ctx.base, again)) {
          return fail(`run ${r + 1} with the same seed gave another order`, {
            expected: ctx.base,
            actual: again,
            diff: orderDiff(ctx.base, again),
          });
        }
      }
      return OK;

    case 'input_order_independent':
      for (const slot of ['reversed', 'shuffled']) {
        const other = ctx.get(slot);
        if (!sameOrder(ctx.base, other)) {
          return fail(`${slot} candidate input gave another order`, {
            expected: ctx.base,
            actual: other,
            diff: orderDiff(ctx.base, other),
          });
        }
      }
      return OK;

    case 'hd_missing_not_first': {
      const scored = unique.map((c) => ({ c, s: scoreCandidate(c, ctx.params.plan_selection_bias, new Date(ctx.now)) }));
      const bestHd = Math.max(...scored.filter((x) => x.c.hd_missing).map((x) => x.s));
      const bestOk = Math.max(...scored.filter((x) => !x.c.hd_missing).map((x) => x.s));
      if (!(bestOk > bestHd)) return { ok: 'n/a', reason: 'no unpenalised plan outscores the best hd_missing plan' };
      const greedy = ctx.get('greedy');
      const first = unique.find((c) => c.plan_id === greedy[0]);
      if (!first || first.hd_missing) {
        return fail(`greedy first pick ${greedy[0] ?? '(none)'} is hd_missing (or missing) although an unpenalised plan scores higher`, {
          actual: greedy,
          params: { ...ctx.params, method: 'greedy' },
        });
      }
      return OK;
    }

    case 'hd_missing_first_rate': {
      const hd = new Set(unique.filter((c) => c.hd_missing).map((c) => c.plan_id));
      if (hd.size === 0 || hd.size === unique.length || k === 0) return { ok: 'n/a', reason: 'needs both hd_missing and complete plans' };
      const p = referenceHdFirstProbability(unique, ctx.params, ctx.now);
      let count = 0;
      for (let i = 0; i < check.seeds; i++) if (hd.has(ctx.get(`rate:${i}`)[0])) count++;
      const n = check.seeds;
      // +1: continuity slack, so a tiny reference probability does not turn one rare hit into a failure.
      const allowed = Math.ceil(n * p + check.z * Math.sqrt(n * p * (1 - p)) + 1);
      if (count > allowed) {
        return fail(
          `hd_missing first in ${count} of ${n} seeds; the penalty allows at most ${allowed} (reference probability ${p.toFixed(4)})`,
          {
            details: { count, seeds: n, allowed, referenceProbability: p },
          },
        );
      }
      return OK;
    }

    case 'diversity_floor': {
      const perKind = new Map<string, number>();
      for (const c of unique) perKind.set(c.kind, (perKind.get(c.kind) ?? 0) + 1);
      const sizes = [...perKind.values()].sort((a, b) => b - a);
      let guaranteed = 0;
      for (let covered = 0; covered < k; guaranteed++) covered += sizes[guaranteed];
      const floor = Math.min(check.min_kinds, guaranteed);
      const kindOf = new Map(unique.map((c) => [c.plan_id, c.kind]));
      const kinds = new Set(ctx.base.map((id) => kindOf.get(id)));
      if (kinds.size < floor)
        return fail(`${kinds.size} distinct kinds among the picks; the floor is ${floor}`, { details: { kinds: [...kinds], floor } });
      return OK;
    }

    case 'recency_floor': {
      const t = Date.parse(ctx.now);
      const fresh = new Set(unique.filter((c) => (t - Date.parse(c.created_at)) / 3_600_000 <= check.max_age_hours).map((c) => c.plan_id));
      const floor = Math.min(check.min_fresh, Math.max(0, k - (unique.length - fresh.size)));
      const got = ctx.base.filter((id) => fresh.has(id)).length;
      if (got < floor)
        return fail(`${got} picks younger than ${check.max_age_hours} h; the floor is ${floor}`, { details: { fresh: got, floor } });
      return OK;
    }

    case 'greedy_tie_break': {
      const greedyParams: SelectionParams = { ...ctx.params, method: 'greedy' };
      const want = selectPlans(ctx.candidates, greedyParams, { seed: ctx.seed, now: new Date(ctx.now) }).order;
      const got = ctx.get('greedy');
      if (!sameOrder(want, got)) {
        return fail('greedy order is not score-descending with ties broken by plan_id', {
          expected: want,
          actual: got,
          diff: orderDiff(want, got),
          params: greedyParams,
        });
      }
      return OK;
    }
  }
}

/** P(first pick is hd_missing) under the reference selection (exact for every method). */
export function referenceHdFirstProbability(unique: Candidate[], params: SelectionParams, now: string): number {
  const at = new Date(now);
  const scored = unique.map((c) => ({ hd: c.hd_missing, s: scoreCandidate(c, params.plan_selection_bias, at) }));
  if (params.method === 'greedy') {
    const ids = unique.map((c, i) => ({ id: c.plan_id, i }));
    ids.sort((a, b) => scored[b.i].s - scored[a.i].s || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return scored[ids[0].i].hd ? 1 : 0;
  }
  const logits = scored.map((x) => x.s / params.temperature);
  const max = Math.max(...logits);
  let total = 0;
  let hdWeight = 0;
  logits.forEach((l, i) => {
    const w = Math.exp(l - max);
    total += w;
    if (scored[i].hd) hdWeight += w;
  });
  const hdShare = scored.filter((x) => x.hd).length / scored.length;
  return params.epsilon * hdShare + (1 - params.epsilon) * (hdWeight / total);
}
