/**
 * Issue 12: variance reduction of the canary judge's input. Regression adjustment (CUPED/CUPAC)
 * with per-arm slopes (Lin) or a pooled within-group slope, the paired design's triggered-slot analysis, and the
 * sample-ratio and placebo checks that guard it (canary/adjust.ts, canary/paired.ts).
 */
import fc from 'fast-check';
import {
  covariateMoments,
  emptyCovariateMoments,
  judgeCanary,
  mergeArmMoments,
  mergeCovariateMoments,
  reduceVariance,
  regressionAdjust,
  sampleRatioCheck,
  type ArmMoments,
  type JudgeInput,
  type PairedCells,
  type TriggerState,
} from '../../../src/domain/canary';
import { welch } from '../../../src/domain/statistics';
import type { GroupSummary, KpiDef, KpiVarianceReduction } from '../../../src/domain/types';
import { createRng } from '../../../src/adapters/selection/rng';

interface Row {
  y: number;
  x: number[];
}

function arm(rows: Row[], k: number, withCov: (r: Row) => boolean = () => true): ArmMoments {
  const raw = covariateMoments(
    rows.map((r) => ({ y: r.y, x: [] })),
    0,
  );
  return { raw: { n: raw.n, mean: raw.meanY, m2: raw.syy }, cov: covariateMoments(rows.filter(withCov), k) };
}

/** Seeded standard normals. */
function normals(seed: string): () => number {
  const r = createRng(seed);
  return () => Math.sqrt(-2 * Math.log(1 - r.next())) * Math.cos(2 * Math.PI * r.next());
}

/** y = level + β·x + noise·z (+ effect on the canary); x ~ N(0, 1) per row. */
function rows(n: number, seed: string, o: { beta: number[]; noise: number; level?: number; shiftX?: number }): Row[] {
  const z = normals(seed);
  return Array.from({ length: n }, () => {
    const x = o.beta.map(() => z() + (o.shiftX ?? 0));
    return { x, y: (o.level ?? 10) + x.reduce((s, xi, j) => s + o.beta[j]! * xi, 0) + o.noise * z() };
  });
}

/** ANCOVA by the normal equations: y ~ 1 + canary + x; returns the canary coefficient and the residual variance. */
function ancova(control: Row[], canary: Row[]): { effect: number; resVar: number } {
  const design = [...control.map((r) => ({ d: [1, 0, ...r.x], y: r.y })), ...canary.map((r) => ({ d: [1, 1, ...r.x], y: r.y }))];
  const p = design[0]!.d.length;
  const a = Array.from({ length: p }, (_, i) => [
    ...Array.from({ length: p }, (_, j) => design.reduce((s, r) => s + r.d[i]! * r.d[j]!, 0)),
    design.reduce((s, r) => s + r.d[i]! * r.y, 0),
  ]);
  for (let c = 0; c < p; c++) {
    for (let r = c + 1; r < p; r++) {
      const f = a[r]![c]! / a[c]![c]!;
      for (let k = c; k <= p; k++) a[r]![k]! -= f * a[c]![k]!;
    }
  }
  const beta = new Array<number>(p).fill(0);
  for (let r = p - 1; r >= 0; r--)
    beta[r] = (a[r]![p]! - a[r]!.slice(r + 1, p).reduce((s, v, j) => s + v * beta[r + 1 + j]!, 0)) / a[r]![r]!;
  const ssr = design.reduce((s, r) => s + (r.y - r.d.reduce((t, v, j) => t + v * beta[j]!, 0)) ** 2, 0);
  return { effect: beta[1]!, resVar: ssr / (design.length - p) };
}

/**
 * The fully interacted OLS (Lin 2013): y ~ 1 + canary + (x − x̄) + canary·(x − x̄), x̄ over both
 * groups, by the normal equations; the canary coefficient and the residual sum of squares.
 */
