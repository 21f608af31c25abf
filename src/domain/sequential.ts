/**
 * What the interim confidence sequence really spends over a finite canary.
 *
 * Ville's inequality bounds the chance that the normal-mixture sequence at level a EVER
 * excludes the truth by a, over an infinite horizon. A canary stops at a known sample size, so
 * the real chance is much smaller (about a quarter of it at our traffic), and the judge charges
 * the interim looks that real figure: the final fixed-horizon test then gets the rest of the
 * family's alpha (a union bound, so the family's error stays below its share).
 *
 * Model (null hypothesis, normal approximation, information I = 1/se² in pooled-sd units):
 * S(I) = I·Δ̂ is a Brownian motion in I. The upper boundary of the two-sided mixture sequence
 * at level a is S ≥ I·h(I) with h = mixtureHalfWidth(1/I, τ², a). With u = ln I, the z-score
 * Z = S/√I is an Ornstein–Uhlenbeck process (Z' = Z·e^{-Δ/2} + N(0, 1 − e^{-Δ})), and the
 * boundary is b(u) = √I·h(I). We propagate Z's density on a grid from I0 (both groups at the
 * minimum sample size) to I1 (the final check), absorbing at b with the Brownian-bridge
 * correction between grid times, i.e. continuous monitoring: an upper bound for any schedule
 * of looks. Pure and deterministic; results are memoised.
 */
import { errorFunction } from 'simple-statistics';
import { mixtureHalfWidth } from './statistics';

export interface CrossingQuery {
  /** Information when monitoring starts (1/se², pooled-sd units). */
  i0: number;
  /** Information at the final check. */
  i1: number;
  /** Mixing sd of the sequence (standardized), as in CsTuning. */
  tau: number;
  /** Two-sided level of the sequence. */
  alpha: number;
}

/** Grid of the numerical propagation (log-information step, z step): 3 significant digits, ~20 ms. */
export const GRID = { du: 0.05, dz: 0.08 };

const Z_MIN = -8;
const cache = new Map<string, number>();

/**
 * P(the upper boundary of the level-`alpha` mixture sequence is crossed at some information in
 * [i0, i1)) under no difference; the lower boundary is the mirror image. Rounded up so memoising
 * on a coarse key stays conservative (i1 rounded up, i0 rounded down, 1 % steps).
 */
export function crossingProbability(q: CrossingQuery): number {
  if (!(q.alpha > 0) || !(q.tau > 0)) return 0;
  if (!(q.i0 > 0) || !Number.isFinite(q.i1) || !Number.isFinite(q.i0)) return Math.min(1, q.alpha);
  const lo = Math.floor(Math.log(q.i0) / 0.01);
  const hi = Math.max(lo, Math.ceil(Math.log(Math.max(q.i0, q.i1)) / 0.01));
  const key = `${lo}:${hi}:${q.tau}:${q.alpha}:${GRID.du}:${GRID.dz}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const p = compute(Math.exp(lo * 0.01), Math.exp(hi * 0.01), q.tau, q.alpha);
  if (cache.size > 512) cache.clear();
  cache.set(key, p);
  return p;
}

function boundary(info: number, tau2: number, alpha: number): number {
  return Math.sqrt(info) * mixtureHalfWidth(1 / info, tau2, alpha);
}

/** Standard normal cdf from simple-statistics' error function (|error| < 1.2e-7, ample here). */
export function normalCdf(x: number): number {
  return 0.5 * (1 + errorFunction(x / Math.SQRT2));
}

function compute(i0: number, i1: number, tau: number, alpha: number): number {
  const tau2 = tau * tau;
  const u0 = Math.log(i0);
  const steps = Math.max(1, Math.ceil((Math.log(i1) - u0) / GRID.du));
  const du = (Math.log(i1) - u0) / steps;
  const bs: number[] = [];
  for (let j = 0; j <= steps; j++) bs.push(boundary(Math.exp(u0 + j * du), tau2, alpha));
  const zMax = Math.max(...bs);
  const size = Math.ceil((zMax - Z_MIN) / GRID.dz) + 1;
  const z = (k: number) => Z_MIN + k * GRID.dz;

  // Crossing at the first look, then the density of Z below the boundary (mass per cell).
  let crossed = 1 - normalCdf(bs[0]!);
  let dens = new Float64Array(size);
  for (let k = 0; k < size; k++) {
    const x = z(k);
    if (x < bs[0]!) dens[k] = (Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI)) * GRID.dz;
  }
  const decay = Math.exp(-du / 2);
  const v = 1 - Math.exp(-du);
  const sd = Math.sqrt(v);
  const band = Math.ceil((7 * sd) / GRID.dz);
  for (let j = 0; j < steps; j++) {
    const b0 = bs[j]!;
    const b1 = bs[j + 1]!;
    const next = new Float64Array(size);
    for (let k = 0; k < size; k++) {
      const m = dens[k]!;
      if (m < 1e-16) continue;
      const x = z(k);
      const mean = x * decay;
      const center = Math.round((mean - Z_MIN) / GRID.dz);
      // Normalise the discretised kernel so that mass leaves only through the boundary.
      let total = 0;
      for (let r = center - band; r <= center + band; r++) {
        const y = z(r);
        total += Math.exp(-((y - mean) * (y - mean)) / (2 * v));
      }
      for (let r = Math.max(0, center - band); r <= Math.min(size - 1, center + band); r++) {
        const y = z(r);
        if (y >= b1) continue;
        const w = Math.exp(-((y - mean) * (y - mean)) / (2 * v)) / total;
        const bridge = 1 - Math.exp((-2 * Math.max(0, b0 - x) * Math.max(0, b1 - y)) / v);
        next[r]! += m * w * bridge;
      }
    }
    dens = next;
  }
  // The last grid time is the final check itself: what reaches it uncrossed is not spent.
  let alive = 0;
  for (let k = 0; k < size; k++) alive += dens[k]!;
  const below = normalCdf(bs[0]!);
  crossed += Math.max(0, below - alive);
  return Math.min(1, Math.max(0, crossed));
}
