/**
 * Canary statistics: group summaries, Welch's t test, Holm's correction and an always-valid
 * confidence sequence for interim checks.
 *
 * Pure and deterministic, no Node imports: called from workflow code. The t distribution comes
 * from @stdlib (cdf and quantile); nothing here approximates it by hand.
 *
 * Degenerate inputs never leak NaN. Instead a result carries `flags` and:
 * - too few samples (n < 2 in a group) or non-finite input: p = 1, t = 0, df = 0 and an
 *   unbounded interval [-Infinity, +Infinity];
 * - zero variance in both groups: p = 1, t = 0 and a point interval [diff, diff] (the data
 *   give no error estimate; the judge therefore never calls such a KPI Improved/Degraded);
 * - zero control mean: the relative difference is undefined; relDiff is 0 (no difference) or
 *   ±Infinity and relCI is unbounded. The absolute test (t, p, CI of diff) is unaffected.
 * JSON turns ±Infinity into null; the flags say why.
 */
import tCdf from '@stdlib/stats-base-dists-t-cdf';
import tQuantile from '@stdlib/stats-base-dists-t-quantile';
import type { GroupMoments, GroupSummary } from './types';

export type StatFlag = 'too_few_samples' | 'zero_variance' | 'zero_control_mean' | 'non_finite';

export type Interval = [number, number];

const UNBOUNDED: Interval = [-Infinity, Infinity];

/** center ± half, unbounded when either overflowed (never NaN). */
function around(center: number, half: number): Interval {
  if (!Number.isFinite(center) || !Number.isFinite(half)) return UNBOUNDED;
  return [center - half, center + half];
}

/**
 * The summary the judge reads, from a group's aggregated moments: sample sd (n - 1) from M2;
 * n = 0 gives mean 0, sd 0 and n = 1 gives sd 0, as for the values themselves.
 */
export function summaryFromMoments(m: Pick<GroupMoments, 'n' | 'mean' | 'm2'>): GroupSummary {
  if (m.n === 0) return { n: 0, mean: 0, sd: 0 };
  if (m.n === 1) return { n: 1, mean: m.mean, sd: 0 };
  return { n: m.n, mean: m.mean, sd: Math.sqrt(Math.max(0, m.m2 / (m.n - 1))) };
}

/** Holm's step-down adjusted p-values, in input order: monotone in the sorted order, capped at 1. */
export function holm(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const p = pValues.map((x) => (Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 1));
  const order = p.map((_, i) => i).sort((a, b) => p[a]! - p[b]! || a - b);
  const adjusted = new Array<number>(m).fill(1);
  let running = 0;
  order.forEach((idx, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p[idx]!));
    adjusted[idx] = running;
  });
  return adjusted;
}

// ---------------------------------------------------------------- Welch

export interface WelchResult {
  /** canary.mean - control.mean */
  diff: number;
  /** Standard error of diff: sqrt(s1²/n1 + s2²/n2). */
  se: number;
  t: number;
  /** Welch–Satterthwaite degrees of freedom. */
  df: number;
  /** Two-sided p-value from the t distribution. */
  pValue: number;
  confidence: number;
  /** CI of diff at `confidence`. */
  ci: Interval;
  /** (canary.mean - control.mean) / |control.mean| */
  relDiff: number;
  /** Delta-method standard error of relDiff (see relativeComponents). */
  relSe: number;
  /** Welch–Satterthwaite df of the delta-method variance components. */
  relDf: number;
  /** CI of relDiff at `confidence`. */
  relCI: Interval;
  flags: StatFlag[];
}

/** Sample moments the tests share, with degenerate cases detected once. */
interface Moments {
  n1: number;
  n2: number;
  /** Degrees of freedom of each sd (GroupSummary.df, n − 1 by default). */
  d1: number;
  d2: number;
  m1: number;
  m2: number;
  v1: number; // s1² / n1
  v2: number; // s2² / n2
  diff: number;
  relDiff: number;
  flags: StatFlag[];
}

