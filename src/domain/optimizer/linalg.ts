/** The little linear algebra the optimizer's model needs: symmetric positive-definite solves. Pure. */

/** Cholesky factor L (lower, row-major) of a symmetric positive-definite matrix; adds jitter if needed. */
export function cholesky(a: number[][]): number[][] {
  const n = a.length;
  for (let jitter = 0; jitter < 8; jitter++) {
    const eps = jitter === 0 ? 0 : 1e-12 * 10 ** jitter;
    const l = Array.from({ length: n }, () => new Array<number>(n).fill(0));
    let ok = true;
    for (let i = 0; i < n && ok; i++) {
      for (let j = 0; j <= i; j++) {
        let s = a[i]![j]! + (i === j ? eps : 0);
        for (let k = 0; k < j; k++) s -= l[i]![k]! * l[j]![k]!;
        if (i === j) {
          if (!(s > 0)) {
            ok = false;
            break;
          }
          l[i]![i] = Math.sqrt(s);
        } else l[i]![j] = s / l[j]![j]!;
      }
    }
    if (ok) return l;
  }
  throw new RangeError('matrix is not positive definite');
}

/** Solves L Lᵀ x = b. */
export function cholSolve(l: number[][], b: number[]): number[] {
  const n = l.length;
  const y = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= l[i]![k]! * y[k]!;
    y[i] = s / l[i]![i]!;
  }
  const x = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i]!;
    for (let k = i + 1; k < n; k++) s -= l[k]![i]! * x[k]!;
    x[i] = s / l[i]![i]!;
  }
  return x;
}

/** xᵀ A⁻¹ x from the Cholesky factor of A. */
export function quadInv(l: number[][], x: readonly number[]): number {
  return forwardSolve(l, x).reduce((q, y) => q + y * y, 0);
}

/** Solves L y = b (L lower triangular, row-major). */
export function forwardSolve(l: number[][], b: readonly number[]): number[] {
  const n = l.length;
  const y = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= l[i]![k]! * y[k]!;
    y[i] = s / l[i]![i]!;
  }
  return y;
}

/** Index of (i, j) in a symmetric n×n matrix stored as its upper triangle, row by row. */
export function packedIndex(n: number, i: number, j: number): number {
  const [a, b] = i <= j ? [i, j] : [j, i];
  return a * n - (a * (a - 1)) / 2 + (b - a);
}
