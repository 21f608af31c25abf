/**
 * A cycle reports its outcome: the governor records it and applies the anti-drift rules
 * (4.1-4.5): pause with exponential backoff, drift mode in and out, target warnings, and the
 * gradual recovery after a pause. Deterministic; mutates the state and returns the effects.
 */
import { backoffPauseMs, nextBackoffLevel, recoveryComplete } from './backoff';
import {
  addDailyError,
  checkDriftRecovery,
  checkErrorStreak,
  checkErrorTarget,
  checkFailures,
  checkRollbackPause,
  checkRollbackTarget,
  dayStartMs,
  type DriftEvent,
  type DriftFinding,
  type DriftRule,
} from './drift';
import {
  governorMode,
  iso,
  note,
  openEvent,
  prune,
  resolveEvent,
  startPause,
  stepScale,
  type GovernorEffect,
  type GovernorMode,
  type GovernorSettings,
  type GovernorState,
} from './state';
import type { OutcomeReport } from './payloads';

export interface OutcomeAnswer {
  accepted: boolean;
  /** The same cycle already reported: nothing was counted twice. */
  duplicate: boolean;
  /** Drift events this report opened (each with its rule, numbers and action). */
  events: DriftEvent[];
  /** Human-readable list of what the governor did. */
  actions: string[];
  mode: GovernorMode;
  pausedUntil: string | null;
  drift: boolean;
  stepScale: number;
  backoffLevel: number;
}

const ALERT_NAMES: Record<DriftRule, string> = {
  prediction_error_consecutive_days: 'drift_mode_entered',
  prediction_error_recovered: 'drift_mode_left',
  prediction_error_p50: 'prediction_error_above_target',
  rollback_rate_7d: 'autopilot_paused_rollback_rate',
  rollback_rate_14d: 'rollback_rate_above_target',
  consecutive_failures: 'autopilot_paused_failures',
};

