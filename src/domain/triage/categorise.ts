/**
 * Weekly incident triage (7.1-7.5), the pure core: the week's facts → failure instances by
 * category (7.2) → patterns recurring more than the threshold → patch suggestions (7.3), the
 * bounds ones ready to apply (7.5). Deterministic, no Node imports: runs inside the workflow.
 */
import { findPatterns, suggestPatches } from './suggest';
import {
  FAILURE_CATEGORIES,
  type AppliedAdjustment,
  type CategoryCounts,
  type FailureCategory,
  type FailureInstance,
  type IssueOutcome,
  type TriageAlert,
  type TriageCycle,
  type TriageDriftEvent,
  type TriageFacts,
  type TriageReport,
  type TriageSettings,
} from './types';

export * from './types';
export { contractSide, shiftSide, fingerprint, findPatterns, suggestPatches } from './suggest';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const arr = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);
const ms = (iso: string | null | undefined): number => (iso ? Date.parse(iso) : NaN);

interface Change {
  parameter: string;
  oldValue: number;
  newValue: number;
}

/** The changes a cycle shipped to its canary: proposals its bounds decisions approved. */
function shippedChanges(report: Obj): Change[] {
  const decisions = arr(report.bounds);
  return arr(report.proposals)
    .filter((p) => decisions.length === 0 || decisions.some((d) => d.parameter === p.parameter && d.approved === true))
    .map((p) => ({ parameter: str(p.parameter) ?? '?', oldValue: num(p.oldValue) ?? NaN, newValue: num(p.newValue) ?? NaN }));
}

const direction = (c: Change): 'upward' | 'downward' => (c.newValue > c.oldValue ? 'upward' : 'downward');

/** How a rolled-back canary was decided → the rule its instances carry. */
function rollbackRule(decidedBy: string, c: Change): string {
  if (decidedBy === 'inconclusive_timeout') return 'inconclusive_timeout';
  if (decidedBy.startsWith('operator:')) return 'operator_rollback';
  if (decidedBy.startsWith('emergency:')) return 'emergency_stop';
  if (decidedBy === 'promotion_guard' || decidedBy === 'manual_edit') return 'promotion_refused';
  if (decidedBy.startsWith('paused:')) return 'paused_rollback';
  if (decidedBy === 'cancelled' || decidedBy === 'failure') return 'canary_aborted';
  return `rolled_back_${direction(c)}`;
}

/** Outcomes that fail validation before anything is deployed. */
const VALIDATION_OUTCOMES: Record<string, string> = {
  invalid_card: 'invalid_card',
  invalid_input: 'invalid_input',
  golden_failed: 'golden_failed',
  skipped_bad_data: 'bad_metrics_data',
};

