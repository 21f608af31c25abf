/**
 * The learning optimizer (1.3, 1.4): proposes changes of the tuned parameters from the window
 * analysis, the model fitted on past canaries, the sliding bounds and the canary it must pass.
 *
 * 1. Bad data never becomes a proposal (analysis.usable false → nothing).
 * 2. Candidates: for each parameter and direction, moves of 1..n steps (× stepScale) up to the
 *    daily delta, inside the sliding bounds (or an operator override), the hard limits and a
 *    trust region around the last known-good card; directions in backoff after a rollback are
 *    skipped (bounds.directionBackoff); every candidate passes validateChange.
 * 3. Each candidate gets the model's predicted effect per KPI (mean, sd), the predicted
 *    objective change and the probability that the canary lets it through.
 * 4. Choice: Optimization / Correction when the predicted gain is at least minGain and the
 *    canary is likely to pass (≥ minProceedProbability); score = P(pass) × gain. Rollback: a
 *    move back toward the last known-good card, same test. Only when nothing qualifies, an
 *    Exploration where the model is unsure: a parameter whose local slope is still mostly
 *    unknown (posterior sd ≥ exploreAbove × prior sd) and a move whose predicted primary effect
 *    is less certain than what one canary measures; the expected utility
 *    P(pass)·E[gain | pass] − (1 − P(pass))·rollbackCost must be positive (a passing canary on
 *    an uncertain move has likely found a real gain), the
 *    move must be likely safe (P(no KPI degraded) ≥ minSafeProbability), and the prior or the
 *    data must favour its direction (predicted gain ≥ minGain: no coin flips on a symmetric
 *    unknown, whose canary ends Inconclusive or Degraded half the time), and no canary was
 *    rolled back in the last explorationCooldownDays (a rollback budget: the governor pauses
 *    the channel above 10 % rollbacks in 7 days, 4.4). correctionsOnly (drift mode) keeps
 *    Corrections and Rollbacks only.
 * 5. With maxChanges > 1, joint moves are candidates too (issue 12): every combination of up
 *    to maxChanges single candidates of different parameters (each already inside its own
 *    bounds, daily delta, trust region and backoff, as above), scored as ONE move on the
 *    model's joint prediction (its interaction terms, model.ts), with one canary forecast and
 *    one purpose. The best-scoring candidate, single or joint, is the proposal: a single that
 *    outscores every pair containing it is proposed alone. Explorations stay single moves.
 */
import { validateChange, directionBackoff, DEFAULT_BOUNDS_POLICY, type DirectionEvent } from '../bounds';
import { effectiveRange, snapValue } from '../parameters';
import { normalCdf } from '../canary';
import type { ChangePurpose, ChangeType, KpiDef, ParamDef, ParameterChange } from '../types';
import { fitModel, predict, slopeUncertainty, type FittedModel } from './model';
import { bandPurpose, forecastCanary, predictObjective, canarySe, type ObjectivePrediction } from './objective';
import { offlineImpactOf, offlineMoveOf } from './offline';
import type { Experiment, OptimizerInput, Prediction } from './types';
import { learnedVarianceShare, withLearnedVariance, type LearnedVariance } from './variance';

/** One parameter's part of a candidate move. */
export interface CandidateMove {
  parameter: string;
  oldValue: number;
  newValue: number;
}

export interface Candidate {
  /** The parameter moved; for a joint move their names joined by '+' (e.g. 'temperature+top_k'). */
  parameter: string;
  /** The (first) move's values; a joint move's are all in `moves`. */
  oldValue: number;
  newValue: number;
  /** Every parameter the candidate moves, as one unit (one entry for a single move). */
  moves: CandidateMove[];
  changeType: ChangeType;
  /** What the move is for: the band it brings back (a Correction), or the primary. */
  purpose: ChangePurpose;
  prediction: Prediction;
  objective: ObjectivePrediction;
  pProceed: number;
  pSafe: number;
  /** Expected objective gain if the canary passes (see forecastCanary). */
  gainIfPass: number;
  /** P(pass)·gainIfPass − (1 − P(pass))·rollbackCost. */
  utility: number;
  /** The model's sd of the primary effect over the canary's own se (> 1: a canary would teach). */
  uncertainty: number;
  /** Posterior over prior sd of the parameter's local slope on the primary (1: nothing learned). */
  unexplored: number;
  score: number;
  eligible: boolean;
  why: string;
}

