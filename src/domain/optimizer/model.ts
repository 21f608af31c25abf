/**
 * The optimizer's model: for each KPI, a Bayesian linear regression of the relative effect a
 * canary measured on the parameter moves it made.
 *
 * Around the current card x, a KPI's relative response to a move Δ of parameter p is taken as
 * locally quadratic: relDiff ≈ Σ_p [ b_p·Δ_p + c_p·Δ_p·(2(x0_p − x_p) + Δ_p) ], where x0 is the
 * experiment's starting point. So b_p is the slope at the current card and c_p the curvature;
 * both are linear coefficients, fitted in closed form (conjugate normal prior, known noise).
 *
 * - Prior: b from the config's rule table (the expected impact per step of the rules that
 *   hold now, else of every rule that moves the parameter; 0 where no rule speaks), with sd
 *   max(|b0|, 5 % per step); c ~ N(0, (5 % over three steps)²).
 * - Likelihood: each experiment's measured relDiff with its standard error, plus a 1 % misfit
 *   floor, its variance divided by a weight that halves every `halfLifeDays` (a moving
 *   optimum forgets) and falls with distance from the current card (Gaussian over
 *   `localitySteps` steps per parameter: the quadratic is only trusted locally).
 * - Prediction: mean and sd of each KPI's relative effect for a candidate move (parameter
 *   uncertainty plus the misfit floor).
 */
import type { ProposalRule } from '../parameters';
import type { KpiDef, ParamDef } from '../types';
import { cholesky, cholSolve, quadInv } from './linalg';
import type { Experiment, Prediction } from './types';

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
  /** Per KPI: posterior mean and the Cholesky factor of the posterior precision. */
  posterior: Record<string, { mean: number[]; precisionChol: number[][]; priorSd: number[] }>;
  evidence: number;
}

export interface FitOptions {
  now: string;
  /** Where each KPI sits against its band now (analysis `position`): selects the active rules. */
  positions?: Record<string, string>;
  /** The rule table the prior slopes come from (the config's `optimizer.rules`). */
  rules: readonly ProposalRule[];
  halfLifeDays: number;
  localitySteps: number;
}

/** Features of a move Δ from x0, around the center x: [Δ_p, Δ_p(2(x0_p − x_p) + Δ_p)] per parameter. */
function features(
  params: ParamDef[],
  center: Record<string, number>,
  base: Record<string, number>,
  deltas: Record<string, number>,
): number[] {
  const f: number[] = [];
  for (const p of params) {
    const d = deltas[p.name] ?? 0;
    const x0 = base[p.name] ?? center[p.name] ?? 0;
    f.push(d, d * (2 * (x0 - (center[p.name] ?? 0)) + d));
  }
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
  const m = 2 * params.length;
  const posterior: FittedModel['posterior'] = {};
  const used = experiments.map((e) => ({ e, w: weight(e, params, center, o), f: features(params, center, e.base, e.deltas) }));
  for (const k of kpis) {
    const prec = Array.from({ length: m }, () => new Array<number>(m).fill(0));
    const rhs = new Array<number>(m).fill(0);
    const priorSd = new Array<number>(m).fill(1);
    params.forEach((p, i) => {
      const b0 = priorSlope(p, k.name, o.positions ?? {}, o.rules);
      const sb = Math.max(Math.abs(b0), PRIOR_STEP_EFFECT / p.step);
      const sc = PRIOR_STEP_EFFECT / (9 * p.step * p.step);
      prec[2 * i]![2 * i] = 1 / (sb * sb);
      rhs[2 * i] = b0 / (sb * sb);
      prec[2 * i + 1]![2 * i + 1] = 1 / (sc * sc);
      priorSd[2 * i] = sb;
      priorSd[2 * i + 1] = sc;
    });
    for (const { e, w, f } of used) {
      const y = e.effects[k.name];
      if (!y || !Number.isFinite(y.relDiff) || !Number.isFinite(y.relSe) || w < 1e-6) continue;
      const v = (y.relSe * y.relSe + MISFIT_SD * MISFIT_SD) / w;
      for (let a = 0; a < m; a++) {
        if (f[a] === 0) continue;
        rhs[a]! += (f[a]! * y.relDiff) / v;
        for (let b = 0; b < m; b++) prec[a]![b]! += (f[a]! * f[b]!) / v;
      }
    }
    const l = cholesky(prec);
    posterior[k.name] = { mean: cholSolve(l, rhs), precisionChol: l, priorSd };
  }
  // Evidence counts real canaries only: the offline replay's pseudo-experiments inform the fit but
  // do not end a cold start (the rule table still steers when the model has nothing it would try).
  const evidence = used.filter((u) => u.w >= 1e-6 && u.e.source !== 'replay').reduce((a, u) => a + u.w, 0);
  return { params, kpis: kpis.map((k) => k.name), center, posterior, evidence };
}

/**
 * How much is still unknown about a parameter's local slope on a KPI: posterior sd of b_p over
 * its prior sd (1 = nothing learned yet, → 0 as experiments accumulate near the current card).
 */
export function slopeUncertainty(model: FittedModel, parameter: string, kpi: string): number {
  const i = model.params.findIndex((p) => p.name === parameter);
  const post = model.posterior[kpi];
  if (i < 0 || !post) return 1;
  const e = new Array<number>(2 * model.params.length).fill(0);
  e[2 * i] = 1;
  return Math.sqrt(quadInv(post.precisionChol, e)) / post.priorSd[2 * i]!;
}

/** Predicted relative effect of moving from the center by `deltas`, per KPI. */
export function predict(model: FittedModel, deltas: Record<string, number>): Prediction {
  const f = features(model.params, model.center, model.center, deltas);
  const mean: Record<string, number> = {};
  const sd: Record<string, number> = {};
  for (const k of model.kpis) {
    const post = model.posterior[k]!;
    mean[k] = f.reduce((a, x, i) => a + x * post.mean[i]!, 0);
    sd[k] = Math.sqrt(quadInv(post.precisionChol, f) + MISFIT_SD * MISFIT_SD);
  }
  return { mean, sd, evidence: model.evidence };
}
