/**
 * What the optimizer maximizes, and whether a canary would let a change through.
 *
 * Objective (from the KPI config), in "weighted relative change" units:
 *   - every primary KPI: weight × goal-signed relative change (maximize: +, minimize: −);
 *   - every KPI with a target band (target_min / target_max, any role): weight × the reduction
 *     of its distance outside the band, relative to the band edge (0 while it stays inside);
 *     the expectation is taken over the predicted effect's uncertainty and over the window
 *     mean's own standard error (closed form for the hinge), so a move that might push a KPI
 *     out of its band costs something, and one that moves a KPI measured just inside its band
 *     away from the edge is worth something;
 *   - guardrails without a band add nothing: they are constraints, through the canary model.
 * Canary model: the canary estimate of a KPI's relative effect is N(μ, s² + e²), with μ, s the
 * model's prediction and e the canary's own standard error (the KPI's slot-level coefficient of
 * variation from the analysis, at the planned canary sizes). A KPI is predicted Degraded when
 * the estimate is worse than max(z_H·e, tolerance + z·e) (the judge's Rollback family, first
 * Holm step, and the tolerance rule); a primary passes when it is better than z_NI·e − margin
 * (non-inferior or improved; z_NI one-sided at the full alpha: an intersection-union test, no
 * correction for the number of checks). P(Proceed) multiplies those as if independent: that
 * product is the power side of the intersection-union test, where its cost shows.
 * Issue 3 check: for a known effect this matches judgeCanary's final verdict on simulated
 * canaries to ±0.01-0.02 (test/unit/domain/optimizer-pass-probability.test.ts), e.g. a no-effect
 * move at 6 000 canary slots gets 0.22 (judge 0.22), at 18 000 0.53, at 100 000 0.99. Against
 * the bench's outcomes it is calibrated for gated moves (predicted ≈ 0.95, observed 22 of 23,
 * the miss a harmful region the model cannot see) and under-confident for Explorations
 * (predicted 0.3-0.75, observed 18 of 20): see the Findings in bench/decision-quality.ts.
 */
import { probit } from 'simple-statistics';
import { normalCdf, stagePlan } from '../canary';
import type { ChangePurpose, KpiAnalysis, KpiDef, WindowAnalysis } from '../types';
import type { CanaryPlan, Prediction } from './types';

const sign = (k: KpiDef): 1 | -1 => (k.goal === 'maximize' ? 1 : -1);
const phi = (x: number): number => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);

/** E[max(0, a + b·X)] for X ~ N(mu, s²). */
function hingeMean(a: number, b: number, mu: number, s: number): number {
  const m = a + b * mu;
  const sd = Math.abs(b) * s;
  if (!(sd > 0)) return Math.max(0, m);
  return m * normalCdf(m / sd) + sd * phi(m / sd);
}

/** Distance of a level outside the KPI's band, relative to the band edge (0 inside). */
export function bandDistance(k: KpiDef, level: number): number {
  let d = 0;
  if (k.target_min !== undefined && level < k.target_min) d += (k.target_min - level) / Math.max(Math.abs(k.target_min), 1e-9);
  if (k.target_max !== undefined && level > k.target_max) d += (level - k.target_max) / Math.max(Math.abs(k.target_max), 1e-9);
  return d;
}

const hasBand = (k: KpiDef): boolean => k.target_min !== undefined || k.target_max !== undefined;

/** The objective of observed levels against reference levels (used by the bench with true levels). */
export function objectiveOfLevels(kpis: KpiDef[], levels: Record<string, number>, reference: Record<string, number>): number {
  let j = 0;
  for (const k of kpis) {
    const l = levels[k.name];
    const r = reference[k.name];
    if (l === undefined || !Number.isFinite(l)) continue;
    if (k.role === 'primary' && r !== undefined && r !== 0) j += k.weight * sign(k) * (l / Math.abs(r) - Math.sign(r));
    if (hasBand(k)) j -= k.weight * bandDistance(k, l);
  }
  return j;
}

export interface ObjectivePrediction {
  mean: number;
  sd: number;
  /** Part of the mean from target bands (> 0: brings a KPI back toward its band). */
  band: number;
  primary: number;
}

