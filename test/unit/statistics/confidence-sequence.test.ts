import fc from 'fast-check';
import { confidenceSequence, DEFAULT_CS_TUNING, mixtureHalfWidth, welch } from '../../../src/domain/statistics';
import type { GroupSummary } from '../../../src/domain/types';
import { createRng } from '../../../src/adapters/selection/rng';

/** A seeded uniform in (0, 1): the selection's own PRNG (sfc32), so runs are reproducible. */
function rng(seed: number): () => number {
  const r = createRng(seed);
  return () => r.next();
}

/** Box–Muller standard normal from a seeded uniform. */
function normal(u: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

class Acc {
  n = 0;
  private m = 0;
  private s = 0;
  add(x: number): void {
    this.n += 1;
    const d = x - this.m;
    this.m += d / this.n;
    this.s += d * (x - this.m);
  }
  get summary(): GroupSummary {
    return { n: this.n, mean: this.m, sd: this.n > 1 ? Math.sqrt(this.s / (this.n - 1)) : 0 };
  }
}

describe('confidenceSequence (3.3: an always-valid sequential test)', () => {
  const control = { n: 2880, mean: 100, sd: 20 };
  const canary = { n: 720, mean: 101, sd: 20 };

  it('implements the two-sided normal-mixture boundary Δ̂ ± sqrt(se²(se²+τ²)/τ² · (2 ln 1/α + ln((se²+τ²)/se²)))', () => {
    const cs = confidenceSequence(control, canary, 0.05, { tau: 0.2 });
    const se2 = 400 / 2880 + 400 / 720;
    const tau2 = (0.2 * 20) ** 2;
    const hw = Math.sqrt(((se2 * (se2 + tau2)) / tau2) * (2 * Math.log(20) + Math.log((se2 + tau2) / se2)));
    expect(cs.halfWidth).toBeCloseTo(hw, 12);
    expect(cs.ci[0]).toBeCloseTo(1 - hw, 12);
    expect(cs.ci[1]).toBeCloseTo(1 + hw, 12);
    expect(cs.tauAbs).toBeCloseTo(4, 12);
  });

  it('is wider than the fixed-horizon Welch interval at the same level (the price of peeking)', () => {
    const cs = confidenceSequence(control, canary, 0.05);
    const w = welch(control, canary, 0.95);
    expect(cs.ci[0]).toBeLessThan(w.ci[0]);
    expect(cs.ci[1]).toBeGreaterThan(w.ci[1]);
  });

  it('excludes 0 exactly when the always-valid p-value min(1, 1/Λ) is at most alpha', () => {
    fc.assert(
      fc.property(fc.double({ min: -3, max: 3, noNaN: true }), fc.integer({ min: 30, max: 5000 }), (shift, n) => {
        const cs = confidenceSequence({ n: 4 * n, mean: 50, sd: 10 }, { n, mean: 50 + shift, sd: 10 }, 0.05);
        const excludes = cs.ci[0] > 0 || cs.ci[1] < 0;
        if (Math.abs(cs.pValue - 0.05) > 1e-9) expect(excludes).toBe(cs.pValue <= 0.05);
      }),
    );
  });

  it('gets narrower as both groups grow (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 10, max: 20000 }),
        fc.integer({ min: 10, max: 20000 }),
        fc.double({ min: 0.01, max: 100, noNaN: true }),
        fc.double({ min: 1.01, max: 50, noNaN: true }),
        fc.double({ min: 0.001, max: 0.2, noNaN: true }),
        (n1, n2, sd, grow, alpha) => {
          const at = (k: number) =>
            confidenceSequence({ n: Math.ceil(n1 * k), mean: 10, sd }, { n: Math.ceil(n2 * k), mean: 10, sd }, alpha).halfWidth;
          expect(at(grow)).toBeLessThan(at(1));
        },
      ),
    );
  });

  it('the boundary shrinks monotonically in the variance of the estimate for any tau', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-6, max: 1e3, noNaN: true }), fc.double({ min: 1e-3, max: 1e3, noNaN: true }), (se2, tau2) => {
        expect(mixtureHalfWidth(se2 / 2, tau2, 0.05)).toBeLessThan(mixtureHalfWidth(se2, tau2, 0.05));
      }),
    );
  });

  it('covers the true difference at every one of 60 looks in at least 95 % of 400 seeded runs', () => {
    const alpha = 0.05;
    const trueDiff = 1.5;
    let covered = 0;
    for (let run = 0; run < 400; run++) {
      const z = normal(rng(1000 + run));
      const c = new Acc();
      const k = new Acc();
      let ok = true;
      for (let look = 0; look < 60; look++) {
        for (let i = 0; i < 48; i++) c.add(100 + 20 * z());
        for (let i = 0; i < 12; i++) k.add(100 + trueDiff + 20 * z());
        if (c.n < 30 || k.n < 30) continue;
        const cs = confidenceSequence(c.summary, k.summary, alpha, DEFAULT_CS_TUNING);
        if (cs.ci[0] > trueDiff || cs.ci[1] < trueDiff) ok = false;
      }
      if (ok) covered += 1;
    }
    expect(covered / 400).toBeGreaterThanOrEqual(0.95);
  });

  it('degenerate input gives p = 1 and a flagged, NaN-free interval', () => {
    const few = confidenceSequence({ n: 1, mean: 1, sd: 0 }, { n: 5, mean: 2, sd: 1 }, 0.05);
    expect(few.pValue).toBe(1);
    expect(few.ci).toEqual([-Infinity, Infinity]);
    expect(few.flags).toContain('too_few_samples');
    const flat = confidenceSequence({ n: 50, mean: 1, sd: 0 }, { n: 50, mean: 1, sd: 0 }, 0.05);
    expect(flat.ci).toEqual([0, 0]);
    expect(flat.flags).toEqual(['zero_variance']);
    const zero = confidenceSequence({ n: 50, mean: 0, sd: 1 }, { n: 50, mean: 0.1, sd: 1 }, 0.05);
    expect(zero.relCI).toEqual([-Infinity, Infinity]);
    expect(Number.isFinite(zero.halfWidth)).toBe(true);
  });
});
