/**
 * Past canaries as experiments, from what the cycle stores in its report (cycle.ts):
 * `report.card.values` (the control's parameters), `report.proposals` with `report.bounds`
 * (the approved ones went to the canary), and `report.canary` (outcome and verdict with the
 * per-KPI group summaries). Pure: the activity reads the rows, this turns them into data.
 */
import type { BoundsDecision, CanaryVerdict, KpiEvidence, ParameterChange } from '../types';
import type { Experiment } from './types';

/** The parts of a stored cycle this needs (CycleRecord from the state store fits). */
export interface StoredCycle {
  cycle_id: string;
  started_at: string;
  finished_at?: string | null;
  outcome?: string | null;
  report: Record<string, unknown>;
}

/** Relative standard error of relDiff from the group summaries (delta method, as the judge). */
export function relativeSe(e: Pick<KpiEvidence, 'control' | 'canary'>): number {
  const { control: c, canary: k } = e;
  if (!(c.n >= 2 && k.n >= 2) || c.mean === 0) return NaN;
  const r = k.mean / c.mean;
  return Math.sqrt((k.sd * k.sd) / k.n + (r * r * c.sd * c.sd) / c.n) / Math.abs(c.mean);
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

/** One experiment from a stored cycle, or null if it ran no measured canary. */
export function experimentOf(c: StoredCycle): Experiment | null {
  const r = c.report;
  const canary = r.canary;
  const card = r.card;
  if (!isRecord(canary) || !isRecord(card) || !isRecord(card.values)) return null;
  const verdict = canary.verdict as CanaryVerdict | null | undefined;
  const outcome = canary.outcome;
  if (!verdict || !Array.isArray(verdict.kpis) || (outcome !== 'promoted' && outcome !== 'rolled_back')) return null;
  const proposals = Array.isArray(r.proposals) ? (r.proposals as ParameterChange[]) : [];
  const decisions = Array.isArray(r.bounds) ? (r.bounds as BoundsDecision[]) : null;
  const approved = proposals.filter((p, i) => (decisions ? decisions[i]?.approved === true && decisions[i]?.parameter === p.parameter : true));
  const deltas: Record<string, number> = {};
  for (const p of approved) if (Number.isFinite(p.newValue - p.oldValue)) deltas[p.parameter] = p.newValue - p.oldValue;
  if (Object.keys(deltas).length === 0) return null;
  const effects: Experiment['effects'] = {};
  for (const e of verdict.kpis) {
    if (e.classification === 'NoData' || !Number.isFinite(e.relDiff)) continue;
    const relSe = relativeSe(e);
    if (Number.isFinite(relSe)) effects[e.kpi] = { relDiff: e.relDiff, relSe };
  }
  const base: Record<string, number> = {};
  for (const [k, v] of Object.entries(card.values)) if (typeof v === 'number') base[k] = v;
  return { id: c.cycle_id, at: c.finished_at ?? c.started_at, base, deltas, outcome, effects };
}

/** Experiments from stored cycles, oldest first. */
export function experimentsFromCycles(cycles: StoredCycle[]): Experiment[] {
  return cycles
    .map(experimentOf)
    .filter((e): e is Experiment => e !== null)
    .sort((a, b) => a.at.localeCompare(b.at));
}
