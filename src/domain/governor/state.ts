/**
 * The governor's safety state and the transitions operators and timers cause (4.4, 4.5, 9.1-9.5).
 * Deterministic, no Node imports: the governor workflow holds one `GovernorState` and calls these.
 * Every transition mutates the state it is given and returns the side effects it calls for
 * (alerts, audit records, drift-event rows, canary stops); the workflow performs them.
 */
import type { BoundsOverride } from '../parameters';
import { pauseEndMs, effectiveStepScale, remainingPauseMs } from './backoff';
import {
  errorP50,
  rollbackRate,
  trailingFailures,
  type DailyError,
  type DriftEvent,
  type DriftFinding,
  type DriftSettings,
  type ErrorP50,
  type OutcomeEntry,
  type RollbackRate,
} from './drift';

export type { BoundsOverride };

export interface ParamLimit {
  name: string;
  hardMin: number;
  hardMax: number;
}

export interface GovernorSettings extends DriftSettings {
  pauseMs: number;
  maxPauseMs: number;
  /** 4.2: step scale in drift mode. */
  driftStepScale: number;
  /** Step scales over successive successful cycles after a safety pause, e.g. [0.25, 0.5, 1]. */
  recoveryRamp: number[];
  /** 9.5: default override lifetime (24 h). */
  overrideDefaultMs: number;
  /** A registered cycle older than this no longer blocks another one (it died without reporting). */
  staleCycleMs: number;
  /** continueAsNew after this many messages in one run. */
  maxEventsPerRun: number;
  /** Tuned parameters and their hard limits: overrides must name one and stay inside. */
  parameters: ParamLimit[];
}

export type PauseSource = 'operator' | 'emergency' | 'config' | 'rollback_rate' | 'consecutive_failures';
export type GovernorMode = 'running' | 'paused' | 'drift';

export interface PauseState {
  since: string;
  /** null: until someone resumes. */
  until: string | null;
  reason: string;
  by: string;
  source: PauseSource;
  durationMs: number | null;
  /** The drift event that caused it (rule pauses). */
  eventId: string | null;
  backoffLevel: number | null;
}

/** Drift mode is orthogonal to pausing: a paused channel can be in drift mode too. */
export interface DriftModeState {
  since: string;
  eventId: string;
  /** Day bucket of the report that entered drift mode: recovery counts days after it. */
  enteredDay: string;
  stepScale: number;
  correctionsOnly: true;
  /** Parameters implicated by the high-error days: candidates for contraction. */
  parameters: string[];
  triageFlagged: boolean;
}

export interface RunningCycle {
  cycleId: string;
  since: string;
  canaryId: string | null;
  stopRequestedAt: string | null;
}

export interface RecoveryState {
  since: string;
  /** Index into the recovery ramp. */
  step: number;
  afterPause: PauseSource;
}

export interface ControlEntry {
  at: string;
  kind: string;
  by: string;
  reason: string;
  details?: Record<string, unknown>;
}

export interface GovernorAlert {
  severity: 'info' | 'warning' | 'critical';
  name: string;
  summary: string;
  details?: Record<string, unknown>;
  dedupKey?: string;
}

export type GovernorEffect =
  | { kind: 'record_event'; event: DriftEvent }
  | { kind: 'resolve_event'; event: DriftEvent }
  | { kind: 'alert'; alert: GovernorAlert }
  | { kind: 'decision'; decisionKind: string; summary: string; payload: unknown; cycleId?: string }
  | { kind: 'stop_canary'; canaryId: string; by: string; reason: string };

export interface GovernorState {
  channel: string;
  pause: PauseState | null;
  drift: DriftModeState | null;
  backoffLevel: number;
  recovery: RecoveryState | null;
  overrides: BoundsOverride[];
  running: RunningCycle | null;
  outcomes: OutcomeEntry[];
  dailyErrors: DailyError[];
  /** Recent drift events, oldest first; unresolved ones are never dropped. */
  events: DriftEvent[];
  /** Operator and timer actions, newest last (bounded). */
  log: ControlEntry[];
  /** Signals whose payload was refused (signals cannot be rejected to the sender). */
  rejected: ControlEntry[];
  /** Last `autopilot.emergency_pause` value the config watcher sent. */
  configEmergencyPause: boolean;
  seq: number;
  /** Side effects not yet performed (carried across continueAsNew). */
  outbox: GovernorEffect[];
}

export const iso = (ms: number): string => new Date(ms).toISOString();

export function initialGovernorState(channel: string): GovernorState {
  return {
    channel,
    pause: null,
    drift: null,
    backoffLevel: 0,
    recovery: null,
    overrides: [],
    running: null,
    outcomes: [],
    dailyErrors: [],
    events: [],
    log: [],
    rejected: [],
    configEmergencyPause: false,
    seq: 0,
    outbox: [],
  };
}

export function governorMode(s: GovernorState): GovernorMode {
  return s.pause ? 'paused' : s.drift ? 'drift' : 'running';
}

export function stepScale(s: GovernorState, st: GovernorSettings): number {
  return effectiveStepScale({
    driftScale: s.drift ? s.drift.stepScale : null,
    recoveryStep: s.recovery ? s.recovery.step : null,
    ramp: st.recoveryRamp,
  });
}

