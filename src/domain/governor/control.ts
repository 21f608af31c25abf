/**
 * What operators, the config flag and the governor's timers do to its state (9.1-9.5), and the
 * answers a cycle gets (may I run? my canary is X). Deterministic; mutates the state it is given
 * and returns the effects to perform.
 */
import {
  governorMode,
  iso,
  nextDeadlineMs,
  note,
  reject,
  resolveEvent,
  startPause,
  stepScale,
  type BoundsOverride,
  type GovernorEffect,
  type GovernorMode,
  type GovernorSettings,
  type GovernorState,
} from './state';
import type {
  ClearOverridePayload,
  ConfigFlagPayload,
  EmergencyPausePayload,
  MayRunRequest,
  OverrideBoundsPayload,
  PausePayload,
  RegisterCanaryRequest,
  ResumePayload,
} from './payloads';

export interface MayRunAnswer {
  allowed: boolean;
  reason: string;
  mode: GovernorMode;
  /** Multiply proposal steps by this (1 normally; smaller in drift mode or during recovery). */
  stepScale: number;
  /** Drift mode: only Correction changes may ship. */
  correctionsOnly: boolean;
  /** Active bounds overrides (9.3): they replace the sliding range, never the hard limits. */
  overrides: BoundsOverride[];
  pausedUntil: string | null;
  /** Drift mode (4.2): the parameters implicated by the high-error days, to contract. */
  drift: { since: string; eventId: string; parameters: string[] } | null;
}

export interface RegisterCanaryAnswer {
  registered: boolean;
  /** True when an emergency pause is in force: the governor has told the canary to roll back. */
  stopRequested: boolean;
  reason: string;
}

export type Transition = GovernorEffect[];

const isEmergency = (s: GovernorState) => s.pause?.source === 'emergency' || s.pause?.source === 'config';

/** 9.2 operator pause: for `durationMs`, or until resumed. An emergency pause is never weakened. */
export function operatorPause(s: GovernorState, p: PausePayload, nowMs: number): Transition {
  if (isEmergency(s)) {
    reject(s, nowMs, 'pause', p.by, `already emergency-paused by ${s.pause!.by}; resume first`);
    return [];
  }
  const effects = resolveEvent(s, s.pause?.eventId ?? null, nowMs);
  startPause(s, { by: p.by, reason: p.reason, source: 'operator', durationMs: p.durationMs ?? null }, nowMs);
  const until = s.pause!.until ? `until ${s.pause!.until}` : 'until resumed';
  return [
    ...effects,
    {
      kind: 'alert',
      alert: {
        severity: 'warning',
        name: 'autopilot_paused',
        summary: `paused by ${p.by} ${until}: ${p.reason}`,
        details: { pause: s.pause },
      },
    },
    { kind: 'decision', decisionKind: 'pause', summary: `paused by ${p.by} ${until}`, payload: { pause: s.pause } },
  ];
}

/** 9.1 emergency pause: no expiry, and a running canary is rolled back at once. */
export function emergencyPause(
  s: GovernorState,
  p: EmergencyPausePayload,
  nowMs: number,
  source: 'emergency' | 'config' = 'emergency',
): Transition {
  const effects: GovernorEffect[] = [];
  // An operator's emergency pause replaces any other; the config flag never replaces an operator's
  // (so clearing the flag cannot end a pause an operator asked for).
  const replace = source === 'emergency' ? s.pause?.source !== 'emergency' : !isEmergency(s);
  if (replace) {
    effects.push(...resolveEvent(s, s.pause?.eventId ?? null, nowMs));
    startPause(s, { by: p.by, reason: p.reason, source, durationMs: null }, nowMs);
    effects.push(
      {
        kind: 'alert',
        alert: {
          severity: 'critical',
          name: 'emergency_pause',
          summary: `emergency pause by ${p.by}: ${p.reason}`,
          details: { pause: s.pause, canaryId: s.running?.canaryId ?? null },
        },
      },
      {
        kind: 'decision',
        decisionKind: 'emergency_pause',
        summary: `emergency pause by ${p.by}`,
        payload: { pause: s.pause, running: s.running },
      },
    );
  }
  if (s.running?.canaryId && !s.running.stopRequestedAt) {
    s.running.stopRequestedAt = iso(nowMs);
    effects.unshift({ kind: 'stop_canary', canaryId: s.running.canaryId, by: p.by, reason: `emergency pause: ${p.reason}` });
  }
  return effects;
}

