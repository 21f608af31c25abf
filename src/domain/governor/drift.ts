/**
 * Anti-drift rules (4.1-4.5), pure and deterministic (bundled into the governor workflow).
 * Each rule returns a `DriftFinding`: the rule's name, the action it calls for, and the numbers
 * that produced it, so that a stored event answers "why?" on its own.
 */

/** Every outcome a cycle can report (mirrors the state store's CycleOutcome). */
export const REPORTED_OUTCOMES = [
  'promoted',
  'rolled_back',
  'no_change',
  'rejected_by_bounds',
  'skipped_paused',
  'skipped_bad_data',
  'invalid_card',
  'golden_failed',
  'invalid_input',
  'failed',
] as const;
export type ReportedOutcome = (typeof REPORTED_OUTCOMES)[number];

/** Outcomes that deployed a canary: the denominator of the rollback rate. */
const DEPLOYED: ReadonlySet<string> = new Set(['promoted', 'rolled_back']);
/** Outcomes of a cycle that ran to its end: they break a run of failures. */
const COMPLETED: ReadonlySet<string> = new Set(['promoted', 'rolled_back', 'no_change', 'rejected_by_bounds']);

export interface OutcomeEntry {
  cycleId: string;
  outcome: ReportedOutcome;
  /** ISO time the cycle reported it. */
  at: string;
}

/** One day's autopilot_pred_vs_real_error: the mean of the errors reported that day. */
export interface DailyError {
  /** ISO start of the day bucket. */
  day: string;
  sum: number;
  n: number;
  /** Parameters changed by the cycles that reported on this day. */
  parameters: string[];
}

export interface DriftSettings {
  /** Length of a "day" (86 400 000 in production; shorter in tests and demos). */
  dayMs: number;
  /** 4.1 / 4.3: the p50 and rollback-rate target window (14). */
  windowDays: number;
  /** 4.4: the rollback-rate pause window (7). */
  rateWindowDays: number;
  errorP50Target: number;
  errorThreshold: number;
  consecutiveDays: number;
  rollbackRateTarget: number;
  rollbackRatePauseThreshold: number;
  /** The pause rule needs at least this many deployments in its window. */
  rollbackRateMinDeployments: number;
  /** 4.5: this many failed cycles in a row pause with backoff. */
  failureThreshold: number;
}

export type DriftRule =
  | 'prediction_error_consecutive_days'
  | 'prediction_error_recovered'
  | 'prediction_error_p50'
  | 'rollback_rate_7d'
  | 'rollback_rate_14d'
  | 'consecutive_failures';

export type DriftAction = 'enter_drift_mode' | 'leave_drift_mode' | 'pause' | 'alert';
export type DriftSeverity = 'info' | 'warning' | 'critical';

export interface DriftFinding {
  rule: DriftRule;
  action: DriftAction;
  severity: DriftSeverity;
  message: string;
  numbers: Record<string, number | null>;
  /** Daily errors the rule looked at. */
  series?: Array<{ day: string; error: number }>;
  /** Parameters implicated (drift mode contracts them). */
  parameters?: string[];
  /** The weekly triage should look at this. */
  triageFlagged?: boolean;
}

/** A finding as the governor stored it: when, for which channel, and when it was resolved. */
export interface DriftEvent extends DriftFinding {
  id: string;
  channel: string;
  at: string;
  resolvedAt: string | null;
  pauseMs?: number;
  backoffLevel?: number;
}

export const dayStartMs = (ms: number, dayMs: number): number => Math.floor(ms / dayMs) * dayMs;

