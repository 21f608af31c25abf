import fc from 'fast-check';
import { crossingProbability } from '../../../src/domain/canary';

describe('crossingProbability: what the interim confidence sequence really spends', () => {
  /**
   * Known answers from a seeded Monte Carlo (20 000 Brownian paths, 3 000 steps from I = 24 to
   * 576, tau = 0.15): one-sided crossing 0.0121 (alpha 0.05), 0.00545 (0.025), 0.0019 (0.01).
   * The grid computation monitors continuously, so it may only be at or a little above them.
   */
  it.each([
    [0.05, 0.0121],
    [0.025, 0.00545],
    [0.01, 0.0019],
  ])('matches a seeded Monte Carlo at alpha %p', (alpha, mc) => {
    const p = crossingProbability({ i0: 24, i1: 576, tau: 0.15, alpha });
    expect(p).toBeGreaterThan(mc * 0.95);
    expect(p).toBeLessThan(mc * 1.1);
  });

  it("is far below Ville's bound over a finite canary, and never above the nominal one-sided level", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 2, max: 200, noNaN: true }),
        fc.double({ min: 1.5, max: 300, noNaN: true }),
        fc.double({ min: 0.001, max: 0.1, noNaN: true }),
        (i0, ratio, alpha) => {
          const p = crossingProbability({ i0, i1: i0 * ratio, tau: 0.15, alpha });
          expect(p).toBeGreaterThan(0);
          expect(p).toBeLessThanOrEqual(alpha / 2);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('grows with the information the canary gathers and with the level', () => {
    const at = (i1: number, alpha: number) => crossingProbability({ i0: 24, i1, tau: 0.15, alpha });
    expect(at(2880, 0.025)).toBeGreaterThan(at(576, 0.025));
    expect(at(576, 0.05)).toBeGreaterThan(at(576, 0.025));
  });

  it('spends nothing when there is no sequence, and the nominal level when the information is unknown', () => {
    expect(crossingProbability({ i0: 24, i1: 576, tau: 0.15, alpha: 0 })).toBe(0);
    expect(crossingProbability({ i0: 24, i1: Infinity, tau: 0.15, alpha: 0.02 })).toBe(0.02);
  });
});
