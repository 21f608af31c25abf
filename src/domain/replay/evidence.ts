/**
 * The offline replay as the optimizer's second source (issue 12): replays moves around the current
 * card on the logged slots that played it, and turns the predictions into pseudo-experiments.
 *
 * - Moves: every tuned parameter the selection reads (`REPLAYED_CARD_PATHS`) by ± one step and
 *   ± its daily delta, inside the hard limits; with `jointMoves`, every pair of them by one step
 *   each (all four signs), so the model also sees what two changes do together.
 * - Pseudo-experiments: base = the current card, the move's deltas, the replay's relative effects.
 *   Their errors are correlated, and `covariance` (per KPI) says how: every move is replayed on
 *   the same logged slots (the slots' shared sampling error, and for the slate model its shared
 *   coefficients: PreparedReplay.covariance), and the replay may be wrong about the response
 *   itself. That bias is a slope error of sd `exactBiasSd` (selection KPIs) or `ipsBiasSd` (the
 *   viewer KPI, by the slate model or IPS) per step of each parameter, shared by every move of
 *   that parameter: cov += Σ_p (Δ_a,p/step_p)(Δ_b,p/step_p)·bias², so moves of opposite signs do
 *   not cancel it and two moves of the same parameter do not halve it. The model fits the moves
 *   as one correlated measurement (model.ts, generalised least squares); each pseudo-experiment's
 *   relSe is its own variance's root. The viewer KPI is left out of a move whose weights'
 *   effective sample size is below minEssShare of the logged plans.
 */
import type { Experiment, OfflineEvidence, OfflineMove } from '../optimizer/types';
import type { ParamDef } from '../types';
import type { ReplayParams, SlotRecord } from './record';
import { packedIndex } from '../optimizer/linalg';
import type { PreparedReplay, ReplayResult } from './replay';

/** Card paths of the tuned parameters the selection reads, and the selection parameter each sets. */
export const REPLAYED_CARD_PATHS: Readonly<Record<string, 'temperature' | 'top_k' | 'plan_selection_bias' | 'epsilon'>> = {
  'selection.temperature': 'temperature',
  'selection.top_k': 'top_k',
  'knobs.plan_selection_bias': 'plan_selection_bias',
  'exploration.epsilon': 'epsilon',
};

export interface ReplaySettings {
  windowHours: number;
  maxSlots: number;
  exactBiasSd: number;
  ipsBiasSd: number;
  /**
   * The viewer KPI's slope bias also grows with the parameter's replayed effect: this share of
   * its one-step effect, per step (combined with ipsBiasSd in quadrature). 0: absolute only.
   */
  ipsBiasRelative: number;
  /**
   * The slate model's error as a share of what it attributes to each slate feature it sees move
   * (on-air quality, variety: KpiReplay.contributions), shared by every move: a move keeping the
   * slate's variety carries none of the variety part's error, however many parameters it moves.
   * Added to the per-step allowance; 0: off.
   */
  ipsBiasFeature: number;
  minEssShare: number;
  jointMoves: boolean;
}

export const DEFAULT_REPLAY_SETTINGS: ReplaySettings = {
  windowHours: 24,
  maxSlots: 300,
  exactBiasSd: 0.01,
  ipsBiasSd: 0.02,
  ipsBiasRelative: 0,
  ipsBiasFeature: 0,
  minEssShare: 0.1,
  jointMoves: true,
};

const same = (a: number, b: number): boolean => Math.abs(a - b) < 1e-9;

/** The logged slots that played `base` (every selection parameter equal): the replay's control. */
export function recordsOfCard(records: readonly SlotRecord[], base: ReplayParams): SlotRecord[] {
  return records.filter(
    (r) =>
      r.params.method === base.method &&
      same(r.params.temperature, base.temperature) &&
      r.params.top_k === base.top_k &&
      same(r.params.plan_selection_bias, base.plan_selection_bias) &&
      same(r.params.epsilon, base.epsilon),
  );
}

const round = (p: ParamDef, x: number): number => (p.type === 'int' ? Math.round(x) : Math.round(x * 1e6) / 1e6);

/** The moves replayed around `current` (deltas by parameter name). */
export function replayMoves(params: readonly ParamDef[], current: Record<string, number>, jointMoves: boolean): Record<string, number>[] {
  const replayable = params.filter((p) => REPLAYED_CARD_PATHS[p.card_path] !== undefined && current[p.name] !== undefined);
  const within = (p: ParamDef, d: number): boolean => {
    const v = round(p, current[p.name]! + d);
    return v >= p.hard_min - 1e-9 && v <= p.hard_max + 1e-9 && !same(v, current[p.name]!);
  };
  const moves: Record<string, number>[] = [];
  for (const p of replayable) {
    const sizes = [...new Set([p.step, Math.max(p.step, p.max_daily_delta)].map((x) => round(p, x)))];
    for (const size of sizes) for (const dir of [1, -1]) if (within(p, dir * size)) moves.push({ [p.name]: dir * size });
  }
  if (jointMoves)
    replayable.forEach((a, i) =>
      replayable.slice(i + 1).forEach((b) => {
        for (const da of [1, -1])
          for (const db of [1, -1])
            if (within(a, da * a.step) && within(b, db * b.step)) moves.push({ [a.name]: da * a.step, [b.name]: db * b.step });
      }),
    );
  return moves;
}