/** The config watcher's flag (9.1): true pauses like an emergency; false ends only the pause it caused. */
export function configFlag(s: GovernorState, p: ConfigFlagPayload, nowMs: number, st: GovernorSettings): Transition {
  s.configEmergencyPause = p.emergencyPause;
  if (p.emergencyPause)
    return emergencyPause(s, { by: 'config:autopilot.yaml', reason: 'autopilot.emergency_pause is true' }, nowMs, 'config');
  if (s.pause?.source !== 'config') return [];
  return resume(s, { by: 'config:autopilot.yaml', reason: 'autopilot.emergency_pause is false again' }, nowMs, st, 'config');
}

/** Ends the pause. After a safety pause the step scale ramps back up instead of jumping (4.5). */
export function resume(
  s: GovernorState,
  p: ResumePayload,
  nowMs: number,
  st: GovernorSettings,
  why: 'operator' | 'expired' | 'config' = 'operator',
): Transition {
  const prev = s.pause;
  if (!prev) {
    reject(s, nowMs, 'resume', p.by, 'not paused');
    return [];
  }
  if (why === 'operator' && s.configEmergencyPause) {
    reject(s, nowMs, 'resume', p.by, 'autopilot.emergency_pause is true in autopilot.yaml: set it to false there');
    return [];
  }
  s.pause = null;
  const effects = resolveEvent(s, prev.eventId, nowMs);
  if (prev.source !== 'operator' && st.recoveryRamp.length > 0) s.recovery = { since: iso(nowMs), step: 0, afterPause: prev.source };
  note(s, nowMs, 'resume', p.by, p.reason, {
    why,
    pausedSince: prev.since,
    pausedUntil: prev.until,
    source: prev.source,
    recoveryStepScale: stepScale(s, st),
  });
  const resumedBy = why === 'expired' ? 'resumed automatically' : `resumed by ${p.by}`;
  const summary = `${resumedBy} after a ${prev.source} pause since ${prev.since}: ${p.reason}`;
  return [
    ...effects,
    { kind: 'alert', alert: { severity: 'info', name: 'autopilot_resumed', summary, details: { previous: prev, recovery: s.recovery } } },
    { kind: 'decision', decisionKind: 'resume', summary, payload: { previous: prev, why, recovery: s.recovery } },
  ];
}

/** 9.3-9.5: an override with a reason and an expiry, announced by alert. */
export function setOverride(s: GovernorState, p: OverrideBoundsPayload, nowMs: number, st: GovernorSettings): Transition {
  const o: BoundsOverride = {
    parameter: p.parameter,
    min: p.min,
    max: p.max,
    reason: p.reason,
    by: p.by,
    setAt: iso(nowMs),
    expiresAt: iso(nowMs + Math.max(1, p.durationMs ?? st.overrideDefaultMs)),
  };
  s.overrides = [...s.overrides.filter((x) => x.parameter !== p.parameter), o];
  note(s, nowMs, 'override_set', p.by, p.reason, { override: o });
  const summary = `bounds override on ${o.parameter}: [${o.min}, ${o.max}] by ${o.by} until ${o.expiresAt}: ${o.reason}`;
  return [
    {
      kind: 'alert',
      alert: {
        severity: 'warning',
        name: 'bounds_override_set',
        summary,
        details: { override: o },
        dedupKey: `bounds_override_set/${o.parameter}/${o.setAt}`,
      },
    },
    { kind: 'decision', decisionKind: 'bounds_override', summary, payload: { override: o } },
  ];
}

export function clearOverride(s: GovernorState, p: ClearOverridePayload, nowMs: number): Transition {
  const o = s.overrides.find((x) => x.parameter === p.parameter);
  if (!o) {
    reject(s, nowMs, 'clear_override', p.by, `no active override on ${p.parameter}`);
    return [];
  }
  s.overrides = s.overrides.filter((x) => x !== o);
  note(s, nowMs, 'override_cleared', p.by, p.reason, { override: o });
  const summary = `bounds override on ${o.parameter} cleared by ${p.by}: ${p.reason}; normal bounds apply`;
  return [
    {
      kind: 'alert',
      alert: {
        severity: 'info',
        name: 'bounds_override_cleared',
        summary,
        details: { override: o },
        dedupKey: `bounds_override_cleared/${o.parameter}/${o.setAt}`,
      },
    },
    { kind: 'decision', decisionKind: 'bounds_override_cleared', summary, payload: { override: o, by: p.by, reason: p.reason } },
  ];
}

