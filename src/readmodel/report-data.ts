/**
 * What the HTML report (vvtvctl autopilot report --html) shows, read from the stores over a period:
 * each parameter's live value inside its sliding bounds and hard range, the KPIs' 24 h levels with
 * their target bands, every canary's verdict per KPI with the effect the change predicted, and the
 * rollbacks, pauses and manual actions on one time line. Every number keeps the rule behind it.
 */
import type { Deps } from '../activities/deps';
import { getPath } from '../config/card';
import { completeBounds } from '../domain/bounds';
import { shippedChanges, type CanaryRecord, type CycleRecord, type DecisionRecord } from '../domain/records';
import type { CanaryDecision, KpiDef } from '../domain/types';
import { forecastPass, predictedImpacts } from '../domain/cycle';
import { verdictRows, type VerdictRow } from './cycle';
import { varianceReductionText } from './format';
import { channelReport, type ChannelReport } from './status';
import { controlView, type ControlView, type GovernorReading } from './governor';

type ReportDeps = Pick<Deps, 'config' | 'cycleLog' | 'canaryLog' | 'auditLog' | 'boundsStore' | 'cards' | 'history'>;
const DAY = 86_400_000;
/** More than a period can hold: cycles run daily, so 30 days is ~30 cycles and canaries. */
const LIST_LIMIT = 2000;

export interface BandPoint {
  at: string;
  min: number;
  max: number;
  /** The adjustment that set this range (init, expand, contract, override, manual, triage), or `current`. */
  kind: string;
  rationale: string;
}

export interface ValuePoint {
  at: string;
  value: number;
  /** `cycle`: the live value a cycle started from; `promoted`: a canary's value made live; `card`: the live card now. */
  source: 'cycle' | 'promoted' | 'card';
}

export interface ParameterSeries {
  parameter: string;
  hardMin: number;
  hardMax: number;
  bands: BandPoint[];
  values: ValuePoint[];
  /** Values canaried and rolled back (not made live). */
  rolledBack: Array<{ at: string; value: number; cycleId: string }>;
}

export interface KpiSeries {
  kpi: string;
  goal: KpiDef['goal'];
  role: KpiDef['role'];
  targetMin: number | null;
  targetMax: number | null;
  /** The 24 h level each cycle's analysis measured, with its interval. */
  points: Array<{ at: string; mean: number; ci: [number, number] | null; n: number; position: string; cycleId: string }>;
}

export interface CanaryRow {
  canaryId: string;
  cycleId: string;
  startedAt: string;
  finishedAt: string | null;
  status: string;
  decision: CanaryDecision | null;
  rule: string | null;
  reason: string | null;
  decidedBy: string | null;
  confidenceLevel: number | null;
  changes: string;
  /** Per KPI: the measured relative Δ with its interval, and the Δ the shipped changes predicted (null: none). */
  kpis: Array<VerdictRow & { predicted: number | null }>;
  predictionError: number | null;
  /** What variance reduction did (issue 12), as vvtvctl shows it; null without it. */
  varianceReduction: string | null;
  /** The optimizer's forecast P(this canary passes) when it chose the changes; null for the rule table's or an operator's. */
  forecastPass: number | null;
}

export type EventCategory = 'rollback' | 'pause' | 'manual' | 'promotion';

export interface TimelineEvent {
  at: string;
  category: EventCategory;
  kind: string;
  summary: string;
}

export interface CycleRow {
  cycleId: string;
  startedAt: string;
  trigger: string;
  outcome: string;
  proposer: string | null;
  changes: Array<{ parameter: string; oldValue: number; newValue: number; changeType: string; rule: string; approved: boolean | null }>;
  /** Bounds rules that refused a proposed change (hard_limit, sliding_bounds, daily_delta, …). */
  refusals: Array<{ parameter: string; rule: string; message: string }>;
  golden: string | null;
  verdictRule: string | null;
  decidedBy: string | null;
  message: string | null;
}

export interface HtmlReportData {
  channel: string;
  days: number;
  from: string;
  to: string;
  card: { path: string; sha256: string; versionId: string | null; values: Record<string, unknown> };
  control: ControlView;
  summary: ChannelReport;
  parameters: ParameterSeries[];
  kpis: KpiSeries[];
  canaries: CanaryRow[];
  events: TimelineEvent[];
  cycles: CycleRow[];
}

const inPeriod = (at: string | null | undefined, fromMs: number, toMs: number) =>
  !!at && Date.parse(at) >= fromMs && Date.parse(at) <= toMs;
const byTime = <T extends { at: string }>(a: T, b: T) => Date.parse(a.at) - Date.parse(b.at);