/** The card's selection parameters after a move. */
export function movedParams(
  base: ReplayParams,
  params: readonly ParamDef[],
  current: Record<string, number>,
  deltas: Record<string, number>,
): ReplayParams {
  const out = { ...base };
  for (const [name, d] of Object.entries(deltas)) {
    const p = params.find((x) => x.name === name);
    const key = p ? REPLAYED_CARD_PATHS[p.card_path] : undefined;
    if (!p || !key) continue;
    out[key] = round(p, current[name]! + d);
  }
  return out;
}

/**
 * Replays every move around the current card and returns the evidence for the optimizer (moves
 * and pseudo-experiments), only for the KPIs in `kpis`.
 */
export function offlineEvidence(input: {
  replay: PreparedReplay;
  base: ReplayParams;
  params: readonly ParamDef[];
  current: Record<string, number>;
  kpis: readonly string[];
  settings: ReplaySettings;
  now: string;
}): OfflineEvidence {
  const { replay, base, params, current, settings: s } = input;
  const wanted = new Set(input.kpis);
  const moves: OfflineMove[] = [];
  const results: ReplayResult[] = [];
  if (replay.slots >= 2)
    for (const deltas of replayMoves(params, current, s.jointMoves)) {
      const r = replay.evaluate(movedParams(base, params, current, deltas));
      results.push(r);
      const kpis: OfflineMove['kpis'] = {};
      for (const [kpi, k] of Object.entries(r.kpis)) {
        if (!wanted.has(kpi) || !Number.isFinite(k.relDiff) || !Number.isFinite(k.relSe)) continue;
        if (k.method === 'ips' && (k.essShare ?? 0) < s.minEssShare) continue;
        kpis[kpi] = { relDiff: k.relDiff, relSe: k.relSe, method: k.method, ...(k.essShare !== undefined ? { essShare: k.essShare } : {}) };
      }
      moves.push({ deltas, slots: r.slots, changed: r.changed, kpis });
    }
  // The replay's error model, per KPI: the moves share the logged slots (sampling covariance),
  // and a slope bias per step of each parameter, shared by every move of it (a smooth error of
  // the replay's response is a wrong slope: symmetric moves do not cancel it).
  const covariance: Record<string, number[]> = {};
  for (const kpi of wanted) {
    // Per parameter, the slope bias's variance for this KPI: the absolute allowance, plus (viewer
    // KPI) a share of the parameter's replayed one-step effect: a slate model that is 25 % wrong
    // about a 10 % effect errs by 2.5 %, about a 1 % effect by 0.25 %.
    const ips = moves.some((m) => m.kpis[kpi]?.method !== undefined && m.kpis[kpi]?.method !== 'exact');
    const abs = ips ? s.ipsBiasSd : s.exactBiasSd;
    const rel = ips ? s.ipsBiasRelative : 0;
    const biasVar = params.map((p) => abs * abs + (rel > 0 ? (rel * oneStepEffect(moves, p, kpi)) ** 2 : 0));
    const packed: number[] = [];
    let any = false;
    for (let a = 0; a < moves.length; a++)
      for (let b = a; b < moves.length; b++) {
        const ra = results[a]!.kpis[kpi];
        const rb = results[b]!.kpis[kpi];
        if (!moves[a]!.kpis[kpi] || !moves[b]!.kpis[kpi] || !ra || !rb) {
          packed.push(0);
          continue;
        }
        const sampling = replay.covariance(ra, rb);
        const feature =
          s.ipsBiasFeature > 0 && ra.contributions && rb.contributions
            ? s.ipsBiasFeature ** 2 * ra.contributions.reduce((acc, x, g) => acc + x * (rb.contributions![g] ?? 0), 0)
            : 0;
        const bias = params.reduce(
          (acc, p, j) => acc + ((moves[a]!.deltas[p.name] ?? 0) / p.step) * ((moves[b]!.deltas[p.name] ?? 0) / p.step) * biasVar[j]!,
          0,
        );
        packed.push(Number(((Number.isFinite(sampling) ? sampling : 0) + bias + feature).toPrecision(6)));
        any = true;
      }
    if (any) covariance[kpi] = packed;
  }
  const variance = (kpi: string, i: number): number => covariance[kpi]?.[packedIndex(moves.length, i, i)] ?? NaN;
  const experiments: Experiment[] = moves.map((mv, i) => ({
    id: `replay:${input.now}:${i}`,
    at: input.now,
    base: { ...current },
    deltas: mv.deltas,
    outcome: 'promoted',
    source: 'replay',
    effects: Object.fromEntries(
      Object.entries(mv.kpis).map(([kpi, k]) => [kpi, { relDiff: k.relDiff, relSe: Math.sqrt(variance(kpi, i)) }]),
    ),
  }));
  return { at: input.now, slots: replay.slots, mismatched: replay.mismatched, moves, experiments, covariance };
}

/**
 * A parameter's replayed effect on a KPI for one step, in absolute value: the mean |relDiff| of its
 * single one-step moves (both signs), else of its single moves per step; 0 when none was replayed.
 */
function oneStepEffect(moves: readonly OfflineMove[], p: ParamDef, kpi: string): number {
  const own = moves
    .filter((m) => Object.entries(m.deltas).every(([name, d]) => name === p.name || d === 0) && (m.deltas[p.name] ?? 0) !== 0)
    .map((m) => ({ steps: Math.abs(m.deltas[p.name]! / p.step), effect: m.kpis[kpi]?.relDiff }))
    .filter((x): x is { steps: number; effect: number } => x.effect !== undefined && Number.isFinite(x.effect));
  const one = own.filter((x) => Math.abs(x.steps - 1) < 1e-6);
  const used = one.length ? one : own;
  return used.length ? used.reduce((a, x) => a + Math.abs(x.effect) / x.steps, 0) / used.length : 0;
}
