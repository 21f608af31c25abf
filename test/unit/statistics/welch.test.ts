import { summaryFromMoments, welch } from '../../../src/domain/statistics';
import { summarize } from './reference';

/**
 * Known answer: R's `sleep` data set (Cushny & Peebles 1905, as printed by Student 1908), the
 * example of R's ?t.test. `t.test(extra ~ group, data = sleep)` prints
 *   Welch Two Sample t-test: t = -1.8608, df = 17.776, p-value = 0.07939
 *   95 percent confidence interval: -3.3654832  0.2054832
 *   mean in group 1 0.75, mean in group 2 2.33
 * R computes group1 - group2; we compute canary - control, so with control = group 1 and
 * canary = group 2 the signs of t and of the interval flip.
 */
const group1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0];
const group2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4];

describe('summarize (the row-by-row reference)', () => {
  it('gives n, mean and the sample (n - 1) standard deviation', () => {
    const s = summarize([2, 4, 4, 4, 5, 5, 7, 9]);
    expect(s.n).toBe(8);
    expect(s.mean).toBe(5);
    expect(s.sd).toBeCloseTo(Math.sqrt(32 / 7), 12);
  });

  it('drops non-finite values (bad data never becomes a number)', () => {
    expect(summarize([1, NaN, 3, Infinity, -Infinity])).toEqual({ n: 2, mean: 2, sd: Math.SQRT2 });
  });

  it('handles empty and single-value input without NaN', () => {
    expect(summarize([])).toEqual({ n: 0, mean: 0, sd: 0 });
    expect(summarize([NaN])).toEqual({ n: 0, mean: 0, sd: 0 });
    expect(summarize([3])).toEqual({ n: 1, mean: 3, sd: 0 });
  });
});

describe('summaryFromMoments', () => {
  it('gives the sample (n - 1) standard deviation from M2', () => {
    expect(summaryFromMoments({ n: 8, mean: 5, m2: 32 })).toEqual({ n: 8, mean: 5, sd: Math.sqrt(32 / 7) });
  });

  it('handles no rows and a single row without NaN, like the values themselves', () => {
    expect(summaryFromMoments({ n: 0, mean: 0, m2: 0 })).toEqual(summarize([]));
    expect(summaryFromMoments({ n: 1, mean: 3, m2: 0 })).toEqual(summarize([3]));
  });

  it('never takes the square root of a negative rounding error', () => {
    expect(summaryFromMoments({ n: 3, mean: 1, m2: -1e-18 }).sd).toBe(0);
  });
});

describe('welch (3.3: Welch t with the t distribution)', () => {
  const w = welch(summarize(group1), summarize(group2), 0.95);

  it('reproduces R t.test on the sleep data: t, Welch–Satterthwaite df, two-sided p', () => {
    expect(w.diff).toBeCloseTo(1.58, 12);
    expect(w.t).toBeCloseTo(1.8608, 4);
    expect(w.df).toBeCloseTo(17.776, 3);
    expect(w.pValue).toBeCloseTo(0.07939, 5);
    expect(w.flags).toEqual([]);
  });

  it('reproduces the 95 % confidence interval of the difference', () => {
    expect(w.ci[0]).toBeCloseTo(-0.2054832, 6);
    expect(w.ci[1]).toBeCloseTo(3.3654832, 6);
  });

  it('gives the relative difference over |control mean| with a delta-method interval around it', () => {
    expect(w.relDiff).toBeCloseTo(1.58 / 0.75, 12);
    // Var(rel) ≈ (s2²/n2 + R² s1²/n1) / m1², R = m2/m1
    const s1 = summarize(group1);
    const s2 = summarize(group2);
    const r = s2.mean / s1.mean;
    const relSe = Math.sqrt(s2.sd ** 2 / 10 + (r * r * s1.sd ** 2) / 10) / Math.abs(s1.mean);
    expect(w.relSe).toBeCloseTo(relSe, 12);
    expect(w.relCI[0]).toBeLessThan(w.relDiff);
    expect(w.relCI[1]).toBeGreaterThan(w.relDiff);
    expect((w.relCI[0] + w.relCI[1]) / 2).toBeCloseTo(w.relDiff, 10);
  });

  it('uses |control mean| so a negative control mean keeps the sign of the difference', () => {
    const neg = welch({ n: 50, mean: -10, sd: 1 }, { n: 50, mean: -9, sd: 1 }, 0.95);
    expect(neg.relDiff).toBeCloseTo(0.1, 12);
    expect(neg.t).toBeGreaterThan(0);
  });

  it('is antisymmetric: swapping the groups flips t and the interval, keeps p and df', () => {
    const back = welch(summarize(group2), summarize(group1), 0.95);
    expect(back.t).toBeCloseTo(-w.t, 12);
    expect(back.pValue).toBeCloseTo(w.pValue, 12);
    expect(back.df).toBeCloseTo(w.df, 12);
    expect(back.ci[0]).toBeCloseTo(-w.ci[1], 12);
  });
});