export function htmlReportData(
  deps: ReportDeps,
  reading: GovernorReading,
  channel: string,
  days: number,
  nowMs = Date.now(),
): HtmlReportData {
  const config = deps.config();
  const fromMs = nowMs - days * DAY;
  const from = new Date(fromMs).toISOString();
  const to = new Date(nowMs).toISOString();
  const store = deps.cards(channel);
  const live = store.load();
  const cycles = deps.cycleLog.between(channel, from, new Date(nowMs + 1).toISOString());
  const canaries = deps.canaryLog.list(channel, LIST_LIMIT).filter((k) => inPeriod(k.started_at, fromMs, nowMs));
  const decisions = deps.auditLog.between(channel, from, new Date(nowMs + 1).toISOString());
  const values = Object.fromEntries(config.parameters.map((p) => [p.name, getPath(live.card, p.card_path)]));
  return {
    channel,
    days,
    from,
    to,
    card: { path: store.path, sha256: live.sha256, versionId: deps.history.findBySha(channel, live.sha256)?.version_id ?? null, values },
    control: controlView(reading, config),
    summary: channelReport(deps, reading, channel, days, nowMs),
    parameters: parameterSeries(deps, channel, cycles, values, fromMs, nowMs),
    kpis: kpiSeries(config.kpis, cycles),
    canaries: canaries.map((k) => canaryRow(k, cycles.find((c) => c.cycle_id === k.cycle_id) ?? deps.cycleLog.get(k.cycle_id))).reverse(),
    events: timeline(deps, channel, cycles, decisions, canaries, fromMs, nowMs),
    cycles: cycles.map(cycleRow),
  };
}

function parameterSeries(
  deps: ReportDeps,
  channel: string,
  cycles: CycleRecord[],
  live: Record<string, unknown>,
  fromMs: number,
  nowMs: number,
): ParameterSeries[] {
  const at = new Date(nowMs).toISOString();
  const current = completeBounds(deps.config().parameters, deps.boundsStore.get(channel), at);
  const adjustments = deps.boundsStore.adjustments(channel, LIST_LIMIT);
  return current.map((b) => {
    // Oldest first; the range in force when the period began is the last adjustment before it.
    const mine = adjustments.filter((a) => a.parameter === b.parameter).sort(byTime);
    const before = mine.filter((a) => Date.parse(a.at) < fromMs).at(-1);
    const during = mine.filter((a) => inPeriod(a.at, fromMs, nowMs));
    const bands: BandPoint[] = [];
    const first = during[0];
    if (before)
      bands.push({
        at: new Date(fromMs).toISOString(),
        min: before.new_min,
        max: before.new_max,
        kind: before.kind,
        rationale: before.rationale,
      });
    else if (first && first.old_min !== null && first.old_max !== null)
      bands.push({
        at: new Date(fromMs).toISOString(),
        min: first.old_min,
        max: first.old_max,
        kind: 'before',
        rationale: 'range before the first adjustment',
      });
    for (const a of during) bands.push({ at: a.at, min: a.new_min, max: a.new_max, kind: a.kind, rationale: a.rationale });
    if (bands.length === 0)
      bands.push({ at: new Date(fromMs).toISOString(), min: b.min, max: b.max, kind: 'current', rationale: 'unchanged in the period' });
    bands.push({ at, min: b.min, max: b.max, kind: 'current', rationale: 'the range now' });

    const values: ValuePoint[] = [];
    const rolledBack: ParameterSeries['rolledBack'] = [];
    for (const c of cycles) {
      const v = c.report.card?.values[b.parameter];
      if (typeof v === 'number') values.push({ at: c.started_at, value: v, source: 'cycle' });
      const change = shippedChanges(c.report).find((x) => x.parameter === b.parameter);
      const ended = c.finished_at ?? c.started_at;
      if (change && c.outcome === 'promoted') values.push({ at: ended, value: change.newValue, source: 'promoted' });
      if (change && c.outcome === 'rolled_back') rolledBack.push({ at: ended, value: change.newValue, cycleId: c.cycle_id });
    }
    const now = live[b.parameter];
    if (typeof now === 'number') values.push({ at, value: now, source: 'card' });
    return { parameter: b.parameter, hardMin: b.hardMin, hardMax: b.hardMax, bands, values: values.sort(byTime), rolledBack };
  });
}

function kpiSeries(configured: KpiDef[] | undefined, cycles: CycleRecord[]): KpiSeries[] {
  // The KPIs the newest cycle judged by (the config's, or the card's), else the config's.
  const defs = [...cycles].reverse().find((c) => c.report.card?.kpis.length)?.report.card?.kpis ?? configured ?? [];
  return defs.map((k) => ({
    kpi: k.name,
    goal: k.goal,
    role: k.role,
    targetMin: k.target_min ?? null,
    targetMax: k.target_max ?? null,
    points: cycles.flatMap((c) => {
      const a = c.report.analysis?.kpis.find((x) => x.kpi === k.name);
      if (!a || !Number.isFinite(a.mean) || a.n === 0) return [];
      const ci = a.levelCI && a.levelCI.every(Number.isFinite) ? a.levelCI : null;
      return [{ at: c.report.analysis!.to, mean: a.mean, ci, n: a.n, position: a.position, cycleId: c.cycle_id }];
    }),
  }));
}