export function cycleInstances(
  c: TriageCycle,
  s: Pick<TriageSettings, 'slowCycleMs' | 'stuckCycleMs'>,
  weekEnd: string,
): FailureInstance[] {
  const at = c.finishedAt ?? c.startedAt;
  const message = c.error ?? str(c.report.message) ?? '';
  const base = { at, cycleId: c.cycleId, source: 'cycle' as const };
  const out: FailureInstance[] = [];
  const durationMs = ms(c.finishedAt) - ms(c.startedAt);
  const ownMs = durationMs - (c.canaryMs ?? 0);

  if (c.outcome === 'failed' || (c.status === 'failed' && !c.outcome)) {
    const timedOut = /timed out/i.test(message);
    out.push({
      ...base,
      category: timedOut ? 'performance' : 'stability',
      rule: timedOut ? 'operation_timeout' : 'cycle_failed',
      detail: message || 'cycle failed',
      numbers: { durationMs: Number.isFinite(durationMs) ? durationMs : null },
    });
    return out;
  }
  if (c.status === 'running') {
    const ageMs = ms(weekEnd) - ms(c.startedAt);
    if (ageMs > s.stuckCycleMs)
      out.push({
        ...base,
        category: 'stability',
        rule: 'cycle_unfinished',
        detail: `cycle still running ${Math.round(ageMs / 60_000)} min after it started (worker lost?)`,
        numbers: { ageMs, stuckCycleMs: s.stuckCycleMs },
      });
    return out;
  }
  if (Number.isFinite(ownMs) && ownMs > s.slowCycleMs) {
    out.push({
      ...base,
      category: 'performance',
      rule: 'slow_cycle',
      detail: `cycle work took ${Math.round(ownMs / 1000)} s (canary excluded); limit ${Math.round(s.slowCycleMs / 1000)} s`,
      numbers: { ownMs, durationMs, canaryMs: c.canaryMs ?? 0, slowCycleMs: s.slowCycleMs },
    });
  }
  const outcome = c.outcome ?? '';
  const golden = isObj(c.report.golden) ? c.report.golden : null;
  if (outcome === 'golden_failed' && golden) {
    // 6.3 / 6.4: a failing case is validation; a set that ran out of time is performance.
    const timedOut = golden.status === 'timed_out';
    const first = arr(golden.failures)[0];
    const changes = shippedChanges(c.report);
    out.push({
      ...base,
      category: timedOut ? 'performance' : 'validation',
      rule: timedOut ? 'golden_timed_out' : 'golden_failed',
      detail: `${message || outcome}${first ? ` (first: ${str(first.case) ?? '?'} / ${str(first.check) ?? '?'})` : ''}`,
      numbers: { failed: num(golden.failed), total: num(golden.total), durationMs: num(golden.durationMs) },
      ...(changes.length === 1 ? { parameter: changes[0].parameter } : {}),
    });
  } else if (outcome in VALIDATION_OUTCOMES) {
    const changes = shippedChanges(c.report);
    out.push({
      ...base,
      category: 'validation',
      rule: VALIDATION_OUTCOMES[outcome],
      detail: message || outcome,
      ...(changes.length === 1 ? { parameter: changes[0].parameter } : {}),
    });
  } else if (outcome === 'rejected_by_bounds') {
    for (const d of arr(c.report.bounds).filter((x) => x.approved === false)) {
      const b = isObj(d.bounds) ? d.bounds : {};
      const newValue = num(d.newValue);
      const max = num(b.max);
      for (const r of arr(d.rejections)) {
        const rule = str(r.rule) ?? 'unknown';
        if (rule === 'no_change') continue;
        const name =
          rule === 'sliding_bounds'
            ? `sliding_bounds_${newValue !== null && max !== null && newValue > max ? 'upward' : 'downward'}`
            : `bounds_${rule}`;
        out.push({
          ...base,
          category: 'validation',
          parameter: str(d.parameter) ?? undefined,
          rule: name,
          detail: str(r.message) ?? name,
          numbers: { oldValue: num(d.oldValue), newValue, min: num(b.min), max, hardMin: num(b.hardMin), hardMax: num(b.hardMax) },
        });
      }
    }
  } else if (outcome === 'rolled_back') {
    const canary = isObj(c.report.canary) ? c.report.canary : {};
    const decidedBy = str(canary.decidedBy) ?? 'judge';
    const verdict = isObj(canary.verdict) ? canary.verdict : {};
    const why = `${str(verdict.rule) ?? decidedBy}: ${str(verdict.reason) ?? message}`;
    const changes = shippedChanges(c.report);
    for (const ch of changes) {
      out.push({
        ...base,
        category: 'canary',
        parameter: ch.parameter,
        rule: rollbackRule(decidedBy, ch),
        detail: `${ch.parameter} ${ch.oldValue} → ${ch.newValue} rolled back (${decidedBy}; ${why})`,
        numbers: { oldValue: ch.oldValue, newValue: ch.newValue, delta: ch.newValue - ch.oldValue },
      });
    }
    if (changes.length === 0) out.push({ ...base, category: 'canary', rule: 'rolled_back', detail: `rolled back (${decidedBy}; ${why})` });
  } else if (outcome === 'skipped_paused') {
    out.push({ ...base, category: 'drift', rule: 'paused', detail: message || 'cycle skipped: autopilot paused' });
  }
  return out;
}

/** Alert names → category and rule. Info alerts and operator bookkeeping are not failures. */
const ALERT_RULES: Record<string, [FailureCategory, string]> = {
  operation_timeout: ['performance', 'operation_timeout'],
  cycle_failed: ['stability', 'cycle_failed'],
  card_rolled_back: ['stability', 'card_rolled_back'],
  invalid_card: ['validation', 'invalid_card'],
  bounds_violation: ['validation', 'rejected_by_bounds'],
  bad_metrics_data: ['validation', 'bad_metrics_data'],
  golden_failed: ['validation', 'golden_failed'],
  golden_bypassed: ['validation', 'golden_bypassed'],
  golden_bypass_refused: ['validation', 'golden_bypass_refused'],
  canary_rolled_back: ['canary', 'rolled_back'],
  emergency_pause: ['drift', 'emergency_pause'],
  autopilot_paused: ['drift', 'operator_pause'],
  drift_mode_entered: ['drift', 'prediction_error_consecutive_days'],
  prediction_error_above_target: ['drift', 'prediction_error_p50'],
  autopilot_paused_rollback_rate: ['drift', 'rollback_rate_7d'],
  rollback_rate_above_target: ['drift', 'rollback_rate_14d'],
  autopilot_paused_failures: ['drift', 'consecutive_failures'],
};
const IGNORED_ALERTS = new Set([
  'autopilot_resumed',
  'bounds_override_set',
  'bounds_override_cleared',
  'bounds_override_expired',
  'drift_mode_left',
]);

/**
 * Alerts not already told by a cycle row or a drift event: governor and operator alerts, and
 * alerts whose cycle row is missing. Unknown warning/critical alerts count as stability.
 */
export function alertInstances(
  alerts: TriageAlert[],
  coveredCycles: ReadonlySet<string>,
  eventIds: ReadonlySet<string>,
): FailureInstance[] {
  const out: FailureInstance[] = [];
  for (const a of alerts) {
    if (a.severity === 'info' || IGNORED_ALERTS.has(a.name)) continue;
    if (a.cycleId && coveredCycles.has(a.cycleId)) continue;
    const eventId = str(a.details?.eventId);
    if (eventId && eventIds.has(eventId)) continue;
    const [category, rule] = ALERT_RULES[a.name] ?? ['stability', a.name];
    out.push({ category, rule, at: a.at, cycleId: a.cycleId, detail: `${a.severity} alert ${a.name}: ${a.summary}`, source: 'alert' });
  }
  return out;
}