function moments(control: GroupSummary, canary: GroupSummary): Moments {
  const flags: StatFlag[] = [];
  const finite = [control.n, control.mean, control.sd, canary.n, canary.mean, canary.sd].every(Number.isFinite);
  if (!finite) flags.push('non_finite');
  const n1 = finite ? control.n : 0;
  const n2 = finite ? canary.n : 0;
  if (n1 < 2 || n2 < 2) flags.push('too_few_samples');
  const m1 = finite ? control.mean : 0;
  const m2 = finite ? canary.mean : 0;
  const v1 = n1 > 0 ? (control.sd * control.sd) / n1 : 0;
  const v2 = n2 > 0 ? (canary.sd * canary.sd) / n2 : 0;
  if (flags.length === 0 && !Number.isFinite(v1 + v2)) flags.push('non_finite');
  if (flags.length === 0 && v1 + v2 === 0) flags.push('zero_variance');
  const diff = n1 > 0 && n2 > 0 ? m2 - m1 : 0;
  if (finite && n1 > 0 && m1 === 0) flags.push('zero_control_mean');
  const relDiff = m1 === 0 ? (diff === 0 ? 0 : Math.sign(diff) * Infinity) : diff / Math.abs(m1);
  const dof = (g: GroupSummary, n: number) => (g.df !== undefined && g.df > 0 && g.df <= n - 1 ? g.df : n - 1);
  return { n1, n2, d1: dof(control, n1), d2: dof(canary, n2), m1, m2, v1, v2, diff, relDiff, flags };
}

/** Welch–Satterthwaite df for variance components a (df_a degrees of freedom) and b (df_b). */
function satterthwaite(a: number, dfa: number, b: number, dfb: number): number {
  const den = (a * a) / dfa + (b * b) / dfb;
  if (!(den > 0)) return dfa + dfb;
  const df = ((a + b) * (a + b)) / den;
  return Number.isFinite(df) ? df : dfa + dfb;
}

/**
 * Relative difference by the delta method (our choice over Fieller's interval, which can be
 * unbounded): with R = m2/m1, relDiff = sign(m1)(R - 1) and
 *   Var(relDiff) ≈ (s2²/n2 + R²·s1²/n1) / m1²,
 * so the control mean's own uncertainty is counted. Returns the two variance components
 * (already divided by m1²) so callers can form a Satterthwaite df or a sequential boundary.
 */
function relativeComponents(m: Moments): { a: number; b: number } {
  const r = m.m2 / m.m1;
  const m1sq = m.m1 * m.m1;
  const a = m.v2 / m1sq;
  const b = (r * r * m.v1) / m1sq;
  // Canary constant at exactly 0 (R = 0) zeroes both terms; fall back to se/|m1|.
  return a + b > 0 ? { a, b } : { a: m.v2 / m1sq, b: m.v1 / m1sq };
}

export function welch(control: GroupSummary, canary: GroupSummary, confidence: number): WelchResult {
  const m = moments(control, canary);
  const base = { diff: m.diff, relDiff: m.relDiff, confidence, flags: m.flags };
  if (m.flags.includes('non_finite')) {
    return { ...base, diff: 0, relDiff: 0, se: 0, t: 0, df: 0, pValue: 1, ci: UNBOUNDED, relSe: 0, relDf: 0, relCI: UNBOUNDED };
  }
  if (m.flags.includes('too_few_samples')) {
    return { ...base, se: 0, t: 0, df: 0, pValue: 1, ci: UNBOUNDED, relSe: 0, relDf: 0, relCI: UNBOUNDED };
  }
  const df0 = m.d1 + m.d2;
  if (m.flags.includes('zero_variance')) {
    const relCI: Interval = m.m1 === 0 || !Number.isFinite(m.relDiff) ? UNBOUNDED : [m.relDiff, m.relDiff];
    return { ...base, se: 0, t: 0, df: df0, pValue: 1, ci: [m.diff, m.diff], relSe: 0, relDf: df0, relCI };
  }
  const se = Math.sqrt(m.v1 + m.v2);
  const t = m.diff / se;
  const df = satterthwaite(m.v1, m.d1, m.v2, m.d2);
  const pValue = Math.min(1, 2 * tCdf(-Math.abs(t), df));
  const q = tQuantile(1 - (1 - confidence) / 2, df);
  const ci = around(m.diff, q * se);
  if (m.m1 === 0) return { ...base, se, t, df, pValue, ci, relSe: 0, relDf: 0, relCI: UNBOUNDED };
  const { a, b } = relativeComponents(m);
  const relSe = Math.sqrt(a + b);
  const relDf = satterthwaite(a, m.d2, b, m.d1);
  const qr = tQuantile(1 - (1 - confidence) / 2, relDf);
  return { ...base, se, t, df, pValue, ci, relSe, relDf, relCI: around(m.relDiff, qr * relSe) };
}

