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
import { mixtureHalfWidth } from '../statistics';

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

/** Grid of the numerical propagation (log-information step, z step): 3 significant digits, a few ms. */
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
  // The boundary depends on the information only through τ²·I: key on that, in 1 % steps.
  const tau2 = q.tau * q.tau;
  const lo = Math.floor(Math.log(tau2 * q.i0) / 0.01);
  const hi = Math.max(lo, Math.ceil(Math.log(tau2 * Math.max(q.i0, q.i1)) / 0.01));
  const key = `${lo}:${hi}:${q.alpha}:${GRID.du}:${GRID.dz}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const p = compute(Math.exp(lo * 0.01) / tau2, Math.exp(hi * 0.01) / tau2, q.tau, q.alpha);
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
  const dz = GRID.dz;
  const bs: number[] = [];
  for (let j = 0; j <= steps; j++) bs.push(boundary(Math.exp(u0 + j * du), tau2, alpha));
  const zMax = Math.max(...bs);
  const size = Math.ceil((zMax - Z_MIN) / dz) + 1;

  // Crossing at the first look, then the density of Z below the boundary (mass per cell).
  let crossed = 1 - normalCdf(bs[0]!);
  let dens = new Float64Array(size);
  for (let k = 0; k < size; k++) {
    const x = Z_MIN + k * dz;
    if (x < bs[0]!) dens[k] = (Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI)) * dz;
  }
  const decay = Math.exp(-du / 2);
  const v = 1 - Math.exp(-du);
  const band = Math.ceil((7 * Math.sqrt(v)) / dz);
  // Gaussian weights by recurrence: w(r+1) = w(r)·q(r), q(r+1) = q(r)·ρ (two exp per source cell).
  const rho = Math.exp((-dz * dz) / v);
  let next = new Float64Array(size);
  for (let j = 0; j < steps; j++) {
    const b0 = bs[j]!;
    const b1 = bs[j + 1]!;
    next.fill(0);
    for (let k = 0; k < size; k++) {
      const m = dens[k]!;
      if (m < 1e-16) continue;
      const x = Z_MIN + k * dz;
      const mean = x * decay;
      const center = Math.round((mean - Z_MIN) / dz);
      const first = center - band;
      const d0 = Z_MIN + first * dz - mean;
      const w0 = Math.exp(-(d0 * d0) / (2 * v));
      const q0 = Math.exp(-(2 * d0 * dz + dz * dz) / (2 * v));
      // Normalise the discretised kernel so that mass leaves only through the boundary.
      let total = 0;
      for (let r = first, w = w0, q = q0; r <= center + band; r++, w *= q, q *= rho) total += w;
      const scale = m / total;
      const gap0 = Math.max(0, b0 - x);
      const lo = Math.max(0, first);
      const hi = Math.min(size - 1, center + band);
      let w = w0;
      let q = q0;
      for (let r = first; r < lo; r++, w *= q, q *= rho);
      for (let r = lo; r <= hi; r++, w *= q, q *= rho) {
        const y = Z_MIN + r * dz;
        if (y >= b1) break;
        // Brownian-bridge survival between the two grid times (continuous monitoring).
        const e = (2 * gap0 * (b1 - y)) / v;
        next[r]! += scale * w * (e > 40 ? 1 : 1 - Math.exp(-e));
      }
    }
    [dens, next] = [next, dens];
  }
  // The last grid time is the final check itself: what reaches it uncrossed is not spent.
  let alive = 0;
  for (let k = 0; k < size; k++) alive += dens[k]!;
  const below = normalCdf(bs[0]!);
  crossed += Math.max(0, below - alive);
  return Math.min(1, Math.max(0, crossed));
}