export function reportOutcome(
  s: GovernorState,
  r: OutcomeReport,
  nowMs: number,
  st: GovernorSettings,
): { answer: OutcomeAnswer; effects: GovernorEffect[] } {
  const answer = (accepted: boolean, duplicate: boolean, events: DriftEvent[], actions: string[]): OutcomeAnswer => ({
    accepted,
    duplicate,
    events,
    actions,
    mode: governorMode(s),
    pausedUntil: s.pause?.until ?? null,
    drift: s.drift !== null,
    stepScale: s.pause ? 0 : stepScale(s, st),
    backoffLevel: s.backoffLevel,
  });
  if (s.outcomes.some((o) => o.cycleId === r.cycleId))
    return { answer: answer(false, true, [], ['already reported: ignored']), effects: [] };

  const parsed = Date.parse(r.at);
  const atMs = Number.isFinite(parsed) ? Math.min(parsed, nowMs) : nowMs;
  if (s.running?.cycleId === r.cycleId) s.running = null;
  s.outcomes.push({ cycleId: r.cycleId, outcome: r.outcome, at: iso(atMs) });
  const measured = typeof r.predictionError === 'number' && Number.isFinite(r.predictionError);
  if (measured)
    s.dailyErrors = addDailyError(s.dailyErrors, atMs, r.predictionError!, r.changedParameters ?? r.rolledBackParameters ?? [], st.dayMs);

  const events: DriftEvent[] = [];
  const actions: string[] = [];
  const effects: GovernorEffect[] = [];
  const open = (f: DriftFinding, extra: Partial<DriftEvent> = {}) => {
    const o = openEvent(s, f, nowMs, ALERT_NAMES[f.rule], extra);
    events.push(o.event);
    effects.push(...o.effects);
    return o.event;
  };

  // Gradual recovery after a safety pause: successes step the scale up, a setback restarts it.
  // A quiet cycle (no_change: nothing at this scale was worth a canary) moves the scale up too,
  // or a ramp whose small steps no canary can confirm (a noisy channel) would hold the
  // autopilot at them for good; it never completes the recovery, whose end (and the backoff
  // level's reset) still needs a promoted canary.
  if (s.recovery) {
    if (r.outcome === 'no_change') {
      if (!recoveryComplete(s.recovery.step, st.recoveryRamp)) {
        s.recovery.step += 1;
        actions.push(`recovery: step scale ${stepScale(s, st)} (a quiet cycle: nothing at the smaller scale was worth a canary)`);
      }
    } else if (r.outcome === 'promoted') {
      s.recovery.step += 1;
      if (recoveryComplete(s.recovery.step, st.recoveryRamp)) {
        note(s, nowMs, 'recovery_complete', 'governor', `full step size again; backoff level ${s.backoffLevel} → 0`);
        actions.push(`recovery complete: step scale 1, backoff level ${s.backoffLevel} → 0`);
        s.recovery = null;
        s.backoffLevel = 0;
      } else actions.push(`recovery: step scale ${stepScale(s, st)}`);
    } else if (r.outcome === 'rolled_back' || r.outcome === 'failed') {
      s.recovery.step = 0;
      actions.push('recovery restarted at the first step');
    }
  }

  // 4.4 / 4.5: pause with exponential backoff (not while a pause is already in force).
  if (!s.pause) {
    const f = checkRollbackPause(s.outcomes, r.outcome, atMs, st) ?? checkFailures(s.outcomes, r.outcome, st);
    if (f) {
      const level = s.backoffLevel;
      const pauseMs = backoffPauseMs(level, st);
      const e = open({ ...f, numbers: { ...f.numbers, pauseMs, backoffLevel: level } }, { pauseMs, backoffLevel: level });
      s.backoffLevel = nextBackoffLevel(level);
      startPause(
        s,
        {
          by: 'governor',
          reason: f.message,
          source: f.rule === 'rollback_rate_7d' ? 'rollback_rate' : 'consecutive_failures',
          durationMs: pauseMs,
          eventId: e.id,
          backoffLevel: level,
        },
        nowMs,
      );
      actions.push(`paused for ${pauseMs} ms (backoff level ${level}): ${f.message}`);
      effects.push({
        kind: 'decision',
        decisionKind: 'governor_pause',
        summary: f.message,
        payload: { event: e, pause: s.pause },
        cycleId: r.cycleId,
      });
    }
  }

  // 4.2: drift mode in and out, on the daily prediction errors.
  if (measured) {
    if (!s.drift) {
      const f = checkErrorStreak(s.dailyErrors, atMs, st);
      if (f) {
        const e = open(f);
        s.drift = {
          since: iso(nowMs),
          eventId: e.id,
          enteredDay: iso(dayStartMs(atMs, st.dayMs)),
          stepScale: st.driftStepScale,
          correctionsOnly: true,
          parameters: f.parameters ?? [],
          triageFlagged: true,
        };
        note(s, nowMs, 'drift_enter', 'governor', f.message, { parameters: s.drift.parameters });
        const contracted = s.drift.parameters.join(', ') || 'no parameter';
        actions.push(`drift mode: steps × ${st.driftStepScale}, corrections only, contract ${contracted}; triage flagged`);
        effects.push({
          kind: 'decision',
          decisionKind: 'drift_mode',
          summary: f.message,
          payload: { event: e, drift: s.drift },
          cycleId: r.cycleId,
        });
      }
    } else {
      const f = checkDriftRecovery(s.dailyErrors, s.drift.enteredDay, atMs, st);
      if (f) {
        const e = open(f);
        effects.push(...resolveEvent(s, e.id, nowMs), ...resolveEvent(s, s.drift.eventId, nowMs));
        note(s, nowMs, 'drift_leave', 'governor', f.message);
        actions.push('left drift mode: error back under target');
        effects.push({
          kind: 'decision',
          decisionKind: 'drift_mode_left',
          summary: f.message,
          payload: { event: e, previous: s.drift },
          cycleId: r.cycleId,
        });
        s.drift = null;
      }
    }
    effects.push(...toggleTarget(s, 'prediction_error_p50', checkErrorTarget(s.dailyErrors, atMs, st), nowMs, open, actions));
  }
  // 4.3: rollback rate target over the long window.
  if (r.outcome === 'promoted' || r.outcome === 'rolled_back') {
    effects.push(...toggleTarget(s, 'rollback_rate_14d', checkRollbackTarget(s.outcomes, atMs, st), nowMs, open, actions));
  }
  prune(s, nowMs, st);
  return { answer: answer(true, false, events, actions), effects };
}

/** Opens a target warning when it starts to hold, resolves it when it stops. */
function toggleTarget(
  s: GovernorState,
  rule: DriftRule,
  f: DriftFinding | null,
  nowMs: number,
  open: (f: DriftFinding) => DriftEvent,
  actions: string[],
): GovernorEffect[] {
  const current = s.events.find((e) => e.rule === rule && !e.resolvedAt);
  if (f && !current) {
    open(f);
    actions.push(`warning: ${f.message}`);
  } else if (!f && current) {
    actions.push(`${rule} back within target`);
    return resolveEvent(s, current.id, nowMs);
  }
  return [];
}