/**
 * One-sided p-values of a Welch result: `upper` = P(T ≥ t) (evidence that canary > control),
 * `lower` = P(T ≤ t). Both are 1 when the test is degenerate (flags: no error estimate).
 */
export function oneSidedP(w: WelchResult): { upper: number; lower: number } {
  if (w.flags.some((f) => f !== 'zero_control_mean') || !(w.df > 0) || !Number.isFinite(w.t)) return { upper: 1, lower: 1 };
  return { upper: Math.min(1, tCdf(-w.t, w.df)), lower: Math.min(1, tCdf(w.t, w.df)) };
}

// ---------------------------------------------------------------- confidence sequence

/**
 * Tuning of the normal-mixture confidence sequence.
 *
 * `tau` is the standard deviation of the Gaussian mixing distribution over the true difference,
 * in units of the pooled standard deviation sqrt((s1² + s2²)/2), i.e. a standardized effect
 * size (Cohen's d). In Howard et al.'s notation the mixing precision is ρ = 1/τ² on the
 * information scale V = 1/se². The boundary is tightest (in units of se) when
 *   se²/τ² = 1/(x - 1), x - ln x = 1 + 2 ln(1/α),
 * i.e. at an effective sample size n_eff = 1/(1/n1 + 1/n2) ≈ (x - 1)/τ² (x ≈ 10.8 at α = 0.025).
 * Larger τ: tighter early, wider late; smaller τ: the reverse.
 */
export interface CsTuning {
  tau: number;
}

/**
 * Default τ = 0.15, chosen with bench/canary-stats.ts for a 60-minute canary at ~1 sample per
 * second split 20/80 (n_eff ≈ 9.6 per minute), where the judge runs the primary's sequence at
 * a two-sided 0.02 and each KPI's worsening sequence at 0.005 with four KPIs (canary/judge.ts): the boundary is
 * tightest near n_eff ≈ (x − 1)/τ² (x − ln x = 1 + 2 ln(1/α)), i.e. 460-520, late in the hour.
 * 0.12 stops later at 2×MDE, 0.2 loses power at the MDE (the final test keeps less alpha). See
 * that file for the scan.
 */
export const DEFAULT_CS_TUNING: CsTuning = { tau: 0.15 };

export interface ConfidenceSequenceResult {
  diff: number;
  /** Always-valid (1 - alpha) interval for the difference of means. */
  ci: Interval;
  relDiff: number;
  /** Always-valid (1 - alpha) interval for the relative difference (delta-method scale). */
  relCI: Interval;
  /** Half-width of ci. */
  halfWidth: number;
  se: number;
  alpha: number;
  /** Mixing sd on the difference scale: tuning.tau × pooled sd. */
  tauAbs: number;
  /** Mixture likelihood ratio against "no difference" (mSPRT statistic Λ). */
  likelihoodRatio: number;
  /** Always-valid p-value for "no difference": min(1, 1/Λ). ci excludes 0 iff it is ≤ alpha. */
  pValue: number;
  flags: StatFlag[];
}

/**
 * Two-sided normal-mixture boundary (Howard, Ramdas, McAuliffe, Sekhon 2021, "Time-uniform,
 * nonparametric, nonasymptotic confidence sequences", eq. for the two-sided normal mixture;
 * the same set is the mSPRT interval of Johari, Pekelis, Walsh 2017/2022).
 *
 * With the difference estimate Δ̂ ~ N(Δ, se²) and a N(0, τ²) mixture over Δ,
 *   Λ(θ) = sqrt(se²/(se²+τ²)) · exp( τ²(Δ̂-θ)² / (2 se²(se²+τ²)) )
 * is a nonnegative martingale under Δ = θ, so by Ville's inequality P(∃t: Λ_t(Δ) ≥ 1/α) ≤ α and
 *   {θ : Λ(θ) < 1/α} = Δ̂ ± sqrt( se²(se²+τ²)/τ² · (2 ln(1/α) + ln((se²+τ²)/se²)) )
 * covers Δ at all checks simultaneously. With se² estimated from the data (Welch variances)
 * the guarantee is asymptotic (Waudby-Smith et al. 2021, "Time-uniform central limit theory").
 */