function interacted(control: Row[], canary: Row[]): { effect: number; rss: number } {
  const all = [...control, ...canary];
  const k = all[0]!.x.length;
  const xbar = Array.from({ length: k }, (_, j) => all.reduce((s, r) => s + r.x[j]!, 0) / all.length);
  const row = (r: Row, t: number) => {
    const d = r.x.map((v, j) => v - xbar[j]!);
    return { d: [1, t, ...d, ...d.map((v) => t * v)], y: r.y };
  };
  const design = [...control.map((r) => row(r, 0)), ...canary.map((r) => row(r, 1))];
  const p = design[0]!.d.length;
  const a = Array.from({ length: p }, (_, i) => [
    ...Array.from({ length: p }, (_, j) => design.reduce((s, r) => s + r.d[i]! * r.d[j]!, 0)),
    design.reduce((s, r) => s + r.d[i]! * r.y, 0),
  ]);
  for (let c = 0; c < p; c++) {
    let piv = c;
    for (let r = c + 1; r < p; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[piv]![c]!)) piv = r;
    [a[c], a[piv]] = [a[piv]!, a[c]!];
    for (let r = c + 1; r < p; r++) {
      const f = a[r]![c]! / a[c]![c]!;
      for (let q = c; q <= p; q++) a[r]![q]! -= f * a[c]![q]!;
    }
  }
  const beta = new Array<number>(p).fill(0);
  for (let r = p - 1; r >= 0; r--)
    beta[r] = (a[r]![p]! - a[r]!.slice(r + 1, p).reduce((s, v, j) => s + v * beta[r + 1 + j]!, 0)) / a[r]![r]!;
  const rss = design.reduce((s, r) => s + (r.y - r.d.reduce((t, v, j) => t + v * beta[j]!, 0)) ** 2, 0);
  return { effect: beta[1]!, rss };
}

/** Rows whose arms relate differently to three covariates: y = level + β_g·x + noise. */
function armRows(n: number, z: () => number, beta: number[], level: number, noise: number): Row[] {
  return Array.from({ length: n }, () => {
    const x = beta.map(() => z());
    return { x, y: level + x.reduce((s, xi, j) => s + beta[j]! * xi, 0) + noise * z() };
  });
}