export interface OptimizerResult {
  changes: ParameterChange[];
  /** Every candidate considered, best first (the decision's evidence). */
  candidates: Candidate[];
  /** Directions not considered, with the reason (backoff, bounds, trust region). */
  skipped: Array<{ parameter: string; direction: 1 | -1; reason: string }>;
  /** Why nothing was proposed, when nothing was. */
  reason?: string;
  evidence: number;
  /**
   * The variance reduction the canary forecasts assumed, per KPI, and the canaries it was learned
   * from (absent: raw variance, e.g. fewer than two canaries measured it, or the option is off).
   */
  canaryVariance?: LearnedVariance;
}

const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;

/** Promotions and rollbacks per parameter direction, from the experiments. */
export function directionEventsOf(experiments: Experiment[]): DirectionEvent[] {
  return experiments.flatMap((e) =>
    Object.entries(e.deltas)
      .filter(([, d]) => d !== 0)
      .map(([parameter, d]) => ({ parameter, direction: (d > 0 ? 1 : -1) as 1 | -1, outcome: e.outcome, at: e.at })),
  );
}

/** The effective range (bounds or active override, within the hard limits) ∩ the trust region. */
function range(input: OptimizerInput, p: ParamDef): { lo: number; hi: number } {
  const { min: lo, max: hi } = effectiveRange(
    p,
    input.bounds.find((x) => x.parameter === p.name),
    input.overrides,
    input.now,
  );
  const good = input.lastKnownGood?.[p.name] ?? input.current[p.name]!;
  const radius = (input.options.trustRadiusSteps ?? 3) * p.step;
  return { lo: Math.max(lo, good - radius), hi: Math.min(hi, good + radius) };
}

const deltasOf = (moves: readonly CandidateMove[]): Record<string, number> =>
  Object.fromEntries(moves.map((m) => [m.parameter, m.newValue - m.oldValue]));

/** Evaluates a move of one parameter, or of several at once (scored as one unit on the model's joint prediction). */
function evaluate(
  input: OptimizerInput,
  model: FittedModel,
  moves: CandidateMove[],
  prediction: Prediction = predict(model, deltasOf(moves)),
): Omit<Candidate, 'eligible' | 'why' | 'score'> {
  const objective = predictObjective(input.kpis, input.analysis, prediction);
  const hours = hoursOf(input);
  // A Rollback moves every parameter it changes back toward the last known-good card.
  const towardGood = moves.every(({ parameter, oldValue, newValue }) => {
    const good = input.lastKnownGood?.[parameter];
    return good !== undefined && Math.abs(good - oldValue) > 1e-9 && Math.abs(good - newValue) < Math.abs(good - oldValue);
  });
  const band = !towardGood && objective.band > 0 ? bandPurpose(input.kpis, input.analysis, prediction) : null;
  // A Correction that also helps the primary may be judged on either: its purpose is fixed here,
  // before the canary, as the one its canary is more likely to confirm (one claim, never both).
  const onPrimary = forecastCanary(input.kpis, input.analysis, prediction, input.canary, hours);
  const onBand =
    band && (input.options.bandPurposes ?? true) ? forecastCanary(input.kpis, input.analysis, prediction, input.canary, hours, band) : null;
  const judgedOnBand = band !== null && onBand !== null && onBand.pProceed > onPrimary.pProceed;
  const purpose: ChangePurpose = judgedOnBand ? band : { kind: 'primary' };
  const f = judgedOnBand ? onBand : onPrimary;
  const gainIfPass = objective.mean + f.passBonus;
  const utility = f.pProceed * gainIfPass - (1 - f.pProceed) * (input.options.rollbackCost ?? 0.01);
  const primaries = input.kpis.filter((k) => k.role === 'primary');
  const uncertainty = Math.max(
    0,
    ...primaries.map((k) => {
      const a = input.analysis.kpis.find((x) => x.kpi === k.name);
      const e = a ? canarySe(a, input.canary, hours) : Infinity;
      return (prediction.sd[k.name] ?? 0) / e;
    }),
  );
  const changeType: ChangeType = towardGood ? 'Rollback' : band ? 'Correction' : 'Optimization';
  const unexplored = Math.max(0, ...moves.flatMap((m) => primaries.map((k) => slopeUncertainty(model, m.parameter, k.name))));
  return {
    parameter: moves.map((m) => m.parameter).join('+'),
    oldValue: moves[0]!.oldValue,
    newValue: moves[0]!.newValue,
    moves,
    changeType,
    purpose,
    prediction,
    objective,
    pProceed: f.pProceed,
    pSafe: f.pSafe,
    gainIfPass,
    utility,
    uncertainty,
    unexplored,
  };
}

const hoursOf = (input: OptimizerInput): number =>
  Math.max(1, (Date.parse(input.analysis.to) - Date.parse(input.analysis.from)) / 3_600_000) || 24;