/** Predicted objective change of a move, from the model's per-KPI prediction and the current levels. */
export function predictObjective(kpis: KpiDef[], analysis: WindowAnalysis, p: Prediction): ObjectivePrediction {
  let primary = 0;
  let band = 0;
  let variance = 0;
  for (const k of kpis) {
    const mu = p.mean[k.name] ?? 0;
    const s = p.sd[k.name] ?? 0;
    if (k.role === 'primary') {
      primary += k.weight * sign(k) * mu;
      variance += (k.weight * s) ** 2;
    }
    const a = analysis.kpis.find((x) => x.kpi === k.name);
    if (hasBand(k) && a && Number.isFinite(a.mean)) {
      const L = a.mean;
      // The objective is the distance of the TRUE level from the band; the window only gives
      // its mean to ± se (slot sd / √n). Both the current distance and the distance after the
      // move are expectations over that uncertainty (and, after the move, over the predicted
      // effect): treating the current level as exact would make every uncertain move near a
      // band edge look harmful (Jensen) while a KPI measured just inside its band may well be
      // outside it. With production-size windows se is negligible and this is the plain hinge.
      const se = a.n > 1 && Number.isFinite(a.sd) ? a.sd / Math.sqrt(a.n) : 0;
      const after = L * (1 + mu);
      const sdAfter = Math.sqrt(L * L * s * s + se * se * ((1 + mu) ** 2 + s * s));
      let now = 0;
      let expected = 0;
      let slope = 0;
      if (k.target_min !== undefined) {
        const e = Math.max(Math.abs(k.target_min), 1e-9);
        now += hingeMean(k.target_min / e, -1 / e, L, se);
        expected += hingeMean(k.target_min / e, -1 / e, after, sdAfter);
        if (after < k.target_min) slope += -L / e;
      }
      if (k.target_max !== undefined) {
        const e = Math.max(Math.abs(k.target_max), 1e-9);
        now += hingeMean(-k.target_max / e, 1 / e, L, se);
        expected += hingeMean(-k.target_max / e, 1 / e, after, sdAfter);
        if (after > k.target_max) slope += L / e;
      }
      band += k.weight * (now - expected);
      variance += (k.weight * slope * s) ** 2;
    }
  }
  return { mean: primary + band, sd: Math.sqrt(variance), band, primary };
}

/** Relative standard error the planned canary will have for this KPI. */
export function canarySe(a: KpiAnalysis, plan: CanaryPlan, windowHours: number): number {
  const perHour = a.n / Math.max(1e-9, windowHours);
  const total = plan.expectedSamples ?? perHour * (plan.durationMinutes / 60);
  const nCanary = Math.max(2, total * plan.trafficShare);
  const nControl = Math.max(2, total * (1 - plan.trafficShare));
  const cv = Math.abs(a.mean) > 0 ? a.sd / Math.abs(a.mean) : Infinity;
  const share = plan.varianceShare?.[a.kpi] ?? 1;
  return cv * Math.sqrt(share) * Math.sqrt(1 / nCanary + 1 / nControl);
}

export interface CanaryForecast {
  /** P(the verdict is Proceed): no KPI degraded and every primary improved or non-inferior. */
  pProceed: number;
  /** P(no KPI is found degraded): the change is safe to try. */
  pSafe: number;
  /**
   * Expected objective gain GIVEN that the canary passes: the prediction plus the selection
   * effect of the canary filter on the primaries, E[r | r̂ > θ] = μ + s²/√(s²+e²)·φ(a)/(1−Φ(a)),
   * a = (θ − μ)/√(s²+e²) (truncated normal). Where the model is unsure (large s) a passing
   * canary is likely to have found a real gain: this is what makes a probe worth its risk.
   */
  passBonus: number;
}

/**
 * The band a move is for (issue 12): among the KPIs outside their band, the one the prediction
 * moves toward its band the most (weighted); null when the move brings none back.
 */
export function bandPurpose(kpis: KpiDef[], analysis: WindowAnalysis, p: Prediction): ChangePurpose | null {
  let best: { purpose: ChangePurpose; pull: number } | null = null;
  for (const a of analysis.kpis) {
    const k = kpis.find((x) => x.name === a.kpi);
    if (!k || (a.position !== 'below' && a.position !== 'above')) continue;
    if ((a.position === 'below' && k.target_min === undefined) || (a.position === 'above' && k.target_max === undefined)) continue;
    const direction: 1 | -1 = a.position === 'below' ? 1 : -1;
    const pull = k.weight * direction * (p.mean[k.name] ?? 0);
    if (pull > 0 && (!best || pull > best.pull)) best = { purpose: { kind: 'band', kpi: k.name, direction }, pull };
  }
  return best?.purpose ?? null;
}

