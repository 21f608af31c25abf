import fc from 'fast-check';
import { holm } from '../../../src/domain/statistics';

/**
 * Known answers from Holm's definition (Holm 1979, "A simple sequentially rejective multiple
 * test procedure"): sort p ascending, p̃_(i) = max_{j ≤ i} min(1, (m - j + 1) p_(j)); these
 * are also what R's p.adjust(p, "holm") returns.
 */
describe('holm (3.3: multiple KPIs are corrected)', () => {
  it('adjusts a sorted vector: 5·0.01, 4·0.02, then the running maximum 0.09', () => {
    const got = holm([0.01, 0.02, 0.03, 0.04, 0.05]);
    [0.05, 0.08, 0.09, 0.09, 0.09].forEach((want, i) => expect(got[i]).toBeCloseTo(want, 12));
  });

  it('returns the adjusted values in input order', () => {
    const got = holm([0.04, 0.001, 0.3]);
    [0.08, 0.003, 0.3].forEach((want, i) => expect(got[i]).toBeCloseTo(want, 12));
  });

  it('caps at 1 and treats non-finite p as 1', () => {
    expect(holm([0.5, 0.6])).toEqual([1, 1]);
    expect(holm([NaN, 0.01])).toEqual([1, 0.02]);
    expect(holm([])).toEqual([]);
    expect(holm([0.03])).toEqual([0.03]);
  });

  it('never lowers a p-value, never exceeds 1, and keeps the order of the raw p-values', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 12 }), (ps) => {
        const adj = holm(ps);
        ps.forEach((p, i) => {
          expect(adj[i]).toBeGreaterThanOrEqual(p);
          expect(adj[i]).toBeLessThanOrEqual(1);
        });
        for (let i = 0; i < ps.length; i++) {
          for (let j = 0; j < ps.length; j++) if (ps[i]! < ps[j]!) expect(adj[i]).toBeLessThanOrEqual(adj[j]!);
        }
      }),
    );
  });

  it('is never more conservative than Bonferroni', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 12 }), (ps) => {
        holm(ps).forEach((a, i) => expect(a).toBeLessThanOrEqual(Math.min(1, ps.length * ps[i]!) + 1e-15));
      }),
    );
  });
});
