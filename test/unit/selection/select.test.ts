import { selectPlans, type Candidate } from '../../../src/adapters/selection';
import type { SelectionParams } from '../../../src/config/card';
import { candidate, entropyBits, ladder, NOW, params } from './fixtures';

const seeds = (n: number): string[] => Array.from({ length: n }, (_, i) => `main:${i}`);
const firstPicks = (cs: Candidate[], p: SelectionParams, n: number): string[] =>
  seeds(n).map((seed) => selectPlans(cs, p, { seed, now: NOW }).order[0]);

describe.each(['gumbel_top_k', 'softmax'] as const)('%s selection', (method) => {
  it('returns the same order for the same candidates, params, seed and time', () => {
    const p = params({ method, temperature: 1, epsilon: 0.1 });
    const a = selectPlans(ladder(), p, { seed: 'main:7', now: NOW });
    expect(selectPlans(ladder(), p, { seed: 'main:7', now: NOW })).toEqual(a);
  });

  it('does not depend on the order of the input', () => {
    const p = params({ method, temperature: 1, epsilon: 0.1 });
    const a = selectPlans(ladder(), p, { seed: 3, now: NOW });
    expect(selectPlans([...ladder()].reverse(), p, { seed: 3, now: NOW }).order).toEqual(a.order);
  });

  it('gives different orders for different seeds', () => {
    const p = params({ method, temperature: 1 });
    const orders = new Set(seeds(20).map((seed) => selectPlans(ladder(), p, { seed, now: NOW }).order.join(',')));
    expect(orders.size).toBeGreaterThan(15);
  });

  it('never returns more than top_k plans, nor duplicates even when the input repeats a plan_id', () => {
    const cs = [...ladder(), ...ladder()];
    for (const top_k of [1, 3, 12, 50]) {
      const { order } = selectPlans(cs, params({ method, top_k }), { seed: top_k, now: NOW });
      expect(order).toHaveLength(Math.min(top_k, 12));
      expect(new Set(order).size).toBe(order.length);
    }
  });

  it('returns an empty order for no candidates and the only plan for one', () => {
    expect(selectPlans([], params({ method }), { seed: 1, now: NOW })).toEqual({ order: [], scores: {} });
    expect(selectPlans([candidate('only')], params({ method }), { seed: 1, now: NOW }).order).toEqual(['only']);
  });

  it('matches the greedy order at a very low temperature', () => {
    const greedy = selectPlans(ladder(), params({ method: 'greedy' }), { seed: 0, now: NOW }).order;
    for (const seed of seeds(50)) {
      expect(selectPlans(ladder(), params({ method, temperature: 0.01 }), { seed, now: NOW }).order).toEqual(greedy);
    }
  });

  it('spreads the first pick across candidates at a high temperature (entropy over 400 seeds)', () => {
    const low = entropyBits(firstPicks(ladder(), params({ method, temperature: 0.05 }), 400));
    const high = entropyBits(firstPicks(ladder(), params({ method, temperature: 5 }), 400));
    expect(low).toBeLessThan(0.5);
    expect(high).toBeGreaterThan(3.3); // log2(12) = 3.58 for a uniform pick
  });

  it('explores uniformly with probability epsilon at each position', () => {
    const best = 'p00';
    const share = (epsilon: number): number =>
      firstPicks(ladder(), params({ method, temperature: 0.01, epsilon }), 2000).filter((id) => id !== best).length / 2000;
    expect(share(0)).toBe(0);
    // A not-best first pick needs exploration (ε) and a uniform draw off the best (11/12).
    expect(share(0.3)).toBeGreaterThan(0.3 * (11 / 12) - 0.04);
    expect(share(0.3)).toBeLessThan(0.3 * (11 / 12) + 0.04);
    expect(share(1)).toBeGreaterThan(0.85);
  });

  it('stays finite and well-formed at temperatures 0.01..5 with negative scores', () => {
    const cs = ladder().map((c, i) => ({ ...c, trending_score: -40 + i * 7, engagement_score: -3 * i }));
    for (const temperature of [0.01, 0.1, 1, 5]) {
      const { order, scores } = selectPlans(cs, params({ method, temperature, top_k: 12 }), { seed: 9, now: NOW });
      expect(order).toHaveLength(12);
      expect(Object.values(scores).every(Number.isFinite)).toBe(true);
    }
  });

  it('keeps a plan without HD out of first place when comparable plans exist', () => {
    // p00 is the best of twelve comparable plans by 0.05; without HD it loses 0.5.
    const cs = Array.from({ length: 12 }, (_, i) => candidate(`p${String(i).padStart(2, '0')}`, { curation_score: i === 0 ? 0.6 : 0.5 }));
    const missing = cs.map((c) => (c.plan_id === 'p00' ? { ...c, hd_missing: true } : c));
    const firstShare = (list: Candidate[], temperature: number): number =>
      firstPicks(list, params({ method, temperature }), 2000).filter((id) => id === 'p00').length / 2000;
    expect(firstShare(cs, 0.2)).toBeGreaterThan(1 / 12);
    // Theory: e^(-0.45/T) / (e^(-0.45/T) + 11): 0.010 at T = 0.2, 0.037 at T = 0.5.
    expect(firstShare(missing, 0.2)).toBeLessThan(0.02);
    expect(firstShare(missing, 0.5)).toBeLessThan(0.5 / 12);
  });
});

describe('greedy selection', () => {
  it('orders by score and breaks ties by plan_id ascending', () => {
    const cs = [
      candidate('b', { curation_score: 0.9 }),
      candidate('c', { curation_score: 0.2 }),
      candidate('a', { curation_score: 0.9 }),
      candidate('d', { curation_score: 0.5 }),
    ];
    expect(selectPlans(cs, params({ method: 'greedy', top_k: 3 }), { seed: 'ignored', now: NOW }).order).toEqual(['a', 'b', 'd']);
  });

  it('ignores the seed, the temperature and epsilon', () => {
    const a = selectPlans(ladder(), params({ method: 'greedy', temperature: 5, epsilon: 1 }), { seed: 1, now: NOW });
    const b = selectPlans(ladder(), params({ method: 'greedy', temperature: 0.1, epsilon: 0 }), { seed: 2, now: NOW });
    expect(a).toEqual(b);
  });

  it('reports the score of every candidate', () => {
    const { scores } = selectPlans(ladder(), params({ method: 'greedy', top_k: 2 }), { seed: 1, now: NOW });
    expect(Object.keys(scores)).toHaveLength(12);
    expect(scores.p00).toBeGreaterThan(scores.p11);
  });
});

describe('selection input checks', () => {
  it('rejects a non-positive temperature and an epsilon outside [0, 1] for sampling methods', () => {
    expect(() => selectPlans(ladder(), params({ temperature: 0 }), { seed: 1, now: NOW })).toThrow(/selection.temperature/);
    expect(() => selectPlans(ladder(), params({ method: 'softmax', epsilon: 2 }), { seed: 1, now: NOW })).toThrow(/exploration.epsilon/);
  });
});