export function mixtureHalfWidth(se2: number, tau2: number, alpha: number): number {
  return Math.sqrt(((se2 * (se2 + tau2)) / tau2) * (2 * Math.log(1 / alpha) + Math.log((se2 + tau2) / se2)));
}

function logMixtureLr(delta: number, se2: number, tau2: number): number {
  return 0.5 * Math.log(se2 / (se2 + tau2)) + (tau2 * delta * delta) / (2 * se2 * (se2 + tau2));
}

export function confidenceSequence(
  control: GroupSummary,
  canary: GroupSummary,
  alpha: number,
  tuning: CsTuning = DEFAULT_CS_TUNING,
): ConfidenceSequenceResult {
  const m = moments(control, canary);
  // Work in units of the pooled sd (hypot: no overflow/underflow), so tiny or huge KPI scales
  // cannot underflow τ² or se² to 0.
  const pooledSd = Math.hypot(control.sd, canary.sd) / Math.SQRT2;
  const degenerate = m.flags.some((f) => f !== 'zero_control_mean');
  if (degenerate || !(pooledSd > 0) || !Number.isFinite(pooledSd) || !(tuning.tau > 0)) {
    const zeroVar = m.flags.includes('zero_variance') || (!degenerate && pooledSd === 0);
    const ci: Interval = zeroVar ? [m.diff, m.diff] : UNBOUNDED;
    const relCI: Interval = zeroVar && m.m1 !== 0 && Number.isFinite(m.relDiff) ? [m.relDiff, m.relDiff] : UNBOUNDED;
    const ok = !m.flags.includes('non_finite');
    return {
      diff: ok ? m.diff : 0,
      ci,
      relDiff: ok ? m.relDiff : 0,
      relCI,
      halfWidth: zeroVar ? 0 : Infinity,
      se: 0,
      alpha,
      tauAbs: 0,
      likelihoodRatio: 1,
      pValue: 1,
      flags: m.flags,
    };
  }
  const r1 = control.sd / pooledSd;
  const r2 = canary.sd / pooledSd;
  const se2 = (r1 * r1) / m.n1 + (r2 * r2) / m.n2; // standardized
  const tau2 = tuning.tau * tuning.tau;
  const halfWidth = pooledSd * mixtureHalfWidth(se2, tau2, alpha);
  const logLr = logMixtureLr(m.diff / pooledSd, se2, tau2);
  const likelihoodRatio = Number.isFinite(logLr) ? Math.exp(Math.min(logLr, 700)) : Infinity;
  const pValue = Math.min(1, Math.exp(-logLr));
  let relCI: Interval = UNBOUNDED;
  if (m.m1 !== 0) {
    // Same boundary on the delta-method scale: (s2²/n2 + R² s1²/n1)/m1², here in pooled-sd units.
    const rr = m.m2 / m.m1;
    const relSe2 = (r2 * r2) / m.n2 + (rr * rr * r1 * r1) / m.n1;
    const relSe2Safe = relSe2 > 0 ? relSe2 : se2; // canary constant at 0: fall back to se/|m1|
    relCI = around(m.relDiff, (pooledSd / Math.abs(m.m1)) * mixtureHalfWidth(relSe2Safe, tau2, alpha));
  }
  return {
    diff: m.diff,
    ci: around(m.diff, halfWidth),
    relDiff: m.relDiff,
    relCI,
    halfWidth,
    se: pooledSd * Math.sqrt(se2),
    alpha,
    tauAbs: tuning.tau * pooledSd,
    likelihoodRatio,
    pValue,
    flags: m.flags,
  };
}
