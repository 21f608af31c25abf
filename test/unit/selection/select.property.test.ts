import fc from 'fast-check';
import { selectPlans, type Candidate } from '../../../src/adapters/selection';
import type { SelectionParams } from '../../../src/config/card';
import { NOW } from './fixtures';

const candidateArb: fc.Arbitrary<Candidate> = fc.record({
  plan_id: fc.string({ minLength: 1, maxLength: 4 }),
  kind: fc.constantFrom('news', 'film', 'music', 'sport'),
  curation_score: fc.double({ min: 0, max: 1, noNaN: true }),
  trending_score: fc.double({ min: -100, max: 100, noNaN: true }),
  engagement_score: fc.double({ min: -10, max: 10, noNaN: true }),
  duration_est_s: fc.integer({ min: 1, max: 10_000 }),
  tags: fc.array(fc.string(), { maxLength: 3 }),
  hd_missing: fc.boolean(),
  created_at: fc.integer({ min: -200, max: 10 }).map((h) => new Date(NOW.getTime() + h * 3_600_000).toISOString()),
});

const paramsArb: fc.Arbitrary<SelectionParams> = fc.record({
  method: fc.constantFrom('gumbel_top_k', 'softmax', 'greedy'),
  temperature: fc.double({ min: 0.01, max: 5, noNaN: true }),
  top_k: fc.integer({ min: 1, max: 30 }),
  plan_selection_bias: fc.double({ min: -1, max: 1, noNaN: true }),
  epsilon: fc.double({ min: 0, max: 1, noNaN: true }),
});

const seedArb = fc.oneof(fc.string(), fc.integer());

describe('selection properties (fast-check)', () => {
  it('returns min(top_k, distinct plans) plans, without duplicates, all from the input', () => {
    fc.assert(
      fc.property(fc.array(candidateArb, { maxLength: 40 }), paramsArb, seedArb, (cs, p, seed) => {
        const { order } = selectPlans(cs, p, { seed, now: NOW });
        const ids = new Set(cs.map((c) => c.plan_id));
        expect(order).toHaveLength(Math.min(p.top_k, ids.size));
        expect(new Set(order).size).toBe(order.length);
        expect(order.every((id) => ids.has(id))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('is deterministic for a seed and finite for every score', () => {
    fc.assert(
      fc.property(fc.array(candidateArb, { maxLength: 40 }), paramsArb, seedArb, (cs, p, seed) => {
        const a = selectPlans(cs, p, { seed, now: NOW });
        expect(selectPlans(cs, p, { seed, now: NOW })).toEqual(a);
        expect(Object.values(a.scores).every(Number.isFinite)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