export function median(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const round = (x: number): number => Math.round(x * 1e6) / 1e6;

/** Adds one prediction error to its day (kept sorted by day). */
export function addDailyError(
  days: readonly DailyError[],
  atMs: number,
  error: number,
  parameters: readonly string[],
  dayMs: number,
): DailyError[] {
  const day = new Date(dayStartMs(atMs, dayMs)).toISOString();
  const out = days.map((d) => ({ ...d, parameters: [...d.parameters] }));
  const hit = out.find((d) => d.day === day);
  if (hit) {
    hit.sum += error;
    hit.n += 1;
    for (const p of parameters) if (!hit.parameters.includes(p)) hit.parameters.push(p);
  } else {
    out.push({ day, sum: error, n: 1, parameters: [...new Set(parameters)] });
  }
  return out.sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
}

/** The daily errors of the last `windowDays` day buckets up to `nowMs` (today included). */
export function dailySeries(
  days: readonly DailyError[],
  nowMs: number,
  windowDays: number,
  dayMs: number,
  afterDay?: string,
): Array<{ day: string; error: number; parameters: string[] }> {
  const from = dayStartMs(nowMs, dayMs) - (windowDays - 1) * dayMs;
  return days
    .filter((d) => Date.parse(d.day) >= from && Date.parse(d.day) <= nowMs && (afterDay === undefined || d.day > afterDay))
    .map((d) => ({ day: d.day, error: round(d.sum / d.n), parameters: d.parameters }));
}

export interface ErrorP50 {
  p50: number | null;
  days: number;
  target: number;
  windowDays: number;
}

/** 4.1: p50 of the daily prediction errors over the window. */
export function errorP50(days: readonly DailyError[], nowMs: number, s: DriftSettings): ErrorP50 {
  const series = dailySeries(days, nowMs, s.windowDays, s.dayMs);
  const p = median(series.map((d) => d.error));
  return { p50: p === null ? null : round(p), days: series.length, target: s.errorP50Target, windowDays: s.windowDays };
}

export interface RollbackRate {
  rate: number | null;
  rollbacks: number;
  deployments: number;
  windowDays: number;
}

/** Rolled-back share of the deployments reported in the trailing window (4.3, 4.4). */
export function rollbackRate(outcomes: readonly OutcomeEntry[], nowMs: number, windowDays: number, dayMs: number): RollbackRate {
  const from = nowMs - windowDays * dayMs;
  const inWindow = outcomes.filter((o) => DEPLOYED.has(o.outcome) && Date.parse(o.at) > from && Date.parse(o.at) <= nowMs);
  const rollbacks = inWindow.filter((o) => o.outcome === 'rolled_back').length;
  return { rate: inWindow.length ? round(rollbacks / inWindow.length) : null, rollbacks, deployments: inWindow.length, windowDays };
}

/**
 * 4.2: the last `consecutiveDays` days with a measurement in the window are all above the
 * threshold → drift mode. Days without a deployment give no evidence either way, so they
 * neither count nor break the run.
 */
export function checkErrorStreak(days: readonly DailyError[], nowMs: number, s: DriftSettings): DriftFinding | null {
  const series = dailySeries(days, nowMs, s.windowDays, s.dayMs);
  const last = series.slice(-s.consecutiveDays);
  if (last.length < s.consecutiveDays || !last.every((d) => d.error > s.errorThreshold)) return null;
  const parameters = [...new Set(last.flatMap((d) => d.parameters))].sort();
  const p = errorP50(days, nowMs, s);
  return {
    rule: 'prediction_error_consecutive_days',
    action: 'enter_drift_mode',
    severity: 'critical',
    message:
      `prediction error above ${pct(s.errorThreshold)} on the last ${last.length} measured days ` +
      `(${last.map((d) => pct(d.error)).join(', ')}): drift mode`,
    numbers: {
      threshold: s.errorThreshold,
      consecutiveDays: s.consecutiveDays,
      minError: Math.min(...last.map((d) => d.error)),
      p50: p.p50,
      windowDays: s.windowDays,
    },
    series: last.map(({ day, error }) => ({ day, error })),
    parameters,
    triageFlagged: true,
  };
}

/** Leaving drift mode: the p50 of the last `consecutiveDays` days measured after entry is back under target. */
export function checkDriftRecovery(days: readonly DailyError[], enteredDay: string, nowMs: number, s: DriftSettings): DriftFinding | null {
  const after = dailySeries(days, nowMs, s.windowDays, s.dayMs, enteredDay);
  const last = after.slice(-s.consecutiveDays);
  const p = median(last.map((d) => d.error));
  if (last.length < s.consecutiveDays || p === null || p >= s.errorP50Target) return null;
  return {
    rule: 'prediction_error_recovered',
    action: 'leave_drift_mode',
    severity: 'info',
    message:
      `prediction error p50 ${pct(p)} over the last ${last.length} measured days ` +
      `is under the ${pct(s.errorP50Target)} target: leaving drift mode`,
    numbers: { p50: round(p), target: s.errorP50Target, days: last.length },
    series: last.map(({ day, error }) => ({ day, error })),
  };
}

/** 4.1 target: p50 over the window (with at least `consecutiveDays` days of data) above target. */
export function checkErrorTarget(days: readonly DailyError[], nowMs: number, s: DriftSettings): DriftFinding | null {
  const p = errorP50(days, nowMs, s);
  if (p.p50 === null || p.days < s.consecutiveDays || p.p50 < s.errorP50Target) return null;
  return {
    rule: 'prediction_error_p50',
    action: 'alert',
    severity: 'warning',
    message: `prediction error p50 ${pct(p.p50)} over ${p.days} days is above the ${pct(s.errorP50Target)} target`,
    numbers: { p50: p.p50, target: s.errorP50Target, days: p.days, windowDays: s.windowDays },
  };
}

/** 4.4: a rollback that brings the rate of the trailing window above the threshold pauses. */
export function checkRollbackPause(
  outcomes: readonly OutcomeEntry[],
  latest: ReportedOutcome,
  nowMs: number,
  s: DriftSettings,
): DriftFinding | null {
  if (latest !== 'rolled_back') return null;
  const r = rollbackRate(outcomes, nowMs, s.rateWindowDays, s.dayMs);
  if (r.rate === null || r.deployments < s.rollbackRateMinDeployments || r.rate <= s.rollbackRatePauseThreshold) return null;
  return {
    rule: 'rollback_rate_7d',
    action: 'pause',
    severity: 'critical',
    message:
      `rollback rate ${pct(r.rate)} (${r.rollbacks}/${r.deployments}) over ${s.rateWindowDays} days ` +
      `is above ${pct(s.rollbackRatePauseThreshold)}: pause`,
    numbers: {
      rate: r.rate,
      rollbacks: r.rollbacks,
      deployments: r.deployments,
      threshold: s.rollbackRatePauseThreshold,
      windowDays: s.rateWindowDays,
    },
  };
}

/** 4.3 target: the rollback rate over the long window above target. */
export function checkRollbackTarget(outcomes: readonly OutcomeEntry[], nowMs: number, s: DriftSettings): DriftFinding | null {
  const r = rollbackRate(outcomes, nowMs, s.windowDays, s.dayMs);
  if (r.rate === null || r.rate <= s.rollbackRateTarget) return null;
  return {
    rule: 'rollback_rate_14d',
    action: 'alert',
    severity: 'warning',
    message:
      `rollback rate ${pct(r.rate)} (${r.rollbacks}/${r.deployments}) over ${s.windowDays} days ` +
      `is above the ${pct(s.rollbackRateTarget)} target`,
    numbers: { rate: r.rate, rollbacks: r.rollbacks, deployments: r.deployments, target: s.rollbackRateTarget, windowDays: s.windowDays },
  };
}

/** Failed cycles at the end of the record; completed cycles break the run, skipped ones do not. */
export function trailingFailures(outcomes: readonly OutcomeEntry[]): number {
  let n = 0;
  for (let i = outcomes.length - 1; i >= 0; i--) {
    const o = outcomes[i].outcome;
    if (o === 'failed') n++;
    else if (COMPLETED.has(o)) break;
  }
  return n;
}

/** 4.5: `failureThreshold` failed cycles in a row pause (with backoff); each further failure pauses again. */
export function checkFailures(outcomes: readonly OutcomeEntry[], latest: ReportedOutcome, s: DriftSettings): DriftFinding | null {
  if (latest !== 'failed') return null;
  const n = trailingFailures(outcomes);
  if (n < s.failureThreshold) return null;
  return {
    rule: 'consecutive_failures',
    action: 'pause',
    severity: 'critical',
    message: `${n} failed cycles in a row (threshold ${s.failureThreshold}): pause with backoff`,
    numbers: { consecutiveFailures: n, threshold: s.failureThreshold },
  };
}

function pct(x: number): string {
  return `${Math.round(x * 1000) / 10}%`;
}
