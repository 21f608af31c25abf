/**
 * The cycle's decisions between its I/O, as pure functions: the workflow's steps call them, and so
 * does bench/dq/run.ts, so the bench plays exactly the cycle's sequence (1.1-1.5).
 */
import { checkProposals } from '../bounds';
import type { OverrideRange } from '../parameters';
import type { CanaryOutcomeRef, CanaryResult, CycleReport, SkippedParameter } from '../records';
import type { BoundsDecision, CanaryVerdict, ParamDef, ParameterBounds, ParameterChange } from '../types';

/** An operator-requested value (force-deploy, tests). */
export interface RequestedValue {
  parameter: string;
  value: number;
}

/** Turns operator-requested values into changes; unknown parameters are reported, not thrown. */
export function requestedChanges(
  requested: RequestedValue[],
  params: ParamDef[],
  current: Record<string, number>,
  reason: string | undefined,
  skipped: readonly SkippedParameter[] = [],
): { changes: ParameterChange[]; errors: string[] } {
  const changes: ParameterChange[] = [];
  const errors: string[] = [];
  for (const r of requested) {
    const p = params.find((x) => x.name === r.parameter);
    const absent = skipped.find((x) => x.parameter === r.parameter);
    if (!p && absent) {
      errors.push(`changes.${r.parameter}: not tuned this cycle (${absent.reason})`);
      continue;
    }
    if (!p) {
      errors.push(`changes.${r.parameter}: expected one of ${params.map((x) => x.name).join(', ')}`);
      continue;
    }
    changes.push({
      parameter: p.name,
      cardPath: p.card_path,
      oldValue: current[p.name],
      newValue: r.value,
      changeType: 'Optimization',
      rule: 'operator_requested',
      rationale: reason ?? 'requested by an operator',
      expectedImpact: {},
      confidence: 1,
    });
  }
  return { changes, errors };
}

/**
 * The bounds gate (2.x): every proposal checked against hard limits, the sliding range (or an
 * active override) and the daily delta measured from the value in force 24 h ago.
 */
export function gateChanges(input: {
  proposals: ParameterChange[];
  params: ParamDef[];
  bounds: ParameterBounds[];
  overrides: readonly OverrideRange[];
  reference: Record<string, number>;
  now: string;
}): { decisions: BoundsDecision[]; approved: ParameterChange[] } {
  const decisions = checkProposals(input.proposals, input.params, input.bounds, input.overrides, input.reference, input.now);
  return { decisions, approved: input.proposals.filter((_, i) => decisions[i].approved) };
}

/**
 * Whether a rolled-back canary counts against the parameters it changed (2.3, 4.x): the judge's
 * verdict or an operator's does; a rollback forced by a pause, an emergency stop, a refused
 * promotion (the card was edited by hand), a cancellation or a failure says nothing about them.
 */
export function rollbackCountsAgainstChanges(decidedBy: string): boolean {
  return decidedBy === 'judge' || decidedBy === 'inconclusive_timeout' || decidedBy.startsWith('operator:');
}

/** How a canary ended, as the cycle records it: a reference to the canary log's verdict. */
export function canaryRef(r: CanaryResult): CanaryOutcomeRef {
  return {
    canaryId: r.canaryId,
    outcome: r.outcome,
    decision: r.decision,
    decidedBy: r.decidedBy,
    rule: r.verdict?.rule ?? null,
    checks: r.checks,
    ...(r.stage !== undefined ? { stage: r.stage } : {}),
    ...(r.verdict?.purpose ? { purpose: r.verdict.purpose } : {}),
    ...(r.promotedSha ? { promotedSha: r.promotedSha } : {}),
  };
}

/** The message of a cycle that proposed nothing: the optimizer's reason, or every KPI in its band. */
export function noChangeMessage(report: Pick<CycleReport, 'optimizer'>): string {
  const why = report.optimizer?.reason;
  return why ? `no change: ${why}` : 'no change: every KPI is within its target band';
}

/** Summary of the golden gate's decision (6.1-6.4). */
export function goldenSummary(gate: { bypassed: boolean; passed: boolean; total: number; failed: number }, bypassedBy?: string): string {
  if (gate.bypassed) return `golden set bypassed by ${bypassedBy}`;
  return gate.passed ? `golden set passed (${gate.total} checks)` : `golden set failed: ${gate.failed} of ${gate.total}`;
}

/** What a change set predicts for each KPI: every change's expected relative impact, summed. */
export function predictedImpacts(changes: readonly ParameterChange[]): Record<string, number> {
  const predicted: Record<string, number> = {};
  for (const c of changes) for (const [kpi, v] of Object.entries(c.expectedImpact)) predicted[kpi] = (predicted[kpi] ?? 0) + v;
  return predicted;
}

/**
 * The optimizer's forecast P(the canary passes) for a change set; null when the rule table or an
 * operator chose it (no prediction). A joint move's changes carry the same forecast (the move's).
 */
export function forecastPass(changes: readonly ParameterChange[]): number | null {
  return changes.find((c) => c.prediction)?.prediction?.pProceed ?? null;
}

/**
 * The offline replay's prediction next to what the canary measured, per KPI (issue 12): the
 * changes' offline effects summed (their se in quadrature), for the KPIs every change has one for.
 * Empty when no change was replayed (no slot log).
 */
export function offlineVsMeasured(
  changes: readonly ParameterChange[],
  verdict: Pick<CanaryVerdict, 'kpis'> | null,
): Record<string, { offline: number; offlineSe: number; measured: number | null }> {
  if (changes.length === 0 || changes.some((c) => !c.offlineImpact)) return {};
  const out: Record<string, { offline: number; offlineSe: number; measured: number | null }> = {};
  for (const kpi of Object.keys(changes[0]!.offlineImpact!)) {
    if (changes.some((c) => c.offlineImpact![kpi] === undefined)) continue;
    const offline = changes.reduce((a, c) => a + c.offlineImpact![kpi]!.relDiff, 0);
    const offlineSe = Math.sqrt(changes.reduce((a, c) => a + c.offlineImpact![kpi]!.relSe ** 2, 0));
    const ev = verdict?.kpis.find((k) => k.kpi === kpi);
    const measured = ev && ev.classification !== 'NoData' && Number.isFinite(ev.relDiff) ? ev.relDiff : null;
    out[kpi] = { offline, offlineSe, measured };
  }
  return out;
}