export function optimize(given: OptimizerInput): OptimizerResult {
  const o = given.options;
  if (!given.analysis.usable)
    return { changes: [], candidates: [], skipped: [], reason: 'metrics not usable: no proposal from bad data', evidence: 0 };
  // The canary forecasts assume the variance reduction recent canaries achieved (variance.ts).
  const learned =
    (o.forecastVarianceReduction ?? true)
      ? learnedVarianceShare(
          given.experiments,
          given.kpis.map((k) => k.name),
        )
      : null;
  const canaryVariance = learned && Object.keys(learned.share).length ? learned : undefined;
  const input: OptimizerInput = canaryVariance ? { ...given, canary: withLearnedVariance(given.canary, canaryVariance) } : given;
  const positions = Object.fromEntries(input.analysis.kpis.map((a) => [a.kpi, a.position]));
  // Past canaries, and the offline replay's pseudo-experiments (a second, biased source, one
  // correlated measurement) when there is a slot log.
  const model = fitModel(input.params, input.kpis, input.current, input.experiments, {
    ...(input.offline ? { replay: input.offline } : {}),
    now: input.now,
    halfLifeDays: o.halfLifeDays ?? 14,
    localitySteps: o.localitySteps ?? 3,
    ...(o.curvatureSteps !== undefined ? { curvatureSteps: o.curvatureSteps } : {}),
    ...(o.interactionSteps !== undefined ? { interactionSteps: o.interactionSteps } : {}),
    ...(o.misfitSd !== undefined ? { misfitSd: o.misfitSd } : {}),
    positions,
    rules: o.rules ?? [],
  });
  const events = input.directionEvents ?? directionEventsOf(input.experiments);
  const policy = input.boundsPolicy ?? DEFAULT_BOUNDS_POLICY;
  const minP = o.minProceedProbability ?? 0.85;
  const minGain = o.minGain ?? 0.005;
  const scale = Math.max(0.01, o.stepScale ?? 1);
  const candidates: Candidate[] = [];
  const skipped: OptimizerResult['skipped'] = [];

  for (const p of input.params) {
    const old = input.current[p.name];
    if (old === undefined) continue;
    const ref = input.reference?.[p.name] ?? old;
    const { lo, hi } = range(input, p);
    const bounds = input.bounds.find((b) => b.parameter === p.name);
    for (const dir of [1, -1] as const) {
      const backoff = directionBackoff(events, p.name, dir, input.now, policy);
      if (backoff.blocked) {
        skipped.push({
          parameter: p.name,
          direction: dir,
          reason: `backoff after ${backoff.consecutiveRollbacks} rollback(s) until ${backoff.until}`,
        });
        continue;
      }
      const seen = new Set<number>();
      // stepScale shrinks both the step and the largest move (drift mode: smaller, fewer moves).
      for (let m = 1; m * p.step * scale <= p.max_daily_delta * Math.min(1, scale) + 1e-9; m++) {
        let next = old + dir * m * p.step * scale;
        next = Math.min(hi, Math.max(lo, Math.min(ref + p.max_daily_delta, Math.max(ref - p.max_daily_delta, next))));
        next = snapValue(p, next);
        if (Math.abs(next - old) < 1e-9 || Math.sign(next - old) !== dir || seen.has(next)) continue;
        seen.add(next);
        const move = { parameter: p.name, oldValue: old, newValue: next };
        const check = bounds ? validateChange(move, p, bounds, { referenceValue: ref, overrides: input.overrides, now: input.now }) : null;
        if (check && !check.approved) continue;
        candidates.push({ ...evaluate(input, model, [move]), score: 0, eligible: false, why: '' });
      }
      if (seen.size === 0)
        skipped.push({
          parameter: p.name,
          direction: dir,
          reason: `no room: range [${round6(lo)}, ${round6(hi)}] (bounds ∩ trust region), daily delta ${p.max_daily_delta} from ${ref}`,
        });
    }
  }

  // Joint moves: combinations of single candidates of different parameters, up to maxChanges.
  const singles = input.params.map((p) => candidates.filter((c) => c.parameter === p.name)).filter((xs) => xs.length > 0);
  const compensatingOnly = o.jointMoves === 'compensating';
  const combine = (from: number, parts: Candidate[]): void => {
    if (parts.length >= 2) {
      // The joint prediction first: a pair left out is never forecast.
      const moves = parts.flatMap((c) => c.moves);
      const prediction = predict(model, deltasOf(moves));
      if (!compensatingOnly || compensates(input.kpis, parts, prediction))
        candidates.push({ ...evaluate(input, model, moves, prediction), score: 0, eligible: false, why: '' });
    }
    if (parts.length >= o.maxChanges) return;
    for (let g = from; g < singles.length; g++) for (const c of singles[g]!) combine(g + 1, [...parts, c]);
  };
  if (o.maxChanges >= 2) combine(0, []);

  for (const c of candidates) {
    const gain = c.objective.mean;
    const passes = c.pProceed >= minP;
    if (o.correctionsOnly && c.changeType === 'Optimization') c.why = 'drift mode: corrections only';
    else if (!passes) c.why = `canary unlikely to pass (P=${c.pProceed.toFixed(2)} < ${minP})`;
    else if (gain < minGain) c.why = `predicted gain ${gain.toFixed(4)} < ${minGain}`;
    else {
      c.eligible = true;
      c.score = c.pProceed * gain;
      c.why = 'expected gain';
    }
  }
  let chosen = candidates.filter((c) => c.eligible);
  const cooldownMs = (o.explorationCooldownDays ?? 7) * 86_400_000;
  const recentRollback = input.experiments.some(
    (e) => e.outcome === 'rolled_back' && Date.parse(input.now) - Date.parse(e.at) < cooldownMs,
  );
  if (chosen.length === 0 && !o.correctionsOnly && (o.explore ?? true) && !recentRollback) {
    for (const c of candidates) {
      if (
        c.moves.length === 1 &&
        c.unexplored >= (o.exploreAbove ?? 0.5) &&
        c.uncertainty >= 1 &&
        c.pSafe >= (o.minSafeProbability ?? 0.7) &&
        c.utility > 0 &&
        c.objective.mean >= minGain
      ) {
        c.eligible = true;
        c.changeType = 'Exploration';
        c.score = c.utility;
        c.why =
          `uncertain (model sd ${c.uncertainty.toFixed(1)}× a canary's): ` +
          `gain ${c.objective.mean.toFixed(4)} ± ${c.objective.sd.toFixed(4)}, if it passes ${c.gainIfPass.toFixed(4)}`;
      }
    }
    chosen = candidates.filter((c) => c.eligible);
  }
  candidates.sort((a, b) => b.score - a.score || b.objective.mean - a.objective.mean);
  chosen.sort((a, b) => b.score - a.score);
  // One unit: the best single or joint move (a joint candidate already holds up to maxChanges parameters).
  const changes = chosen.length ? toChanges(input, model, chosen[0]!) : [];
  const reason = changes.length
    ? undefined
    : candidates.length
      ? `no candidate qualifies: best ${candidates[0]!.parameter} ${candidates[0]!.why}`
      : 'no room to move any parameter';
  return {
    changes,
    candidates,
    skipped,
    evidence: model.evidence,
    ...(reason ? { reason } : {}),
    ...(canaryVariance ? { canaryVariance } : {}),
  };
}