function canaryRow(k: CanaryRecord, cycle: CycleRecord | null): CanaryRow {
  const verdict = k.verdict ?? k.checks.at(-1) ?? null;
  const changes = cycle ? shippedChanges(cycle.report) : [];
  // The predicted effect of the change set, as the prediction error reads it.
  const predicted = predictedImpacts(changes);
  return {
    canaryId: k.canary_id,
    cycleId: k.cycle_id,
    startedAt: k.started_at,
    finishedAt: k.finished_at ?? null,
    status: k.status,
    decision: verdict?.decision ?? null,
    rule: verdict?.rule ?? null,
    reason: verdict?.reason ?? null,
    decidedBy: k.decided_by ?? null,
    confidenceLevel: verdict?.confidenceLevel ?? null,
    changes: changes.map((c) => `${c.parameter} ${c.oldValue} → ${c.newValue}`).join(', '),
    kpis: verdict ? verdictRows(verdict).map((r) => ({ ...r, predicted: predicted[r.kpi] ?? null })) : [],
    predictionError: typeof cycle?.report.predictionError === 'number' ? cycle.report.predictionError : null,
    varianceReduction: varianceReductionText(verdict),
    forecastPass: forecastPass(changes),
  };
}

const PAUSE_KINDS = new Set(['pause', 'emergency_pause', 'resume', 'governor_pause', 'drift_mode', 'drift_mode_left']);
const MANUAL_KINDS = new Set(['bounds_override', 'bounds_override_cleared', 'golden_bypass', 'golden_bypass_refused']);
const ROLLBACK_KINDS = new Set(['rollback', 'rollback_refused', 'rollback_failed']);

function timeline(
  deps: ReportDeps,
  channel: string,
  cycles: CycleRecord[],
  decisions: DecisionRecord[],
  canaries: CanaryRecord[],
  fromMs: number,
  nowMs: number,
): TimelineEvent[] {
  const events: TimelineEvent[] = [];
  for (const d of decisions) {
    const category: EventCategory | null = ROLLBACK_KINDS.has(d.kind)
      ? 'rollback'
      : PAUSE_KINDS.has(d.kind)
        ? 'pause'
        : MANUAL_KINDS.has(d.kind)
          ? 'manual'
          : null;
    if (category) events.push({ at: d.at, category, kind: d.kind, summary: d.summary });
  }
  for (const c of cycles) {
    const at = c.finished_at ?? c.started_at;
    const changes = shippedChanges(c.report)
      .map((x) => `${x.parameter} ${x.oldValue} → ${x.newValue}`)
      .join(', ');
    if (c.outcome === 'rolled_back')
      events.push({
        at,
        category: 'rollback',
        kind: 'canary_rollback',
        summary: `canary rolled back (${c.report.canary?.rule ?? '-'}): ${changes}`,
      });
    if (c.outcome === 'promoted')
      events.push({ at, category: 'promotion', kind: 'promoted', summary: `promoted (${c.report.canary?.rule ?? '-'}): ${changes}` });
    if (c.report.trigger === 'manual')
      events.push({
        at: c.started_at,
        category: 'manual',
        kind: 'manual_cycle',
        summary: `cycle started by hand (${c.report.proposer ?? '-'})`,
      });
  }
  for (const k of canaries)
    if (k.decided_by?.startsWith('operator:') && k.finished_at)
      events.push({ at: k.finished_at, category: 'manual', kind: 'operator_decision', summary: `canary ${k.status} by ${k.decided_by}` });
  for (const v of deps.history.list(channel, { from: new Date(fromMs).toISOString(), to: new Date(nowMs).toISOString() }).items)
    if (v.source === 'manual')
      events.push({
        at: v.created_at,
        category: 'manual',
        kind: 'manual_edit',
        summary: `manual card version ${v.version_id}: ${v.rationale}`,
      });
  return events.sort(byTime);
}

function cycleRow(c: CycleRecord): CycleRow {
  const r = c.report;
  const proposals = r.proposals ?? [];
  return {
    cycleId: c.cycle_id,
    startedAt: c.started_at,
    trigger: r.trigger,
    outcome: c.outcome ?? c.status,
    proposer: r.proposer ?? null,
    changes: proposals.map((p, i) => ({
      parameter: p.parameter,
      oldValue: p.oldValue,
      newValue: p.newValue,
      changeType: p.changeType,
      rule: p.rule,
      approved: r.bounds?.[i]?.parameter === p.parameter ? r.bounds[i].approved : null,
    })),
    refusals: (r.bounds ?? []).flatMap((b) => b.rejections.map((x) => ({ parameter: b.parameter, rule: x.rule, message: x.message }))),
    golden: r.golden?.status ?? null,
    verdictRule: r.canary?.rule ?? null,
    decidedBy: r.canary?.decidedBy ?? null,
    message: r.message ?? r.error ?? c.error ?? null,
  };
}
