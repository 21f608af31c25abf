/**
 * The optimizer's model: for each KPI, a Bayesian linear regression of the relative effect a
 * canary measured on the parameter moves it made.
 *
 * Around the current card x, a KPI's relative response to a move Δ from the experiment's
 * starting point x0 is taken as locally quadratic, with u = x0 − x:
 *   relDiff ≈ Σ_p [ b_p·Δ_p + c_p·Δ_p·(2u_p + Δ_p) ] + Σ_{p<q} d_pq·(Δ_pΔ_q + Δ_p·u_q + Δ_q·u_p),
 * the exact change of Σ b_p(y_p) + c_p(y_p)² + d_pq·y_p·y_q (y = card − x) from x0 to x0 + Δ. So
 * b_p is the slope at the current card, c_p the curvature and d_pq the interaction of p and q
 * (issue 12: a joint move, e.g. temperature down and top_k up, is scored as a unit, and a slope
 * measured before another parameter moved is carried to the current card); all are linear
 * coefficients, fitted in closed form (conjugate normal prior, known noise).
 *
 * - Prior: b from the config's rule table (the expected impact per step of the rules that
 *   hold now, else of every rule that moves the parameter; 0 where no rule speaks), with sd
 *   max(|b0|, 5 % per step); c ~ N(0, (5 % over `curvatureSteps` steps)², default two);
 *   d_pq ~ N(0, (5 % over `interactionSteps` steps of each, default three)²), i.e. sd
 *   0.05 / (9·step_p·step_q) by default. Only a move of two parameters at once (the replay's
 *   pairs, a compound canary) or a move of one from a card where another differs from now
 *   informs d: with neither, d stays at its prior mean 0 and a single move's prediction is what
 *   the additive model gives.
 * - Likelihood: each experiment's measured relDiff with its standard error, plus a misfit
 *   floor (`misfitSd`, default 1 %), its variance divided by a weight that halves every
 *   `halfLifeDays` (a moving optimum forgets) and falls with distance from the current card
 *   (Gaussian over `localitySteps` steps per parameter: the quadratic is only trusted locally).
 *   The offline replay's moves come as one correlated measurement with their covariance
 *   (replay/evidence.ts) and are fitted by generalised least squares (addCorrelated).
 * - Prediction: mean and sd of each KPI's relative effect for a candidate move (parameter
 *   uncertainty plus the misfit floor).
 */
import type { ProposalRule } from '../parameters';
import type { KpiDef, ParamDef } from '../types';
import { cholesky, cholSolve, forwardSolve, packedIndex, quadInv } from './linalg';
import type { Experiment, OfflineEvidence, Prediction } from './types';

const MISFIT_SD = 0.01;
const PRIOR_STEP_EFFECT = 0.05;
const DAY_MS = 86_400_000;

/**
 * Prior slope (relative KPI change per unit of the parameter) from the rule table: the rules
 * whose condition holds now (their KPI is where the rule reacts), else every rule that moves the
 * parameter, averaged; 0 where no rule speaks.
 */
export function priorSlope(param: ParamDef, kpi: string, positions: Record<string, string>, rules: readonly ProposalRule[]): number {
  const speaking = rules.filter((r) => r.parameter === param.name && r.expected_impact[kpi] !== undefined);
  const active = speaking.filter((r) => positions[r.kpi] === r.when);
  const slopes = (active.length ? active : speaking).map((r) => (r.expected_impact[kpi]! * r.direction) / param.step);
  return slopes.length ? slopes.reduce((a, b) => a + b, 0) / slopes.length : 0;
}

export interface FittedModel {
  params: ParamDef[];
  kpis: string[];
  center: Record<string, number>;
  /** Whether the model has the interaction terms (after the 2P per-parameter coefficients). */
  interactions: boolean;
  /** Per KPI: posterior mean and the Cholesky factor of the posterior precision. */
  posterior: Record<string, { mean: number[]; precisionChol: number[][]; priorSd: number[] }>;
  evidence: number;
  /** The misfit floor the fit assumed, added to every prediction's variance too. */
  misfitSd: number;
}

export interface FitOptions {
  now: string;
  /** Where each KPI sits against its band now (analysis `position`): selects the active rules. */
  positions?: Record<string, string>;
  /** The rule table the prior slopes come from (the config's `optimizer.rules`). */
  rules: readonly ProposalRule[];
  halfLifeDays: number;
  localitySteps: number;
  /** The curvature prior: 5 % over this many steps of the parameter (default 2; 3 before issue 12's last ablation). */
  curvatureSteps?: number;
  /** The interaction prior: 5 % over this many steps of each parameter (default 3). */
  interactionSteps?: number;
  /**
   * The misfit floor: how far any measured move may sit from the quadratic model (one sd,
   * relative), added to each measurement's variance and to each prediction's. Default 1 %.
   */
  misfitSd?: number;
  /** Fit the interaction terms d_pq. Default true; false is the additive model (the ablation, and the tests' reference). */
  interactions?: boolean;
  /**
   * The offline replay's pseudo-experiments with their error covariance: fitted as one correlated
   * measurement (generalised least squares: whitened by the Cholesky factor of the covariance,
   * plus the misfit floor on each move). Without a covariance, each counts on its own.
   */
  replay?: OfflineEvidence;
}