/**
 * Whether a joint move runs along a ridge: its parts pull some guardrail KPI in opposite
 * directions and the whole moves it less than its larger part alone, and no guardrail is pushed
 * the same way by two parts toward worse (the way its goal calls worse: temperature and top_k up
 * together, each raising the curator's budget, what the canary's guardrail check vetoes) or toward
 * the far edge of its band (both raising selection entropy, whose band has a top). Two parts
 * improving a guardrail that has no band edge that way do not count against the move:
 * temperature down with top_k up both lower the novelty KLD (the age mix), and that pair is the
 * ridge. A pull counts when its direction is known (the part's predicted mean at least its sd).
 */
export function compensates(kpis: readonly KpiDef[], parts: readonly Pick<Candidate, 'prediction'>[], joint: Prediction): boolean {
  let opposite = false;
  for (const k of kpis) {
    if (k.role === 'primary') continue;
    const pulls = parts
      .map((c) => ({ mean: c.prediction.mean[k.name] ?? 0, sd: c.prediction.sd[k.name] ?? 0 }))
      .filter((x) => x.mean !== 0 && Math.abs(x.mean) >= x.sd)
      .map((x) => x.mean);
    const up = pulls.filter((x) => x > 0).length;
    const down = pulls.filter((x) => x < 0).length;
    // Up is harmless only toward the goal with no band top, down likewise with no band bottom.
    const upHarmless = k.goal === 'maximize' && k.target_max === undefined;
    const downHarmless = k.goal === 'minimize' && k.target_min === undefined;
    if ((up >= 2 && down === 0 && !upHarmless) || (down >= 2 && up === 0 && !downHarmless)) return false;
    if (up > 0 && down > 0 && Math.abs(joint.mean[k.name] ?? 0) < Math.max(...pulls.map(Math.abs))) opposite = true;
  }
  return opposite;
}