describe("per-arm slopes (Lin's interacted adjustment, issue 12)", () => {
  it('equals the fully interacted OLS: effect, and each group its residuals over n_g − 1 − k df', () => {
    const z = normals('lin');
    const c = armRows(300, z, [1, 0.2, -0.5], 5, 0.3);
    const t = armRows(90, z, [0.1, 1.2, 0.4], 5.2, 0.3);
    const names = ['daypart', 'control_prediction', 'canary_prediction'];
    const a = regressionAdjust({ control: arm(c, 3), canary: arm(t, 3) }, names);
    const ref = interacted(c, t);
    expect(a.slopes).toBe('per_arm');
    expect(a.covariates).toEqual(names);
    expect(a.canary.mean - a.control.mean).toBeCloseTo(ref.effect, 9);
    expect(a.thetaByGroup!.control[0]).toBeCloseTo(1, 1);
    expect(a.thetaByGroup!.canary[1]).toBeCloseTo(1.2, 1);
    expect(a.control.df).toBe(300 - 1 - 3);
    expect(a.canary.df).toBe(90 - 1 - 3);
    // Each group's variance: its residuals over its df plus h·n_g/(2N), h = dθᵀ S_x dθ with S_x
    // the covariates' covariance over both groups; the residual sums add up to the OLS's.
    const all = [...c, ...t];
    const N = all.length;
    const xbar = [0, 1, 2].map((j) => all.reduce((s, r) => s + r.x[j]!, 0) / N);
    const d = a.thetaByGroup!.canary.map((v, j) => v - a.thetaByGroup!.control[j]!);
    const h = all.reduce((s, r) => s + d.reduce((u, dj, j) => u + dj * (r.x[j]! - xbar[j]!), 0) ** 2, 0) / (N - 1);
    const rssC = (a.control.sd ** 2 - (h * 300) / (2 * N)) * a.control.df!;
    const rssT = (a.canary.sd ** 2 - (h * 90) / (2 * N)) * a.canary.df!;
    expect(rssC + rssT).toBeCloseTo(ref.rss, 6);
    expect(h).toBeGreaterThan(1);
  });

  it('is unbiased under randomisation with different arm slopes, and its Welch interval covers (A/A, 600 draws)', () => {
    const z = normals('unbiased');
    const r = createRng('assign');
    const lin: number[] = [];
    const pooled: number[] = [];
    let covered = 0;
    const R = 600;
    for (let i = 0; i < R; i++) {
      // One population of slots; each slot's two potential outcomes, then a random assignment.
      const c: Row[] = [];
      const t: Row[] = [];
      for (let s = 0; s < 400; s++) {
        const x = [z(), z()];
        const y0 = 1 + 2 * x[0]! + 0.3 * x[1]! + 0.3 * z();
        const y1 = 1 + 0.3 * x[0]! + 2 * x[1]! + 0.3 * z();
        if (r.next() < 0.25) t.push({ x, y: y1 });
        else c.push({ x, y: y0 });
      }
      const g = { control: arm(c, 2), canary: arm(t, 2) };
      const a = regressionAdjust(g, ['control_prediction', 'canary_prediction']);
      const p = regressionAdjust(g, ['control_prediction', 'canary_prediction'], 'pooled');
      expect(a.slopes).toBe('per_arm');
      lin.push(a.canary.mean - a.control.mean);
      pooled.push(p.canary.mean - p.control.mean);
      const w = welch(a.control, a.canary, 0.95);
      const se = Math.sqrt(a.control.sd ** 2 / a.control.n + a.canary.sd ** 2 / a.canary.n);
      if (Math.abs(w.diff) < 1.97 * se) covered += 1;
    }
    const mean = (xs: number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;
    const sd = (xs: number[]) => Math.sqrt(xs.reduce((s, v) => s + (v - mean(xs)) ** 2, 0) / (xs.length - 1));
    // The true effect is 0: the mean estimate is within 3 standard errors of it.
    expect(Math.abs(mean(lin))).toBeLessThan((3 * sd(lin)) / Math.sqrt(R));
    // Per-arm slopes are more precise than one pooled slope here (about half the variance).
    expect(sd(lin)).toBeLessThan(0.8 * sd(pooled));
    // The interval (with the heterogeneity term) covers about 95 %.
    expect(covered / R).toBeGreaterThan(0.92);
    expect(covered / R).toBeLessThan(0.98);
  });

  it('uses a pooled slope when a group has fewer than 20 rows per covariate, and says which', () => {
    const z = normals('few');
    const c = armRows(200, z, [1, 1], 0, 0.5);
    const t = armRows(30, z, [1, 1], 0, 0.5);
    const a = regressionAdjust({ control: arm(c, 2), canary: arm(t, 2) }, ['control_prediction', 'canary_prediction']);
    expect(a.adjusted).toBe(true);
    expect(a.slopes).toBe('pooled');
    expect(a.thetaByGroup).toBeUndefined();
    const one = regressionAdjust({ control: arm(c, 2), canary: arm(t, 2) }, ['control_prediction', 'canary_prediction'], 'per_arm');
    expect(one.slopes).toBe('per_arm');
  });

  it('drops canary_prediction where it equals control_prediction (untriggered slots)', () => {
    const z = normals('untrig');
    const dup = (rs: Row[]) => rs.map((r) => ({ ...r, x: [r.x[0]!, r.x[0]!] }));
    const c = dup(armRows(200, z, [1, 0], 0, 0.5));
    const t = dup(armRows(60, z, [1, 0], 0, 0.5));
    const a = regressionAdjust({ control: arm(c, 2), canary: arm(t, 2) }, ['control_prediction', 'canary_prediction']);
    expect(a.covariates).toEqual(['control_prediction']);
    expect(a.notes.join()).toMatch(/canary_prediction: collinear with control_prediction/);
    expect(a.slopes).toBe('per_arm');
  });

  it('falls back to the pooled slope when the covariates are collinear within one group only', () => {
    const z = normals('within');
    const c = armRows(200, z, [1, 1], 0, 0.5);
    // The canary group's two covariates are equal; the control group's are not.
    const t = armRows(60, z, [1, 0], 0, 0.5).map((r) => ({ ...r, x: [r.x[0]!, r.x[0]!] }));
    const a = regressionAdjust({ control: arm(c, 2), canary: arm(t, 2) }, ['control_prediction', 'canary_prediction']);
    expect(a.adjusted).toBe(true);
    expect(a.slopes).toBe('pooled');
    expect(a.notes.join()).toMatch(/collinear within a group: pooled slope/);
  });

  it('refuses more than three covariates', () => {
    const rs = armRows(50, normals('four'), [1, 1, 1, 1], 0, 1);
    expect(() => regressionAdjust({ control: arm(rs, 4), canary: arm(rs, 4) }, ['a', 'b', 'c', 'd'])).toThrow(/at most 3 covariates/);
  });
});

describe('regression adjustment (CUPED/CUPAC, issue 12)', () => {
  it('merging the moments of two sets of rows equals the moments of their union', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.double({ min: -1e3, max: 1e3, noNaN: true }), fc.double({ min: -10, max: 10, noNaN: true })), {
          minLength: 0,
          maxLength: 30,
        }),
        fc.array(fc.tuple(fc.double({ min: -1e3, max: 1e3, noNaN: true }), fc.double({ min: -10, max: 10, noNaN: true })), {
          minLength: 0,
          maxLength: 30,
        }),
        (a, b) => {
          const toRows = (xs: Array<[number, number]>) => xs.map(([y, x]) => ({ y, x: [x] }));
          const merged = mergeCovariateMoments(covariateMoments(toRows(a), 1), covariateMoments(toRows(b), 1));
          const direct = covariateMoments(toRows([...a, ...b]), 1);
          expect(merged.n).toBe(direct.n);
          const close = (u: number, v: number) => expect(Math.abs(u - v)).toBeLessThanOrEqual(1e-7 * (1 + Math.abs(v)));
          close(merged.meanY, direct.meanY);
          close(merged.syy, direct.syy);
          close(merged.sxy[0]!, direct.sxy[0]!);
          close(merged.sxx[0]![0]!, direct.sxx[0]![0]!);
        },
      ),
    );
  });

  it('gives the ANCOVA estimate of the effect and its residual variance, with two covariates', () => {
    const c = rows(400, 'c', { beta: [2, -1], noise: 1 });
    const t = rows(100, 't', { beta: [2, -1], noise: 1, level: 10.5 });
    const a = regressionAdjust({ control: arm(c, 2), canary: arm(t, 2) }, ['daypart', 'control_prediction'], 'pooled');
    const ref = ancova(c, t);
    expect(a.slopes).toBe('pooled');
    expect(a.adjusted).toBe(true);
    expect(a.covariates).toEqual(['daypart', 'control_prediction']);
    expect(a.theta[0]).toBeCloseTo(2, 0);
    expect(a.theta[1]).toBeCloseTo(-1, 0);
    expect(a.canary.mean - a.control.mean).toBeCloseTo(ref.effect, 10);
    // Pooled residual variance over N − 2 − k degrees of freedom = the ANCOVA's.
    const pooled = (a.control.sd ** 2 * a.control.df! + a.canary.sd ** 2 * a.canary.df!) / (a.control.df! + a.canary.df!);
    expect(pooled).toBeCloseTo(ref.resVar, 10);
    expect(a.control.df! + a.canary.df!).toBeCloseTo(500 - 2 - 2, 10);
    // Raw variance 2² + 1² + 1 = 6 per row, residual 1: about 5/6 of it removed.
    expect(a.varianceReduction).toBeGreaterThan(0.78);
    expect(a.varianceReduction).toBeLessThan(0.88);
  });

  it('does not absorb the treatment effect into the slope (within-group centring)', () => {
    // Canary rows have larger covariates by chance AND a true effect of +100: the pooled slope is
    // the within-group 3, so the adjusted difference is exactly 100.
    const c = Array.from({ length: 20 }, (_, i) => ({ x: [i + 1], y: 3 * (i + 1) }));
    const t = Array.from({ length: 20 }, (_, i) => ({ x: [i + 11], y: 3 * (i + 11) + 100 }));
    const a = regressionAdjust({ control: arm(c, 1), canary: arm(t, 1) }, ['control_prediction']);
    expect(a.theta[0]).toBeCloseTo(3, 12);
    expect(a.canary.mean - a.control.mean).toBeCloseTo(100, 10);
    expect(a.canary.mean - a.control.mean).not.toBeCloseTo(t.reduce((s, r) => s + r.y, 0) / 20 - c.reduce((s, r) => s + r.y, 0) / 20, 0);
  });

  it('falls back to the raw summaries, and says why, when a covariate is missing on some rows', () => {
    const c = rows(200, 'c', { beta: [1], noise: 1 });
    const t = rows(50, 't', { beta: [1], noise: 1 });
    const a = regressionAdjust({ control: arm(c, 1, (_r) => true), canary: arm(t, 1, (r) => r.y > 8) }, ['control_prediction']);
    expect(a.adjusted).toBe(false);
    expect(a.notes.join()).toMatch(/control_prediction missing on \d+ of 250 rows/);
    expect(a.canary.n).toBe(50);
    expect(a.varianceReduction).toBe(0);
  });

  it('drops a covariate without variance (a canary inside one hour of day) and keeps the other', () => {
    const c = rows(200, 'c', { beta: [1], noise: 1 }).map((r) => ({ ...r, x: [0.42, r.x[0]!] }));
    const t = rows(50, 't', { beta: [1], noise: 1 }).map((r) => ({ ...r, x: [0.42, r.x[0]!] }));
    const a = regressionAdjust({ control: arm(c, 2), canary: arm(t, 2) }, ['daypart', 'control_prediction']);
    expect(a.adjusted).toBe(true);
    expect(a.covariates).toEqual(['control_prediction']);
    expect(a.notes.join()).toMatch(/daypart: no variance/);
    const only = regressionAdjust(
      {
        control: arm(
          c.map((r) => ({ ...r, x: [0.42] })),
          1,
        ),
        canary: arm(
          t.map((r) => ({ ...r, x: [0.42] })),
          1,
        ),
      },
      ['daypart'],
    );
    expect(only.adjusted).toBe(false);
    expect(only.notes.join()).toMatch(/no covariate varies/);
  });

  it('drops the second of two collinear covariates, and refuses groups too small to adjust', () => {
    const c = rows(100, 'c', { beta: [1], noise: 1 }).map((r) => ({ ...r, x: [r.x[0]!, 2 * r.x[0]! + 1] }));
    const t = rows(40, 't', { beta: [1], noise: 1 }).map((r) => ({ ...r, x: [r.x[0]!, 2 * r.x[0]! + 1] }));
    const a = regressionAdjust({ control: arm(c, 2), canary: arm(t, 2) }, ['daypart', 'control_prediction']);
    expect(a.covariates).toEqual(['daypart']);
    expect(a.notes.join()).toMatch(/collinear/);
    const small = regressionAdjust({ control: arm(c.slice(0, 8), 2), canary: arm(t.slice(0, 8), 2) }, ['daypart', 'control_prediction']);
    expect(small.adjusted).toBe(false);
    expect(small.notes.join()).toMatch(/fewer than/);
  });

  it("Welch's t uses the adjusted summaries' degrees of freedom", () => {
    const g = (df?: number): GroupSummary => ({ n: 12, mean: 1, sd: 1, ...(df === undefined ? {} : { df }) });
    const plain = welch(g(), { ...g(), mean: 2 }, 0.95);
    const fewer = welch(g(5), { ...g(5), mean: 2 }, 0.95);
    expect(plain.df).toBeCloseTo(22, 10);
    expect(fewer.df).toBeCloseTo(10, 10);
    expect(fewer.pValue).toBeGreaterThan(plain.pValue);
  });
});