/**
 * What the planned canary is likely to say about this prediction, judged on the move's purpose:
 * the primary (improved or non-inferior), or a band (that KPI improved toward its band at the
 * Proceed family's level, the primary only not degraded beyond the margin).
 */
export function forecastCanary(
  kpis: KpiDef[],
  analysis: WindowAnalysis,
  p: Prediction,
  plan: CanaryPlan,
  windowHours: number,
  purpose: ChangePurpose = { kind: 'primary' },
): CanaryForecast {
  const stages = Math.max(1, Math.floor(plan.maxStages ?? 1));
  if (stages === 1) return forecastLook(kpis, analysis, p, plan, windowHours, purpose, 1, 1);
  // Staged canary (issue 12): P(pass by some stage) ≥ the best single stage end's P(pass there
  // and no degradation at that or an earlier stage end), each at its cumulative samples and its
  // share of the error (stagePlan): a lower bound, so the gate stays conservative.
  let best: CanaryForecast = { pProceed: 0, pSafe: 1, passBonus: 0 };
  let safeSoFar = 1;
  for (let k = 1; k <= stages; k++) {
    const look = forecastLook(kpis, analysis, p, plan, windowHours, purpose, k, stagePlan({ stage: k, maxStages: stages }).share);
    safeSoFar = Math.min(safeSoFar, look.pSafe);
    const pass = Math.min(look.pProceed, safeSoFar * (look.pSafe > 0 ? look.pProceed / look.pSafe : 0));
    if (pass > best.pProceed) best = { pProceed: pass, pSafe: safeSoFar, passBonus: look.passBonus };
  }
  return { ...best, pSafe: safeSoFar };
}

/** One stage end's forecast: `scale` times the planned samples, `share` of each level. */
function forecastLook(
  kpis: KpiDef[],
  analysis: WindowAnalysis,
  p: Prediction,
  plan: CanaryPlan,
  windowHours: number,
  purpose: ChangePurpose,
  scale: number,
  share: number,
): CanaryForecast {
  const band = purpose.kind === 'band' && kpis.some((k) => k.name === purpose.kpi) ? purpose : null;
  const alpha = (1 - plan.confidenceLevel) * share;
  const z = probit(1 - alpha / 2);
  // Non-inferiority is one-sided at the full alpha (intersection-union, canary/judge.ts).
  const zNI = probit(1 - alpha);
  const zH = probit(1 - alpha / (2 * Math.max(1, kpis.length)));
  let safe = 1;
  let primaryOk = 1;
  let passBonus = 0;
  for (const k of kpis) {
    const a = analysis.kpis.find((x) => x.kpi === k.name);
    if (!a) continue;
    const e = canarySe(a, plan, windowHours) / Math.sqrt(scale);
    if (!Number.isFinite(e)) return { pProceed: 0, pSafe: 0, passBonus: 0 };
    const target = band !== null && k.name === band.kpi;
    const mu = (target ? band.direction : sign(k)) * (p.mean[k.name] ?? 0);
    const s = p.sd[k.name] ?? 0;
    const v = Math.sqrt(s * s + e * e);
    const tol = band && !target && k.role === 'primary' ? Math.max(k.tolerance ?? 0, plan.nonInferiorityMargin) : (k.tolerance ?? 0);
    const worse = Math.max(zH * e, tol > 0 ? tol + z * e : 0);
    const notDegraded = 1 - normalCdf((-worse - mu) / v);
    safe *= notDegraded;
    if (target) primaryOk *= 1 - normalCdf((z * e - mu) / v);
    // A band correction's primary: its estimate must not fall below −margin (canary/judge.ts).
    // That implies "not found degraded", already in `safe`: the joint is the estimate's alone.
    else if (band && k.role === 'primary' && (plan.bandPrimaryEstimate ?? true))
      primaryOk *= notDegraded > 0 ? Math.min(1, (1 - normalCdf((-tol - mu) / v)) / notDegraded) : 0;
    else if (!band && k.role === 'primary') {
      const t = (zNI * e - Math.max(plan.nonInferiorityMargin, tol) - mu) / v;
      const pass = 1 - normalCdf(t);
      primaryOk *= pass;
      // Mills ratio φ(t)/(1−Φ(t)), with its asymptote t for large t.
      const mills = pass > 1e-12 ? phi(t) / pass : t;
      passBonus += k.weight * ((s * s) / v) * mills;
    }
  }
  const pProceed = Math.min(1, Math.max(0, safe * primaryOk));
  return { pProceed, pSafe: Math.min(1, Math.max(0, safe)), passBonus };
}