/** What the timers do: pauses and overrides that are due end on their own (4.4, 9.5). */
export function expireDue(s: GovernorState, nowMs: number, st: GovernorSettings): Transition {
  const effects: GovernorEffect[] = [];
  if (s.pause?.until && Date.parse(s.pause.until) <= nowMs) {
    effects.push(
      ...resume(s, { by: 'governor', reason: `the ${s.pause.source} pause reached its end (${s.pause.until})` }, nowMs, st, 'expired'),
    );
  }
  for (const o of s.overrides.filter((x) => Date.parse(x.expiresAt) <= nowMs)) {
    s.overrides = s.overrides.filter((x) => x !== o);
    note(s, nowMs, 'override_expired', 'governor', `expired at ${o.expiresAt}`, { override: o });
    const detail = `[${o.min}, ${o.max}], set by ${o.by}: ${o.reason}`;
    const summary = `bounds override on ${o.parameter} (${detail}) expired; normal bounds apply again`;
    effects.push(
      {
        kind: 'alert',
        alert: {
          severity: 'warning',
          name: 'bounds_override_expired',
          summary,
          details: { override: o },
          dedupKey: `bounds_override_expired/${o.parameter}/${o.setAt}`,
        },
      },
      { kind: 'decision', decisionKind: 'bounds_override_expired', summary, payload: { override: o } },
    );
  }
  return effects;
}

/** The cycle asks before changing anything; an allowed cycle is registered as the running one. */
export function mayRun(
  s: GovernorState,
  r: MayRunRequest,
  nowMs: number,
  st: GovernorSettings,
): { answer: MayRunAnswer; effects: Transition } {
  const base = {
    mode: governorMode(s),
    overrides: s.overrides,
    pausedUntil: s.pause?.until ?? null,
    correctionsOnly: s.drift !== null,
    drift: s.drift ? { since: s.drift.since, eventId: s.drift.eventId, parameters: s.drift.parameters } : null,
  };
  if (s.pause) {
    const p = s.pause;
    const reason = `paused (${p.source}) by ${p.by} ${p.until ? `until ${p.until}` : 'until resumed'}: ${p.reason}`;
    return { answer: { ...base, allowed: false, reason, stepScale: 0 }, effects: [] };
  }
  const other = s.running && s.running.cycleId !== r.cycleId ? s.running : null;
  if (other && nowMs - Date.parse(other.since) < st.staleCycleMs) {
    return {
      answer: { ...base, allowed: false, reason: `cycle ${other.cycleId} is still running (since ${other.since})`, stepScale: 0 },
      effects: [],
    };
  }
  if (!s.running || s.running.cycleId !== r.cycleId)
    s.running = { cycleId: r.cycleId, since: iso(nowMs), canaryId: null, stopRequestedAt: null };
  const scale = stepScale(s, st);
  const why = [
    ...(s.drift ? [`drift mode since ${s.drift.since}: steps × ${s.drift.stepScale}, corrections only`] : []),
    ...(s.recovery ? [`recovering after a ${s.recovery.afterPause} pause: step scale ${scale}`] : []),
  ];
  return { answer: { ...base, allowed: true, reason: why.length ? why.join('; ') : 'running normally', stepScale: scale }, effects: [] };
}

/** The cycle names its canary; during an emergency pause the canary is told to roll back at once. */
export function registerCanary(
  s: GovernorState,
  r: RegisterCanaryRequest,
  nowMs: number,
): { answer: RegisterCanaryAnswer; effects: Transition } {
  const since = s.running?.cycleId === r.cycleId ? s.running.since : iso(nowMs);
  s.running = { cycleId: r.cycleId, since, canaryId: r.canaryId, stopRequestedAt: null };
  if (isEmergency(s)) {
    s.running.stopRequestedAt = iso(nowMs);
    const reason = `emergency pause in force (${s.pause!.reason}): canary told to roll back`;
    return {
      answer: { registered: true, stopRequested: true, reason },
      effects: [{ kind: 'stop_canary', canaryId: r.canaryId, by: s.pause!.by, reason }],
    };
  }
  return { answer: { registered: true, stopRequested: false, reason: 'registered' }, effects: [] };
}

export { nextDeadlineMs };