// ---------------------------------------------------------------- paired design

/** Slot-level model: y = base(slot) + effect on triggered canary slots + noise; control_prediction = base. */
function pairedCells(o: {
  n: number;
  share: number;
  trigger: number;
  effect: number;
  seed: string;
  placeboShift?: number;
  canaryShare?: number;
  untagged?: boolean;
}): PairedCells {
  const r = createRng(o.seed);
  const z = normals(`${o.seed}:z`);
  const out: Record<'control' | 'canary', Record<TriggerState, Row[]>> = {
    control: { triggered: [], untriggered: [], untagged: [] },
    canary: { triggered: [], untriggered: [], untagged: [] },
  };
  for (let i = 0; i < o.n; i++) {
    const canary = r.next() < (o.canaryShare ?? o.share);
    const triggered = r.next() < o.trigger;
    const base = 1 + 0.3 * z();
    const y = base + 0.05 * z() + (canary && triggered ? o.effect : 0) + (canary && !triggered ? (o.placeboShift ?? 0) : 0);
    const state: TriggerState = o.untagged ? 'untagged' : triggered ? 'triggered' : 'untriggered';
    out[canary ? 'canary' : 'control'][state].push({ y, x: [base] });
  }
  const cells = (g: 'control' | 'canary') =>
    Object.fromEntries(
      Object.entries(out[g]).map(([s, rs]) => [
        s,
        rs.length ? arm(rs, 1) : { raw: { n: 0, mean: 0, m2: 0 }, cov: emptyCovariateMoments(1) },
      ]),
    ) as Record<TriggerState, ArmMoments>;
  return { control: cells('control'), canary: cells('canary') };
}

