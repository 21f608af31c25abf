/**
 * What the store aggregates per canary group for the regression adjustment (adjust.ts): the
 * moments of the KPI and its covariates, built from rows (tests, benches) or merged from disjoint
 * parts (triggered and untriggered slots). Pure: no Node imports.
 */
/** One group's rows with every covariate present, aggregated (k = meanX.length ≤ MAX_COVARIATES of adjust.ts). */
export interface CovariateMoments {
  n: number;
  meanY: number;
  meanX: number[];
  /** Σ (y − ȳ)² */
  syy: number;
  /** Σ (x_j − x̄_j)(y − ȳ) */
  sxy: number[];
  /** Σ (x_i − x̄_i)(x_j − x̄_j), k × k */
  sxx: number[][];
}

/** One group of one KPI: every row with a finite value, and those of them with every covariate. */
export interface ArmMoments {
  raw: { n: number; mean: number; m2: number };
  cov: CovariateMoments;
}

export function emptyCovariateMoments(k: number): CovariateMoments {
  return {
    n: 0,
    meanY: 0,
    meanX: new Array<number>(k).fill(0),
    syy: 0,
    sxy: new Array<number>(k).fill(0),
    sxx: Array.from({ length: k }, () => new Array<number>(k).fill(0)),
  };
}

/** Moments of rows (two passes); for tests and benches, the store computes the same in SQL. */
export function covariateMoments(rows: ReadonlyArray<{ y: number; x: readonly number[] }>, k: number): CovariateMoments {
  const m = emptyCovariateMoments(k);
  m.n = rows.length;
  if (m.n === 0) return m;
  for (const r of rows) {
    m.meanY += r.y / m.n;
    for (let j = 0; j < k; j++) m.meanX[j]! += r.x[j]! / m.n;
  }
  for (const r of rows) {
    const dy = r.y - m.meanY;
    m.syy += dy * dy;
    for (let i = 0; i < k; i++) {
      const di = r.x[i]! - m.meanX[i]!;
      m.sxy[i]! += di * dy;
      for (let j = 0; j < k; j++) m.sxx[i]![j]! += di * (r.x[j]! - m.meanX[j]!);
    }
  }
  return m;
}

/** The moments of two disjoint sets of rows together (Chan et al.'s parallel update). */
export function mergeCovariateMoments(a: CovariateMoments, b: CovariateMoments): CovariateMoments {
  if (a.n === 0) return b;
  if (b.n === 0) return a;
  const n = a.n + b.n;
  const w = (a.n * b.n) / n;
  const k = a.meanX.length;
  const dy = b.meanY - a.meanY;
  const dx = a.meanX.map((x, j) => b.meanX[j]! - x);
  return {
    n,
    meanY: a.meanY + (dy * b.n) / n,
    meanX: a.meanX.map((x, j) => x + (dx[j]! * b.n) / n),
    syy: a.syy + b.syy + w * dy * dy,
    sxy: a.sxy.map((s, j) => s + b.sxy[j]! + w * dx[j]! * dy),
    sxx: Array.from({ length: k }, (_, i) => a.sxx[i]!.map((s, j) => s + b.sxx[i]![j]! + w * dx[i]! * dx[j]!)),
  };
}

export function mergeArmMoments(a: ArmMoments, b: ArmMoments): ArmMoments {
  const n = a.raw.n + b.raw.n;
  const d = b.raw.mean - a.raw.mean;
  const raw =
    a.raw.n === 0
      ? b.raw
      : b.raw.n === 0
        ? a.raw
        : { n, mean: a.raw.mean + (d * b.raw.n) / n, m2: a.raw.m2 + b.raw.m2 + ((a.raw.n * b.raw.n) / n) * d * d };
  return { raw, cov: mergeCovariateMoments(a.cov, b.cov) };
}
