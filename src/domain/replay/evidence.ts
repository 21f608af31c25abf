/**
 * The offline replay as the optimizer's second source (issue 12): replays moves around the current
 * card on the logged slots that played it, and turns the predictions into pseudo-experiments.
 *
 * - Moves: every tuned parameter the selection reads (`REPLAYED_CARD_PATHS`) by ± one step and
 *   ± its daily delta, inside the hard limits; with `jointMoves`, every pair of them by one step
 *   each (all four signs), so the model also sees what two changes do together.
 * - Pseudo-experiments: base = the current card, the move's deltas, the replay's relative effects
 *   with relSe² = se² + m · bias², m the number of moves replayed: the bias allowance is one
 *   error shared by all of them, so m moves together weigh like one measurement with sd `bias`
 *   (exactBiasSd for the selection KPIs, ipsBiasSd for the viewer KPI, whether by IPS or the slate
 *   model). A real canary (relative se
 *   1-2 %) then dominates where the two disagree. The viewer KPI is left out of a move whose
 *   weights' effective sample size is below minEssShare of the logged plans.
 */
import type { Experiment, OfflineEvidence, OfflineMove } from '../optimizer/types';
import type { ParamDef } from '../types';
import type { ReplayParams, SlotRecord } from './record';
import type { PreparedReplay } from './replay';

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
  minEssShare: number;
  jointMoves: boolean;
}

export const DEFAULT_REPLAY_SETTINGS: ReplaySettings = {
  windowHours: 24,
  maxSlots: 300,
  exactBiasSd: 0.02,
  ipsBiasSd: 0.04,
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
  if (replay.slots >= 2)
    for (const deltas of replayMoves(params, current, s.jointMoves)) {
      const r = replay.evaluate(movedParams(base, params, current, deltas));
      const kpis: OfflineMove['kpis'] = {};
      for (const [kpi, k] of Object.entries(r.kpis)) {
        if (!wanted.has(kpi) || !Number.isFinite(k.relDiff) || !Number.isFinite(k.relSe)) continue;
        if (k.method === 'ips' && (k.essShare ?? 0) < s.minEssShare) continue;
        kpis[kpi] = { relDiff: k.relDiff, relSe: k.relSe, method: k.method, ...(k.essShare !== undefined ? { essShare: k.essShare } : {}) };
      }
      moves.push({ deltas, slots: r.slots, changed: r.changed, kpis });
    }
  const m = Math.max(1, moves.length);
  const experiments: Experiment[] = moves.map((mv, i) => ({
    id: `replay:${input.now}:${i}`,
    at: input.now,
    base: { ...current },
    deltas: mv.deltas,
    outcome: 'promoted',
    source: 'replay',
    effects: Object.fromEntries(
      Object.entries(mv.kpis).map(([kpi, k]) => {
        const bias = k.method === 'exact' ? s.exactBiasSd : s.ipsBiasSd;
        return [kpi, { relDiff: k.relDiff, relSe: Math.sqrt(k.relSe * k.relSe + m * bias * bias) }];
      }),
    ),
  }));
  return { at: input.now, slots: replay.slots, mismatched: replay.mismatched, moves, experiments };
}