describe('paired design: triggered-slot analysis and its checks (issue 12)', () => {
  const opts = { cuped: true, paired: true, share: 0.2 };

  it('estimates the population effect from triggered slots, diluted by the triggered share, with far less variance', () => {
    const cells = pairedCells({ n: 3600, share: 0.2, trigger: 0.3, effect: 0.05, seed: 'p1' });
    const r = reduceVariance(cells, ['control_prediction'], opts);
    expect(r.report.method).toBe('triggered_cuped');
    expect(r.report.paired!.triggeredShare).toBeCloseTo(0.3, 1);
    // True population effect 0.3 · 0.05 = 0.015; the estimate's se is about 0.05·√(1/720+1/2880)·√0.3·... ≪ 0.015.
    expect(r.canary.mean - r.control.mean).toBeCloseTo(0.015, 2);
    expect(r.report.varianceReduction).toBeGreaterThan(0.95);
    expect(r.control.n + r.canary.n).toBe(3600);
    expect(r.canary.df).toBeLessThan(r.canary.n);
    expect(r.report.paired!.srmAll.passed).toBe(true);
    expect(r.report.paired!.placebo!.passed).toBe(true);
    // CUPED alone (no pairing) keeps every row and removes the between-slot part too, but not the dilution.
    const cuped = reduceVariance(cells, ['control_prediction'], { ...opts, paired: false });
    expect(cuped.report.method).toBe('cuped');
    expect(cuped.report.varianceReduction).toBeLessThan(r.report.varianceReduction);
    expect(cuped.report.varianceReduction).toBeGreaterThan(0.9);
  });

  it('finds a sample ratio mismatch when the canary has far more than its share', () => {
    const cells = pairedCells({ n: 3600, share: 0.2, canaryShare: 0.26, trigger: 0.3, effect: 0, seed: 'srm' });
    const r = reduceVariance(cells, ['control_prediction'], opts);
    expect(r.report.paired!.srmAll.passed).toBe(false);
    expect(r.report.paired!.srmAll.pValue).toBeLessThan(0.001);
    expect(sampleRatioCheck(720, 3600, 0.2).passed).toBe(true);
    expect(sampleRatioCheck(800, 3600, 0.2).passed).toBe(false);
  });

  it('fails the placebo when untriggered slots differ (broken pairing)', () => {
    const r = reduceVariance(
      pairedCells({ n: 3600, share: 0.2, trigger: 0.3, effect: 0, seed: 'pl', placeboShift: 0.05 }),
      ['control_prediction'],
      opts,
    );
    expect(r.report.paired!.placebo!.passed).toBe(false);
    expect(r.report.paired!.srmAll.passed).toBe(true);
  });

  it('without paired_triggered tags (VVTV as it is): CUPED only, and a note', () => {
    const r = reduceVariance(pairedCells({ n: 2000, share: 0.2, trigger: 0.3, effect: 0, seed: 'nt', untagged: true }), ['daypart'], opts);
    expect(r.report.method).toBe('cuped');
    expect(r.report.paired).toBeUndefined();
    expect(r.report.notes.join()).toMatch(/no paired_triggered tags/);
    const off = reduceVariance(pairedCells({ n: 2000, share: 0.2, trigger: 0.3, effect: 0, seed: 'nt', untagged: true }), ['daypart'], {
      ...opts,
      cuped: false,
    });
    expect(off.report.method).toBe('raw');
    expect(off.report.varianceReduction).toBe(0);
  });

  it('nothing triggered: the arms aired the same, the effect is exactly 0', () => {
    const r = reduceVariance(pairedCells({ n: 2000, share: 0.2, trigger: 0, effect: 0, seed: 'zero' }), ['control_prediction'], opts);
    expect(r.canary.mean).toBe(r.control.mean);
    expect(r.report.notes.join()).toMatch(/no slot triggered/);
  });

  it('merging arm moments keeps the raw counts and means', () => {
    const a = arm(rows(10, 'a', { beta: [1], noise: 1 }), 1);
    const b = arm(rows(30, 'b', { beta: [1], noise: 1, level: 20 }), 1);
    const m = mergeArmMoments(a, b);
    expect(m.raw.n).toBe(40);
    expect(m.raw.mean).toBeCloseTo((10 * a.raw.mean + 30 * b.raw.mean) / 40, 10);
    expect(m.cov.n).toBe(40);
  });
});