describe('welch on degenerate input: no NaN, p = 1, a flag', () => {
  const noNaN = (o: object): void => {
    for (const v of Object.values(o).flat()) if (typeof v === 'number') expect(Number.isNaN(v)).toBe(false);
  };

  it('too few samples: p = 1 and an unbounded interval', () => {
    const w = welch({ n: 1, mean: 5, sd: 0 }, { n: 10, mean: 6, sd: 1 }, 0.95);
    expect(w.flags).toContain('too_few_samples');
    expect(w.pValue).toBe(1);
    expect(w.ci).toEqual([-Infinity, Infinity]);
    expect(w.relCI).toEqual([-Infinity, Infinity]);
    noNaN(w);
  });

  it('zero variance in both groups: p = 1 and a point interval at the observed difference', () => {
    const w = welch({ n: 40, mean: 10, sd: 0 }, { n: 40, mean: 11, sd: 0 }, 0.95);
    expect(w.flags).toEqual(['zero_variance']);
    expect(w.pValue).toBe(1);
    expect(w.t).toBe(0);
    expect(w.ci).toEqual([1, 1]);
    expect(w.relCI).toEqual([0.1, 0.1]);
    noNaN(w);
  });

  it('zero variance in one group only is an ordinary Welch test with df = n - 1 of the other', () => {
    const w = welch({ n: 40, mean: 10, sd: 0 }, { n: 20, mean: 11, sd: 2 }, 0.95);
    expect(w.flags).toEqual([]);
    expect(w.df).toBeCloseTo(19, 10);
  });

  it('zero control mean: the absolute test stands, the relative interval is unbounded', () => {
    const w = welch({ n: 40, mean: 0, sd: 1 }, { n: 40, mean: 2, sd: 1 }, 0.95);
    expect(w.flags).toEqual(['zero_control_mean']);
    expect(w.pValue).toBeLessThan(1e-6);
    expect(w.relDiff).toBe(Infinity);
    expect(w.relCI).toEqual([-Infinity, Infinity]);
    noNaN(w);
    expect(welch({ n: 40, mean: 0, sd: 1 }, { n: 40, mean: 0, sd: 1 }, 0.95).relDiff).toBe(0);
  });

  it('non-finite summaries: p = 1, zero differences', () => {
    const w = welch({ n: 40, mean: NaN, sd: 1 }, { n: 40, mean: 1, sd: 1 }, 0.95);
    expect(w.flags).toContain('non_finite');
    expect(w.pValue).toBe(1);
    expect(w.diff).toBe(0);
    noNaN(w);
  });

  it('a canary constant at 0 against a varying control keeps a finite relative interval', () => {
    const w = welch({ n: 40, mean: 5, sd: 1 }, { n: 40, mean: 0, sd: 0 }, 0.95);
    expect(w.relDiff).toBe(-1);
    expect(Number.isFinite(w.relCI[0]) && Number.isFinite(w.relCI[1])).toBe(true);
    expect(w.relCI[0]).toBeLessThan(-1);
  });
});