/** The nearest time a timer must wake the governor: pause expiry or override expiry. */
export function nextDeadlineMs(s: GovernorState): number | null {
  const times = [...(s.pause?.until ? [Date.parse(s.pause.until)] : []), ...s.overrides.map((o) => Date.parse(o.expiresAt))];
  return times.length ? Math.min(...times) : null;
}

export function note(s: GovernorState, nowMs: number, kind: string, by: string, reason: string, details?: Record<string, unknown>): void {
  s.log.push({ at: iso(nowMs), kind, by, reason, ...(details ? { details } : {}) });
  if (s.log.length > 50) s.log.splice(0, s.log.length - 50);
}

export function reject(s: GovernorState, nowMs: number, kind: string, by: string, message: string): void {
  s.rejected.push({ at: iso(nowMs), kind, by, reason: message });
  if (s.rejected.length > 10) s.rejected.splice(0, s.rejected.length - 10);
}

/** Stores a finding as an event; returns the effects that record it and announce it. */
export function openEvent(
  s: GovernorState,
  f: DriftFinding,
  nowMs: number,
  alertName: string,
  extra: Partial<DriftEvent> = {},
): { event: DriftEvent; effects: GovernorEffect[] } {
  s.seq += 1;
  const event: DriftEvent = { ...f, id: `${s.channel}#${s.seq}`, channel: s.channel, at: iso(nowMs), resolvedAt: null, ...extra };
  s.events.push(event);
  trimEvents(s);
  return {
    event,
    effects: [
      { kind: 'record_event', event: { ...event } },
      {
        kind: 'alert',
        alert: {
          severity: f.severity,
          name: alertName,
          summary: f.message,
          details: { rule: f.rule, action: f.action, numbers: f.numbers, parameters: f.parameters, eventId: event.id },
        },
      },
    ],
  };
}

export function resolveEvent(s: GovernorState, id: string | null, nowMs: number): GovernorEffect[] {
  const e = id ? s.events.find((x) => x.id === id) : undefined;
  if (!e || e.resolvedAt) return [];
  e.resolvedAt = iso(nowMs);
  return [{ kind: 'resolve_event', event: { ...e } }];
}

function trimEvents(s: GovernorState): void {
  const resolved = s.events.filter((e) => e.resolvedAt);
  if (resolved.length <= 50) return;
  const drop = new Set(resolved.slice(0, resolved.length - 50).map((e) => e.id));
  s.events = s.events.filter((e) => !drop.has(e.id));
}

/** Drops outcomes and daily errors that no window looks at any more. */
export function prune(s: GovernorState, nowMs: number, st: GovernorSettings): void {
  const keepFrom = nowMs - (Math.max(st.windowDays, st.rateWindowDays) + 1) * st.dayMs;
  s.outcomes = s.outcomes.filter((o) => Date.parse(o.at) > keepFrom).slice(-1000);
  s.dailyErrors = s.dailyErrors.filter((d) => Date.parse(d.day) > keepFrom - st.dayMs);
  trimEvents(s);
}

export interface GovernorNumbers {
  rollbackRate7d: RollbackRate;
  rollbackRate14d: RollbackRate;
  errorP50: ErrorP50;
  trailingFailures: number;
  stepScale: number;
  correctionsOnly: boolean;
  pauseRemainingMs: number | null;
  nextDeadline: string | null;
}

export type GovernorStatus = Omit<GovernorState, 'outbox'> & {
  mode: GovernorMode;
  numbers: GovernorNumbers;
  pendingEffects: number;
  settings: GovernorSettings;
};

/** The `status` query: the whole state plus the numbers an operator asks for first. */
export function governorStatus(s: GovernorState, nowMs: number, st: GovernorSettings): GovernorStatus {
  const { outbox, ...rest } = s;
  const deadline = nextDeadlineMs(s);
  return {
    ...rest,
    mode: governorMode(s),
    pendingEffects: outbox.length,
    settings: st,
    numbers: {
      rollbackRate7d: rollbackRate(s.outcomes, nowMs, st.rateWindowDays, st.dayMs),
      rollbackRate14d: rollbackRate(s.outcomes, nowMs, st.windowDays, st.dayMs),
      errorP50: errorP50(s.dailyErrors, nowMs, st),
      trailingFailures: trailingFailures(s.outcomes),
      stepScale: s.pause ? 0 : stepScale(s, st),
      correctionsOnly: s.drift !== null,
      pauseRemainingMs: s.pause?.until ? remainingPauseMs(Date.parse(s.pause.until), nowMs) : null,
      nextDeadline: deadline === null ? null : iso(deadline),
    },
  };
}

/** Starts (or replaces) a pause; the caller has resolved whatever pause came before. */
export function startPause(
  s: GovernorState,
  p: { by: string; reason: string; source: PauseSource; durationMs: number | null; eventId?: string | null; backoffLevel?: number | null },
  nowMs: number,
): void {
  s.pause = {
    since: iso(nowMs),
    until: p.durationMs === null ? null : iso(pauseEndMs(nowMs, p.durationMs)),
    reason: p.reason,
    by: p.by,
    source: p.source,
    durationMs: p.durationMs === null ? null : Math.max(0, p.durationMs),
    eventId: p.eventId ?? null,
    backoffLevel: p.backoffLevel ?? null,
  };
  s.recovery = null;
  note(s, nowMs, p.source === 'emergency' || p.source === 'config' ? 'emergency_pause' : 'pause', p.by, p.reason, {
    source: p.source,
    until: s.pause.until,
    durationMs: s.pause.durationMs,
  });
}