describe('the judge on a failed paired check (issue 12)', () => {
  const primary: KpiDef = { name: 'engagement', goal: 'maximize', role: 'primary', weight: 1 };
  const guard: KpiDef = { name: 'entropy', goal: 'maximize', role: 'guardrail', weight: 1 };
  const g = (n: number, mean: number, sd: number): GroupSummary => ({ n, mean, sd });
  const better = {
    engagement: { control: g(2880, 100, 20), canary: g(720, 110, 20) },
    entropy: { control: g(2880, 2, 0.1), canary: g(720, 2, 0.1) },
  };
  const report = (srm: boolean, placebo: boolean): KpiVarianceReduction => ({
    method: 'triggered_cuped',
    covariates: ['control_prediction'],
    theta: [1],
    varianceReduction: 0.9,
    notes: [],
    paired: {
      triggeredShare: 0.3,
      triggered: { control: 860, canary: 220 },
      srmAll: { share: 0.2, total: 3600, canary: srm ? 900 : 720, observedShare: srm ? 0.25 : 0.2, pValue: srm ? 1e-9 : 1, passed: !srm },
      srmTriggered: { share: 0.2, total: 1080, canary: 220, observedShare: 0.204, pValue: 0.7, passed: true },
      placebo: {
        control: g(2020, 1, 0.1),
        canary: g(500, placebo ? 1.05 : 1, 0.1),
        relDiff: placebo ? 0.05 : 0,
        pValue: placebo ? 1e-12 : 1,
        passed: !placebo,
      },
    },
  });
  const input = (over: Partial<JudgeInput>): JudgeInput => ({
    kpis: [primary, guard],
    groups: better,
    confidenceLevel: 0.95,
    nonInferiorityMargin: 0.02,
    minSamplesPerGroup: 30,
    isFinalCheck: true,
    ...over,
  });

  it('never proceeds on a sample ratio mismatch: Inconclusive, rule sample_ratio_mismatch, final at a stage end', () => {
    const ok = judgeCanary(input({ varianceReduction: { engagement: report(false, false) } }));
    expect(ok.decision).toBe('Proceed');
    expect(ok.varianceReduction?.engagement?.method).toBe('triggered_cuped');
    const v = judgeCanary(input({ varianceReduction: { engagement: report(true, false) }, stage: 1, maxStages: 4 }));
    expect(v).toMatchObject({ decision: 'Inconclusive', rule: 'sample_ratio_mismatch', final: true });
    expect(v.reason).toMatch(/canary share 25\.00% of 3600 rows vs planned 20\.00%/);
    expect(v.varianceReduction?.engagement?.paired?.srmAll.passed).toBe(false);
  });

  it('an interim look with a failed placebo does not stop early: Inconclusive placebo_failed, not final', () => {
    const v = judgeCanary(input({ isFinalCheck: false, varianceReduction: { entropy: report(false, true) } }));
    expect(v).toMatchObject({ decision: 'Inconclusive', rule: 'placebo_failed', final: false });
    expect(v.reason).toMatch(/untriggered rows differ by 5\.00%/);
  });

  it('a significant degradation still rolls back when the checks fail (the safe side)', () => {
    const worse = { ...better, engagement: { control: g(2880, 100, 20), canary: g(720, 90, 20) } };
    const v = judgeCanary(input({ groups: worse, varianceReduction: { engagement: report(true, true) } }));
    expect(v).toMatchObject({ decision: 'Rollback', rule: 'primary_degraded' });
  });
});

describe('what vvtvctl and the report show of it (issue 12)', () => {
  it('one clause per KPI: method, covariates, variance removed, triggered share, SRM and placebo', async () => {
    const { varianceReductionText } = await import('../../../src/readmodel');
    const cells = pairedCells({ n: 3600, share: 0.2, trigger: 0.3, effect: 0, seed: 'txt' });
    const r = reduceVariance(cells, ['control_prediction'], { cuped: true, paired: true, share: 0.2 });
    const text = varianceReductionText({ varianceReduction: { engagement: r.report } })!;
    const shape = String.raw`^engagement: triggered_cuped on control_prediction \(per-arm slopes\), variance −9\d\.\d%, `;
    expect(text).toMatch(new RegExp(shape + String.raw`triggered 3\d\.\d%, SRM p=\S+ ok, placebo p=\S+ ok$`));
    const pooled = { ...r.report, slopes: 'pooled' as const };
    expect(varianceReductionText({ varianceReduction: { engagement: pooled } })).toMatch(
      /^engagement: triggered_cuped on control_prediction, variance/,
    );
    expect(varianceReductionText({})).toBeNull();
  });
});