/** Parameter pairs (i < j) in the order of their interaction coefficients, after the 2P per-parameter ones. */
function pairsOf(n: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) out.push([i, j]);
  return out;
}

/**
 * Features of a move Δ from x0, around the center x (u = x0 − x): [Δ_p, Δ_p(2u_p + Δ_p)] per
 * parameter, then Δ_pΔ_q + Δ_p·u_q + Δ_q·u_p per pair p < q.
 */
function features(
  params: ParamDef[],
  center: Record<string, number>,
  base: Record<string, number>,
  deltas: Record<string, number>,
  interactions: boolean,
): number[] {
  const f: number[] = [];
  const d = params.map((p) => deltas[p.name] ?? 0);
  const u = params.map((p) => (base[p.name] ?? center[p.name] ?? 0) - (center[p.name] ?? 0));
  params.forEach((_, i) => f.push(d[i]!, d[i]! * (2 * u[i]! + d[i]!)));
  if (interactions) for (const [i, j] of pairsOf(params.length)) f.push(d[i]! * d[j]! + d[i]! * u[j]! + d[j]! * u[i]!);
  return f;
}

function weight(e: Experiment, params: ParamDef[], center: Record<string, number>, o: FitOptions): number {
  const ageDays = Math.max(0, (Date.parse(o.now) - Date.parse(e.at)) / DAY_MS);
  let d2 = 0;
  for (const p of params) {
    const x0 = e.base[p.name];
    if (x0 === undefined || center[p.name] === undefined) continue;
    d2 += ((x0 - center[p.name]!) / p.step) ** 2;
  }
  const age = Number.isFinite(ageDays) ? 0.5 ** (ageDays / o.halfLifeDays) : 1;
  return age * Math.exp(-d2 / (2 * o.localitySteps * o.localitySteps));
}

export function fitModel(
  params: ParamDef[],
  kpis: KpiDef[],
  center: Record<string, number>,
  experiments: Experiment[],
  o: FitOptions,
): FittedModel {
  const pairs = o.interactions === false ? [] : pairsOf(params.length);
  const cs = o.curvatureSteps ?? 2;
  const is = o.interactionSteps ?? 3;
  const misfit = o.misfitSd ?? MISFIT_SD;
  const m = 2 * params.length + pairs.length;
  const posterior: FittedModel['posterior'] = {};
  const block = o.replay?.covariance ? o.replay : undefined;
  const all = o.replay && !block ? [...experiments, ...o.replay.experiments] : experiments;
  const row = (e: Experiment) => ({
    e,
    w: weight(e, params, center, o),
    f: features(params, center, e.base, e.deltas, pairs.length > 0),
  });
  const replayed = (block?.experiments ?? []).map(row);
  const used = all.map(row);
  for (const k of kpis) {
    const prec = Array.from({ length: m }, () => new Array<number>(m).fill(0));
    const rhs = new Array<number>(m).fill(0);
    const priorSd = new Array<number>(m).fill(1);
    params.forEach((p, i) => {
      const b0 = priorSlope(p, k.name, o.positions ?? {}, o.rules);
      const sb = Math.max(Math.abs(b0), PRIOR_STEP_EFFECT / p.step);
      const sc = PRIOR_STEP_EFFECT / (cs * cs * p.step * p.step);
      prec[2 * i]![2 * i] = 1 / (sb * sb);
      rhs[2 * i] = b0 / (sb * sb);
      prec[2 * i + 1]![2 * i + 1] = 1 / (sc * sc);
      priorSd[2 * i] = sb;
      priorSd[2 * i + 1] = sc;
    });
    pairs.forEach(([i, j], n) => {
      const sd = PRIOR_STEP_EFFECT / (is * is * params[i]!.step * params[j]!.step);
      prec[2 * params.length + n]![2 * params.length + n] = 1 / (sd * sd);
      priorSd[2 * params.length + n] = sd;
    });
    for (const { e, w, f } of used) {
      const y = e.effects[k.name];
      if (!y || !Number.isFinite(y.relDiff) || !Number.isFinite(y.relSe) || w < 1e-6) continue;
      const v = (y.relSe * y.relSe + misfit * misfit) / w;
      for (let a = 0; a < m; a++) {
        if (f[a] === 0) continue;
        rhs[a]! += (f[a]! * y.relDiff) / v;
        for (let b = 0; b < m; b++) prec[a]![b]! += (f[a]! * f[b]!) / v;
      }
    }
    const cov = block?.covariance?.[k.name];
    if (cov) addCorrelated(prec, rhs, replayed, cov, k.name, misfit);
    const l = cholesky(prec);
    posterior[k.name] = { mean: cholSolve(l, rhs), precisionChol: l, priorSd };
  }
  // Evidence counts real canaries only: the offline replay's pseudo-experiments inform the fit but
  // do not end a cold start (the rule table still steers when the model has nothing it would try).
  const evidence = used.filter((u) => u.w >= 1e-6 && u.e.source !== 'replay').reduce((a, u) => a + u.w, 0);
  return { params, kpis: kpis.map((k) => k.name), center, interactions: pairs.length > 0, posterior, evidence, misfitSd: misfit };
}

