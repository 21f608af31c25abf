/**
 * One cycle and its canary as evidence (8.4, STYLE §2): the per-KPI verdict table and the
 * check-by-check trajectory, from the stored records. The raw records stay available (`--json`).
 */
import type { Deps } from '../activities/deps';
import type { CanaryCheck, CanaryRecord, CycleRecord, DecisionRecord } from '../domain/records';
import type { CanaryDecision, CanaryVerdict, KpiClassification, KpiRole } from '../domain/types';

export interface VerdictRow {
  kpi: string;
  role: KpiRole;
  control: { mean: number; n: number };
  canary: { mean: number; n: number };
  /** Relative difference canary vs control and its interval (null: unbounded). */
  relDiff: number;
  relCI: [number | null, number | null];
  pValue: number;
  adjustedP: number;
  classification: KpiClassification;
}

export interface TrajectoryPoint {
  checkIndex: number;
  /** When the check was judged (null on records that predate check times). */
  at: string | null;
  decision: CanaryDecision;
  rule: string;
  final: boolean;
  method: CanaryVerdict['method'];
  /** The primary KPIs' relative Δ and interval at this check. */
  primaries: Array<{ kpi: string; relDiff: number; relCI: [number | null, number | null] }>;
}

export interface CycleView {
  cycle: CycleRecord;
  decisions: DecisionRecord[];
  canary: CanaryRecord | null;
  /** The verdict that decided the canary (the final one, or the last check's). */
  verdict: CanaryVerdict | null;
  kpis: VerdictRow[];
  trajectory: TrajectoryPoint[];
}

const bound = (x: number | null | undefined): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);
const interval = (ci: [number, number] | undefined): [number | null, number | null] => [bound(ci?.[0]), bound(ci?.[1])];

export function verdictRows(v: CanaryVerdict): VerdictRow[] {
  return v.kpis.map((k) => ({
    kpi: k.kpi,
    role: k.role,
    control: { mean: k.control.mean, n: k.control.n },
    canary: { mean: k.canary.mean, n: k.canary.n },
    relDiff: k.relDiff,
    relCI: interval(k.relCI),
    pValue: k.pValue,
    adjustedP: k.adjustedP,
    classification: k.classification,
  }));
}

/** Each check in order with its time, decision and the primaries' Δ. */
export function trajectory(checks: readonly CanaryCheck[]): TrajectoryPoint[] {
  return [...checks]
    .sort((a, b) => a.checkIndex - b.checkIndex)
    .map((c) => ({
      checkIndex: c.checkIndex,
      at: c.at ?? null,
      decision: c.decision,
      rule: c.rule,
      final: c.final,
      method: c.method,
      primaries: c.kpis.filter((k) => k.role === 'primary').map((k) => ({ kpi: k.kpi, relDiff: k.relDiff, relCI: interval(k.relCI) })),
    }));
}

type CycleDeps = Pick<Deps, 'cycleLog' | 'canaryLog' | 'auditLog'>;

/** The cycle, its decisions, its canary with the verdict table and trajectory; null when the store has no such cycle. */
export function cycleView(deps: CycleDeps, channel: string, cycleId: string): CycleView | null {
  const cycle = deps.cycleLog.get(cycleId);
  if (!cycle) return null;
  const decisions = deps.auditLog.list(channel, { cycleId });
  const id = cycle.canary_id ?? cycle.report.canary?.canaryId;
  const canary = id ? deps.canaryLog.get(id) : null;
  // The canary log owns the verdict; a canary still running shows its last check.
  const verdict = canary?.verdict ?? canary?.checks.at(-1) ?? null;
  return { cycle, decisions, canary, verdict, kpis: verdict ? verdictRows(verdict) : [], trajectory: trajectory(canary?.checks ?? []) };
}
