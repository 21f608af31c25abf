/**
 * The governor's numbers and pause as operators read them (4.1-4.5, 9.1). The governor itself is
 * the authority: when it answers its status query, its numbers and pause are shown as they are.
 * When it cannot be asked, the numbers are recomputed from the stores with the governor's own
 * functions (src/domain/governor/drift.ts) and settings, so every reader gives the same figure.
 */
import type { Deps } from '../activities/deps';
import {
  addDailyError,
  errorP50,
  rollbackRate,
  trailingFailures,
  type DailyError,
  type ErrorP50,
  type OutcomeEntry,
  type RollbackRate,
} from '../domain/governor';
import type { GovernorMode, GovernorStatus, PauseSource } from '../domain/governor';
import { governorSettings } from '../governor/settings';

/** What asking the governor gave: its status, or why there is none. */
export type GovernorReading =
  | { state: 'running'; status: GovernorStatus }
  /** Temporal answered, but no governor runs for the channel: nothing paused it. */
  | { state: 'not_started'; reason: string }
  | { state: 'unreachable'; reason: string };

/** Asks a channel's governor (the CLI passes one built on the Temporal client). */
export type GovernorLookup = (channel: string) => Promise<GovernorReading>;

export interface GovernorNumbers {
  /** `governor`: the governor's status query; `store`: recomputed from the stores. */
  source: 'governor' | 'store';
  rollbackRate7d: RollbackRate;
  rollbackRate14d: RollbackRate;
  errorP50: ErrorP50;
  trailingFailures: number;
}

type StoreDeps = Pick<Deps, 'config' | 'cycleLog' | 'auditLog'>;

/** Outcomes of finished cycles, oldest first, as the governor records them (at = when the cycle ended). */
export function storedOutcomes(deps: StoreDeps, channel: string, fromMs: number, toMs: number): OutcomeEntry[] {
  // A cycle that ended in the window may have started up to a day before it.
  const cycles = deps.cycleLog.between(channel, new Date(fromMs - 86_400_000).toISOString(), new Date(toMs + 1).toISOString());
  return cycles
    .filter((c) => c.outcome)
    .map((c) => ({ cycleId: c.cycle_id, outcome: c.outcome!, at: c.finished_at ?? c.started_at }))
    .filter((o) => Date.parse(o.at) > fromMs && Date.parse(o.at) <= toMs)
    .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
}

/** The stored prediction errors bucketed by day exactly as the governor's reportOutcome does. */
export function storedDailyErrors(deps: StoreDeps, channel: string, fromMs: number, toMs: number, dayMs: number): DailyError[] {
  const points = deps.auditLog
    .between(channel, new Date(fromMs).toISOString(), new Date(toMs + 1).toISOString(), 'prediction_error')
    .map((d) => ({ at: Date.parse(d.at), value: (d.payload as { value?: unknown }).value }))
    .filter((p): p is { at: number; value: number } => typeof p.value === 'number' && Number.isFinite(p.value));
  return points.reduce<DailyError[]>((days, p) => addDailyError(days, p.at, p.value, [], dayMs), []);
}

/** Rollback rates, p50 prediction error and failure run from the stores, with the governor's functions and settings. */
export function storeNumbers(deps: StoreDeps, channel: string, nowMs: number): GovernorNumbers {
  const st = governorSettings(deps.config());
  const fromMs = nowMs - (Math.max(st.windowDays, st.rateWindowDays) + 1) * st.dayMs;
  const outcomes = storedOutcomes(deps, channel, fromMs, nowMs);
  const days = storedDailyErrors(deps, channel, fromMs, nowMs, st.dayMs);
  return {
    source: 'store',
    rollbackRate7d: rollbackRate(outcomes, nowMs, st.rateWindowDays, st.dayMs),
    rollbackRate14d: rollbackRate(outcomes, nowMs, st.windowDays, st.dayMs),
    errorP50: errorP50(days, nowMs, st),
    trailingFailures: trailingFailures(outcomes),
  };
}

/** The governor's numbers when it answered, else the same numbers from the stores. */
export function governorNumbers(reading: GovernorReading, deps: StoreDeps, channel: string, nowMs: number): GovernorNumbers {
  if (reading.state !== 'running') return storeNumbers(deps, channel, nowMs);
  const n = reading.status.numbers;
  return {
    source: 'governor',
    rollbackRate7d: n.rollbackRate7d,
    rollbackRate14d: n.rollbackRate14d,
    errorP50: n.errorP50,
    trailingFailures: n.trailingFailures,
  };
}

export interface PauseView {
  source: PauseSource;
  by: string;
  reason: string;
  /** null when only the config flag is known (the governor could not be asked). */
  since: string | null;
  /** null: until resumed (or until the config flag is cleared). */
  until: string | null;
}

/** Whether the autopilot may change the card now, and who says so. */
export interface ControlView {
  /** `unknown`: the governor could not be asked and the config does not pause. */
  mode: GovernorMode | 'unknown';
  pause: PauseView | null;
  drift: { since: string; parameters: string[] } | null;
  governor: { state: GovernorReading['state']; reason: string | null };
  config: { enabled: boolean; emergencyPause: boolean };
}

export function controlView(reading: GovernorReading, config: ReturnType<Deps['config']>): ControlView {
  const flags = { enabled: config.autopilot.enabled, emergencyPause: config.autopilot.emergency_pause };
  if (reading.state === 'running') {
    const s = reading.status;
    const pause = s.pause
      ? { source: s.pause.source, by: s.pause.by, reason: s.pause.reason, since: s.pause.since, until: s.pause.until }
      : null;
    const drift = s.drift ? { since: s.drift.since, parameters: s.drift.parameters } : null;
    return { mode: s.mode, pause, drift, governor: { state: 'running', reason: null }, config: flags };
  }
  // Without a governor only the config flag is known; it pauses every cycle (9.1).
  const pause: PauseView | null = flags.emergencyPause
    ? { source: 'config', by: 'config', reason: 'autopilot.emergency_pause is set in the config file', since: null, until: null }
    : null;
  const mode = pause ? 'paused' : reading.state === 'not_started' ? 'running' : 'unknown';
  return { mode, pause, drift: null, governor: { state: reading.state, reason: reading.reason }, config: flags };
}