/**
 * Adds a block of correlated measurements (the replay's moves, all from the same slots) to the
 * normal equations: with Σ their covariance (plus the misfit floor on each, over their weight)
 * and L its Cholesky factor, the whitened rows L⁻¹F and L⁻¹y are independent with unit variance.
 */
function addCorrelated(
  prec: number[][],
  rhs: number[],
  rows: ReadonlyArray<{ e: Experiment; w: number; f: number[] }>,
  cov: readonly number[],
  kpi: string,
  misfit: number,
): void {
  const n = rows.length;
  const idx = rows
    .map((_, i) => i)
    .filter((i) => {
      const y = rows[i]!.e.effects[kpi];
      return y !== undefined && Number.isFinite(y.relDiff) && rows[i]!.w >= 1e-6;
    });
  if (idx.length === 0) return;
  const sigma = idx.map((a) =>
    idx.map((b) => {
      const c = cov[packedIndex(n, a, b)] ?? 0;
      const w = Math.sqrt(rows[a]!.w * rows[b]!.w);
      return ((Number.isFinite(c) ? c : 0) + (a === b ? misfit * misfit : 0)) / w;
    }),
  );
  let l: number[][];
  try {
    l = cholesky(sigma);
  } catch {
    return; // not a covariance: the replay is left out rather than trusted wrongly
  }
  const m = rhs.length;
  const y = forwardSolve(
    l,
    idx.map((i) => rows[i]!.e.effects[kpi]!.relDiff),
  );
  const f = Array.from({ length: m }, (_, j) =>
    forwardSolve(
      l,
      idx.map((i) => rows[i]!.f[j]!),
    ),
  );
  for (let a = 0; a < m; a++) {
    rhs[a]! += f[a]!.reduce((acc, x, r) => acc + x * y[r]!, 0);
    for (let b = 0; b < m; b++) prec[a]![b]! += f[a]!.reduce((acc, x, r) => acc + x * f[b]![r]!, 0);
  }
}

/**
 * How much is still unknown about a parameter's local slope on a KPI: posterior sd of b_p over
 * its prior sd (1 = nothing learned yet, → 0 as experiments accumulate near the current card).
 */
export function slopeUncertainty(model: FittedModel, parameter: string, kpi: string): number {
  const i = model.params.findIndex((p) => p.name === parameter);
  const post = model.posterior[kpi];
  if (i < 0 || !post) return 1;
  const e = new Array<number>(post.mean.length).fill(0);
  e[2 * i] = 1;
  return Math.sqrt(quadInv(post.precisionChol, e)) / post.priorSd[2 * i]!;
}

/**
 * The posterior of the interaction d_pq of two parameters on a KPI (relative effect per unit of
 * each), with its prior sd: > 0 when moving both the same way does more than the two moves
 * alone. Null for an unknown parameter, the same parameter twice, or an unknown KPI.
 */
export function interaction(model: FittedModel, p: string, q: string, kpi: string): { mean: number; sd: number; priorSd: number } | null {
  const a = model.params.findIndex((x) => x.name === p);
  const b = model.params.findIndex((x) => x.name === q);
  const post = model.posterior[kpi];
  if (a < 0 || b < 0 || a === b || !post || !model.interactions) return null;
  const n = pairsOf(model.params.length).findIndex(([i, j]) => i === Math.min(a, b) && j === Math.max(a, b));
  const k = 2 * model.params.length + n;
  const e = new Array<number>(post.mean.length).fill(0);
  e[k] = 1;
  return { mean: post.mean[k]!, sd: Math.sqrt(quadInv(post.precisionChol, e)), priorSd: post.priorSd[k]! };
}

/** Predicted relative effect of moving from the center by `deltas` (one parameter or several at once), per KPI. */
export function predict(model: FittedModel, deltas: Record<string, number>): Prediction {
  const f = features(model.params, model.center, model.center, deltas, model.interactions);
  const mean: Record<string, number> = {};
  const sd: Record<string, number> = {};
  for (const k of model.kpis) {
    const post = model.posterior[k]!;
    mean[k] = f.reduce((a, x, i) => a + x * post.mean[i]!, 0);
    sd[k] = Math.sqrt(quadInv(post.precisionChol, f) + model.misfitSd * model.misfitSd);
  }
  return { mean, sd, evidence: model.evidence };
}