/** The offline replay's prediction of one parameter's move, when it was replayed. */
function offline(input: OptimizerInput, m: CandidateMove): { offlineImpact?: Record<string, { relDiff: number; relSe: number }> } {
  const impact = offlineImpactOf(offlineMoveOf(input.offline, { [m.parameter]: m.newValue - m.oldValue }));
  return impact ? { offlineImpact: impact } : {};
}

const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;

/** " (canary variance: engagement_proxy ×0.12 …)" when the forecast assumed a reduction. */
function varianceNote(input: OptimizerInput): string {
  const s = Object.entries(input.canary.varianceShare ?? {}).filter(([, v]) => v < 1);
  return s.length ? ` (canary variance as recent canaries measured: ${s.map(([k, v]) => `${k} ×${v.toFixed(2)}`).join(', ')})` : '';
}

/**
 * The candidate's changes, one per parameter it moves. A joint move's changes share its forecast
 * (objective, P(pass), confidence, the sd of each KPI's effect) and split its predicted effect so
 * that the changes' expectedImpact add up to the joint prediction (what the canary's
 * prediction error compares): the first change carries its own move's effect, each next one what
 * adding its move changes (interactions included).
 */
function toChanges(input: OptimizerInput, model: FittedModel, c: Candidate): ParameterChange[] {
  if (c.moves.length === 1) return [toChange(input, c, c.moves[0]!, c.prediction.mean)];
  let before: Record<string, number> = {};
  return c.moves.map((m, i) => {
    const upTo = predict(model, deltasOf(c.moves.slice(0, i + 1))).mean;
    const share = Object.fromEntries(Object.entries(upTo).map(([k, v]) => [k, v - (before[k] ?? 0)]));
    before = upTo;
    return toChange(input, c, m, share);
  });
}

function toChange(input: OptimizerInput, c: Candidate, m: CandidateMove, impact: Record<string, number>): ParameterChange {
  const p = input.params.find((x) => x.name === m.parameter)!;
  const others = c.moves.filter((x) => x.parameter !== m.parameter).map((x) => `${x.parameter} ${x.oldValue} → ${x.newValue}`);
  const primary = input.kpis
    .filter((k) => k.role === 'primary')
    .map((k) => `${k.name} ${pct(c.prediction.mean[k.name] ?? 0)} ± ${pct(c.prediction.sd[k.name] ?? 0)}`);
  const outOfBand = input.analysis.kpis
    .filter((a) => a.position === 'below' || a.position === 'above')
    .map((a) => `${a.kpi} ${a.position} its band (24 h mean ${a.mean.toPrecision(4)})`);
  const what: Record<ChangeType, string> = {
    Optimization: 'predicted to improve the objective',
    Correction: `brings ${outOfBand.join(', ')} back toward its target band`,
    Exploration: 'the model is uncertain here and the bounds allow a probe',
    Rollback: `moves back toward the last known-good value ${input.lastKnownGood?.[p.name]}`,
  };
  return {
    parameter: p.name,
    cardPath: p.card_path,
    oldValue: m.oldValue,
    newValue: m.newValue,
    changeType: c.changeType,
    rule: `model_${c.changeType.toLowerCase()}`,
    purpose: c.purpose,
    rationale:
      `${p.name} ${m.oldValue} → ${m.newValue}` +
      (others.length ? ` together with ${others.join(', ')} (scored as one move)` : '') +
      `: ${what[c.changeType]}; predicted ${primary.join(', ')}; ` +
      `objective ${c.objective.mean.toFixed(4)} ± ${c.objective.sd.toFixed(4)}, ` +
      `P(canary passes) ${c.pProceed.toFixed(2)}${varianceNote(input)}, from ${input.experiments.length} past canaries ` +
      (input.offline ? `and ${input.offline.experiments.length} replayed moves on ${input.offline.slots} logged slots ` : '') +
      `(weight ${c.prediction.evidence.toFixed(2)})`,
    expectedImpact: Object.fromEntries(Object.entries(impact).map(([k, v]) => [k, round6(v)])),
    expectedImpactSd: Object.fromEntries(Object.entries(c.prediction.sd).map(([k, v]) => [k, round6(v)])),
    ...offline(input, m),
    confidence: round6(c.objective.sd > 0 ? normalCdf(c.objective.mean / c.objective.sd) : c.objective.mean > 0 ? 1 : 0),
    prediction: {
      objectiveGain: round6(c.objective.mean),
      objectiveSd: round6(c.objective.sd),
      pProceed: round6(c.pProceed),
      evidence: round6(c.prediction.evidence),
    },
  };
}