export function driftInstances(events: TriageDriftEvent[]): FailureInstance[] {
  return events
    .filter((e) => e.kind !== 'prediction_error_recovered' && e.action !== 'leave_drift_mode')
    .map((e) => {
      const n = isObj(e.numbers) ? e.numbers : {};
      const inner = isObj(n.numbers) ? n.numbers : {};
      const numbers: Record<string, number | null> = {};
      for (const [k, v] of Object.entries(inner)) if (typeof v === 'number' || v === null) numbers[k] = v as number | null;
      const params = Array.isArray(n.parameters) ? n.parameters.filter((p): p is string => typeof p === 'string') : [];
      const resolved = e.resolvedAt ? `resolved ${e.resolvedAt}` : 'unresolved';
      return {
        category: 'drift' as const,
        rule: e.kind,
        at: e.at,
        cycleId: null,
        source: 'drift_event' as const,
        numbers,
        ...(n.triageFlagged === true ? { flagged: true } : {}),
        detail: `${str(n.message) ?? e.kind} → ${e.action} (${resolved}${params.length ? `; parameters ${params.join(', ')}` : ''})`,
      };
    });
}

const eventIdOf = (e: TriageDriftEvent): string | null => (isObj(e.numbers) ? str(e.numbers.eventId) : null);

/** 7.2 + 7.3: categorise and count the week's failures, find patterns, suggest patches. */
export function triage(facts: TriageFacts, s: TriageSettings): TriageReport {
  const from = ms(facts.weekStart);
  const to = ms(facts.weekEnd);
  const inWindow = (at: string) => ms(at) >= from && ms(at) < to;
  const cycles = facts.cycles.filter((c) => inWindow(c.startedAt));
  const events = facts.driftEvents.filter((e) => inWindow(e.at));
  const eventIds = new Set(events.map(eventIdOf).filter((x): x is string => x !== null));
  const instances = [
    ...cycles.flatMap((c) => cycleInstances(c, s, facts.weekEnd)),
    ...alertInstances(
      facts.alerts.filter((a) => inWindow(a.at)),
      new Set(cycles.map((c) => c.cycleId)),
      eventIds,
    ),
    ...driftInstances(events),
  ].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));

  const counts = Object.fromEntries([...FAILURE_CATEGORIES.map((c) => [c, 0]), ['total', instances.length]]) as CategoryCounts;
  const byRule: Record<string, number> = {};
  for (const i of instances) {
    counts[i.category] += 1;
    byRule[`${i.category}/${i.rule}`] = (byRule[`${i.category}/${i.rule}`] ?? 0) + 1;
  }
  const byOutcome: Record<string, number> = {};
  for (const c of cycles) byOutcome[c.outcome ?? c.status] = (byOutcome[c.outcome ?? c.status] ?? 0) + 1;
  const weekAdjustments: Record<string, number> = {};
  for (const a of facts.adjustments.filter((x) => inWindow(x.at))) weekAdjustments[a.kind] = (weekAdjustments[a.kind] ?? 0) + 1;

  const patterns = findPatterns(facts.channel, instances, s.patternThreshold);
  const suggestions = suggestPatches({ patterns, instances, facts, settings: s, cycleCount: cycles.length });
  return {
    channel: facts.channel,
    weekStart: facts.weekStart,
    weekEnd: facts.weekEnd,
    mode: 'apply',
    settings: s,
    cycles: { total: cycles.length, byOutcome },
    counts,
    byRule,
    instances: instances.slice(-s.maxInstances),
    instancesTotal: instances.length,
    instancesTruncated: instances.length > s.maxInstances,
    patterns,
    suggestions,
    weekAdjustments,
    appliedAdjustments: [],
    issues: [],
  };
}

/** The report with what the run did: bounds applied (7.5) and issues opened (7.4). */
export function withOutcomes(
  report: TriageReport,
  applied: AppliedAdjustment[],
  issues: IssueOutcome[],
  mode: TriageReport['mode'],
): TriageReport {
  const suggestions = report.suggestions.map((sg) => {
    const i = issues.find((x) => x.fingerprint === sg.fingerprint);
    return i ? { ...sg, issue: i.issue, ...(i.reason ? { issueReason: i.reason } : {}) } : sg;
  });
  return { ...report, mode, suggestions, appliedAdjustments: applied, issues };
}

/** The window a triage at `at` looks at: the `windowDays` full UTC days before `at`'s day (7.1). */
export function triageWindow(at: Date | string, windowDays: number): { weekStart: string; weekEnd: string } {
  const t = typeof at === 'string' ? Date.parse(at) : at.getTime();
  const end = Math.floor(t / 86_400_000) * 86_400_000;
  return { weekStart: new Date(end - windowDays * 86_400_000).toISOString(), weekEnd: new Date(end).toISOString() };
}
