/**
 * Past canaries as experiments: the cycle record gives the control's parameters (`report.card`)
 * and the changes that went to the canary (proposals its bounds approved); the canary log gives
 * the outcome and the verdict with the per-KPI group summaries. Pure: the activity reads the
 * records, this turns them into data.
 */
import { shippedChanges, type CanaryRecord, type CycleRecord } from '../records';
import type { KpiEvidence } from '../types';
import type { Experiment } from './types';

/** A cycle with the canary it ran (null: it ran none). */
export interface CycleWithCanary {
  cycle: Pick<CycleRecord, 'cycle_id' | 'started_at' | 'finished_at' | 'report'>;
  canary: Pick<CanaryRecord, 'status' | 'verdict'> | null;
}

/** Relative standard error of relDiff from the group summaries (delta method, as the judge). */
export function relativeSe(e: Pick<KpiEvidence, 'control' | 'canary'>): number {
  const { control: c, canary: k } = e;
  if (!(c.n >= 2 && k.n >= 2) || c.mean === 0) return NaN;
  const r = k.mean / c.mean;
  return Math.sqrt((k.sd * k.sd) / k.n + (r * r * c.sd * c.sd) / c.n) / Math.abs(c.mean);
}

/** One experiment from a cycle and its canary, or null if it ran no measured canary. */
export function experimentOf({ cycle: c, canary }: CycleWithCanary): Experiment | null {
  const card = c.report.card;
  const verdict = canary?.verdict;
  const outcome = canary?.status;
  if (!card || !verdict || !Array.isArray(verdict.kpis) || (outcome !== 'promoted' && outcome !== 'rolled_back')) return null;
  const deltas: Record<string, number> = {};
  for (const p of shippedChanges(c.report)) if (Number.isFinite(p.newValue - p.oldValue)) deltas[p.parameter] = p.newValue - p.oldValue;
  if (Object.keys(deltas).length === 0) return null;
  const effects: Experiment['effects'] = {};
  for (const e of verdict.kpis) {
    if (e.classification === 'NoData' || !Number.isFinite(e.relDiff)) continue;
    const relSe = relativeSe(e);
    if (Number.isFinite(relSe)) effects[e.kpi] = { relDiff: e.relDiff, relSe };
  }
  const base: Record<string, number> = {};
  for (const [k, v] of Object.entries(card.values)) if (typeof v === 'number') base[k] = v;
  const reduction: Record<string, number> = {};
  for (const [kpi, r] of Object.entries(verdict.varianceReduction ?? {}))
    if (effects[kpi] && Number.isFinite(r?.varianceReduction)) reduction[kpi] = r.varianceReduction;
  return {
    id: c.cycle_id,
    at: c.finished_at ?? c.started_at,
    base,
    deltas,
    outcome,
    effects,
    ...(Object.keys(reduction).length ? { varianceReduction: reduction } : {}),
  };
}

/** Experiments from stored cycles, oldest first. */
export function experimentsFromCycles(cycles: CycleWithCanary[]): Experiment[] {
  return cycles
    .map(experimentOf)
    .filter((e): e is Experiment => e !== null)
    .sort((a, b) => a.at.localeCompare(b.at));
}
