/** Lookups in the offline replay's evidence (src/domain/replay/evidence.ts builds it). */
import type { OfflineEvidence, OfflineMove } from './types';

const same = (a: number, b: number): boolean => Math.abs(a - b) < 1e-9;

/** The replayed move with exactly these deltas (zero deltas ignored), if any. */
export function offlineMoveOf(evidence: OfflineEvidence | undefined, deltas: Record<string, number>): OfflineMove | undefined {
  const keys = Object.keys(deltas).filter((k) => !same(deltas[k]!, 0));
  return evidence?.moves.find((mv) => {
    const mk = Object.keys(mv.deltas);
    return mk.length === keys.length && keys.every((k) => mv.deltas[k] !== undefined && same(mv.deltas[k]!, deltas[k]!));
  });
}

/** A move's offline prediction as a change records it: per KPI the relative effect and its se. */
export function offlineImpactOf(move: OfflineMove | undefined): Record<string, { relDiff: number; relSe: number }> | undefined {
  if (!move || Object.keys(move.kpis).length === 0) return undefined;
  const r6 = (x: number): number => Math.round(x * 1e6) / 1e6;
  return Object.fromEntries(Object.entries(move.kpis).map(([k, v]) => [k, { relDiff: r6(v.relDiff), relSe: r6(v.relSe) }]));
}
