import {
  clearOverride,
  configFlag,
  emergencyPause,
  expireDue,
  mayRun,
  operatorPause,
  registerCanary,
  resume,
  setOverride,
} from '../../../src/domain/governor';
import { reportOutcome, type OutcomeReport } from '../../../src/domain/governor';
import { governorStatus, initialGovernorState, nextDeadlineMs, type GovernorState } from '../../../src/domain/governor';
import type { ReportedOutcome } from '../../../src/domain/governor';
import { DAY, HOUR, T0, at, settings } from './fixtures';

const st = settings();
let n = 0;
const report = (s: GovernorState, outcome: ReportedOutcome, atMs: number, extra: Partial<OutcomeReport> = {}, nowMs = atMs) =>
  reportOutcome(s, { cycleId: `c${++n}`, outcome, at: at(atMs), ...extra }, nowMs, st);

describe('governor state: pauses, backoff and recovery (4.4, 4.5)', () => {
  it('pauses 48 h on a high rollback rate, then doubles on the next rollback after the automatic resume (4.4, 4.5)', () => {
    const s = initialGovernorState('main');
    const r = report(s, 'rolled_back', T0);
    expect(r.answer.events[0]).toMatchObject({ rule: 'rollback_rate_7d', action: 'pause', pauseMs: 48 * HOUR, backoffLevel: 0 });
    expect(s.pause).toMatchObject({ source: 'rollback_rate', until: at(T0 + 48 * HOUR), eventId: r.answer.events[0].id });
    expect(r.answer.events.map((e) => e.rule)).toEqual(['rollback_rate_7d', 'rollback_rate_14d']);
    expect(r.effects.map((e) => e.kind)).toEqual(['record_event', 'alert', 'decision', 'record_event', 'alert']);
    expect(nextDeadlineMs(s)).toBe(T0 + 48 * HOUR);

    expect(expireDue(s, T0 + 47 * HOUR, st)).toEqual([]);
    const resumed = expireDue(s, T0 + 48 * HOUR, st);
    expect(s.pause).toBeNull();
    expect(resumed.map((e) => e.kind)).toEqual(['resolve_event', 'alert', 'decision']);
    expect(s.events[0].resolvedAt).toBe(at(T0 + 48 * HOUR));
    expect(s.recovery).toMatchObject({ step: 0, afterPause: 'rollback_rate' });
    expect(mayRun(s, { cycleId: 'next', at: at(T0) }, T0 + 49 * HOUR, st).answer).toMatchObject({ allowed: true, stepScale: 0.25 });

    report(s, 'rolled_back', T0 + 50 * HOUR);
    expect(s.pause!.durationMs).toBe(96 * HOUR);
    expireDue(s, Date.parse(s.pause!.until!), st);
    report(s, 'rolled_back', T0 + 200 * HOUR);
    expect(s.pause!.durationMs).toBe(168 * HOUR);
  });

  it('ramps back 0.25 → 0.5 → 1 over successful cycles and then resets the backoff level (4.5)', () => {
    const s = initialGovernorState('main');
    for (let i = 0; i < 3; i++) report(s, 'failed', T0 + i);
    expect(s.pause).toMatchObject({ source: 'consecutive_failures', durationMs: 48 * HOUR });
    expect(s.backoffLevel).toBe(1);
    const end = Date.parse(s.pause!.until!);
    expireDue(s, end, st);
    const scales = [1, 2].map((i) => report(s, 'promoted', end + i * HOUR).answer.stepScale);
    expect(scales).toEqual([0.5, 1]);
    expect(s.recovery).toBeNull();
    expect(s.backoffLevel).toBe(0);
  });

  it('moves the ramp on after quiet cycles, but ends the recovery and resets the backoff only on a promotion', () => {
    const s = initialGovernorState('main');
    for (let i = 0; i < 3; i++) report(s, 'failed', T0 + i);
    const end = Date.parse(s.pause!.until!);
    expireDue(s, end, st);
    const quiet = [1, 2, 3].map((i) => report(s, 'no_change', end + i * HOUR).answer);
    expect(quiet.map((a) => a.stepScale)).toEqual([0.5, 1, 1]);
    expect(quiet[0].actions).toContain('recovery: step scale 0.5 (a quiet cycle: nothing at the smaller scale was worth a canary)');
    expect(quiet[2].actions).toEqual([]);
    expect(s.recovery).toMatchObject({ step: 2 });
    expect(s.backoffLevel).toBe(1);
    expect(mayRun(s, { cycleId: 'next', at: at(end) }, end + 4 * HOUR, st).answer.reason).toContain('step scale 1');

    const done = report(s, 'promoted', end + 5 * HOUR);
    expect(done.answer).toMatchObject({ stepScale: 1, backoffLevel: 0 });
    expect(done.answer.actions).toContain('recovery complete: step scale 1, backoff level 1 → 0');
    expect(s.recovery).toBeNull();
  });

  it('counts a reported cycle once, even when the report is repeated', () => {
    const s = initialGovernorState('main');
    reportOutcome(s, { cycleId: 'x', outcome: 'promoted', at: at(T0) }, T0, st);
    const again = reportOutcome(s, { cycleId: 'x', outcome: 'promoted', at: at(T0) }, T0, st);
    expect(again.answer).toMatchObject({ accepted: false, duplicate: true });
    expect(s.outcomes).toHaveLength(1);
  });
});

describe('governor state: drift mode (4.1, 4.2)', () => {
  it(
    'enters drift mode on the third high day: half steps, corrections only, parameters to contract, triage flagged; ' +
      'leaves when the error is back under target',
    () => {
      const s = initialGovernorState('main');
      const base = T0 - 5 * DAY;
      report(s, 'promoted', base, { predictionError: 0.45, changedParameters: ['temperature'] }, T0);
      report(s, 'promoted', base + DAY, { predictionError: 0.5, changedParameters: ['top_k'] }, T0);
      expect(s.drift).toBeNull();
      const third = report(s, 'promoted', base + 2 * DAY, { predictionError: 0.6, changedParameters: ['temperature'] }, T0);
      expect(third.answer.drift).toBe(true);
      expect(s.drift).toMatchObject({ stepScale: 0.5, correctionsOnly: true, parameters: ['temperature', 'top_k'], triageFlagged: true });
      expect(third.answer.events.map((e) => e.rule)).toEqual(['prediction_error_consecutive_days', 'prediction_error_p50']);
      expect(mayRun(s, { cycleId: 'd', at: at(T0) }, T0, st).answer).toMatchObject({
        allowed: true,
        stepScale: 0.5,
        correctionsOnly: true,
        mode: 'drift',
      });
      reportOutcome(s, { cycleId: 'd', outcome: 'no_change', at: at(T0) }, T0, st);

      report(s, 'promoted', base + 3 * DAY, { predictionError: 0.1 }, T0);
      report(s, 'promoted', base + 4 * DAY, { predictionError: 0.15 }, T0);
      const out = report(s, 'promoted', base + 5 * DAY, { predictionError: 0.12 }, T0);
      expect(s.drift).toBeNull();
      expect(out.answer.events[0]).toMatchObject({ rule: 'prediction_error_recovered', action: 'leave_drift_mode' });
      expect(s.events.find((e) => e.rule === 'prediction_error_consecutive_days')!.resolvedAt).toBe(at(T0));
    },
  );
});

describe('governor state: manual control (9.1-9.5)', () => {
  it('an emergency pause stops the registered canary first, and a canary registered during one is stopped at once (9.1)', () => {
    const s = initialGovernorState('main');
    mayRun(s, { cycleId: 'c', at: at(T0) }, T0, st);
    registerCanary(s, { cycleId: 'c', canaryId: 'canary/main/c' }, T0);
    const effects = emergencyPause(s, { by: 'ops', reason: 'incident' }, T0 + 1);
    expect(effects[0]).toEqual({ kind: 'stop_canary', canaryId: 'canary/main/c', by: 'ops', reason: 'emergency pause: incident' });
    expect(effects.find((e) => e.kind === 'alert')).toMatchObject({ alert: { severity: 'critical', name: 'emergency_pause' } });
    expect(s.pause).toMatchObject({ source: 'emergency', until: null });
    expect(mayRun(s, { cycleId: 'd', at: at(T0) }, T0 + 2, st).answer).toMatchObject({ allowed: false, stepScale: 0 });
    expect(registerCanary(s, { cycleId: 'e', canaryId: 'canary/main/e' }, T0 + 3).answer.stopRequested).toBe(true);
  });

  it('the config flag pauses; clearing it resumes only the pause it caused; a resume is refused while it is set (9.1)', () => {
    const s = initialGovernorState('main');
    configFlag(s, { emergencyPause: true }, T0, st);
    expect(s.pause!.source).toBe('config');
    expect(resume(s, { by: 'ops', reason: 'go' }, T0 + 1, st)).toEqual([]);
    expect(s.rejected[0].reason).toMatch(/emergency_pause is true/);
    emergencyPause(s, { by: 'ops', reason: 'worse' }, T0 + 2);
    configFlag(s, { emergencyPause: false }, T0 + 3, st);
    expect(s.pause!.source).toBe('emergency');
    resume(s, { by: 'ops', reason: 'fixed' }, T0 + 4, st);
    expect(s.pause).toBeNull();
    expect(s.recovery).toMatchObject({ step: 0, afterPause: 'emergency' });
  });

  it('an operator pause with a duration ends on its own; without one it lasts until resumed (9.2)', () => {
    const s = initialGovernorState('main');
    operatorPause(s, { by: 'ops', reason: 'maintenance', durationMs: 1000 }, T0);
    expect(mayRun(s, { cycleId: 'c', at: at(T0) }, T0, st).answer.reason).toMatch(/paused \(operator\) by ops until .*maintenance/);
    expireDue(s, T0 + 1000, st);
    expect(s.pause).toBeNull();
    expect(s.recovery).toBeNull();
    operatorPause(s, { by: 'ops', reason: 'hold' }, T0);
    expect(nextDeadlineMs(s)).toBeNull();
  });

  it('overrides carry a reason and an expiry (24 h by default), are announced when set and when they expire (9.3-9.5)', () => {
    const s = initialGovernorState('main');
    const set = setOverride(s, { parameter: 'temperature', min: 0.2, max: 1.8, reason: 'incident 42', by: 'ops' }, T0, st);
    expect(set.find((e) => e.kind === 'alert')).toMatchObject({ alert: { name: 'bounds_override_set', severity: 'warning' } });
    expect(s.overrides[0]).toMatchObject({ parameter: 'temperature', expiresAt: at(T0 + 24 * HOUR), reason: 'incident 42' });
    expect(mayRun(s, { cycleId: 'c', at: at(T0) }, T0, st).answer.overrides).toHaveLength(1);
    const expired = expireDue(s, T0 + 24 * HOUR, st);
    expect(expired.find((e) => e.kind === 'alert')).toMatchObject({ alert: { name: 'bounds_override_expired' } });
    expect(s.overrides).toEqual([]);
    setOverride(s, { parameter: 'top_k', min: 2, max: 20, reason: 'r', by: 'ops', durationMs: 5000 }, T0, st);
    expect(clearOverride(s, { parameter: 'top_k', by: 'ops', reason: 'done' }, T0 + 1)[0]).toMatchObject({
      alert: { name: 'bounds_override_cleared' },
    });
    expect(clearOverride(s, { parameter: 'top_k', by: 'ops', reason: 'again' }, T0 + 2)).toEqual([]);
  });

  it('refuses a second cycle while one is registered, until that one is stale', () => {
    const s = initialGovernorState('main');
    mayRun(s, { cycleId: 'a', at: at(T0) }, T0, st);
    expect(mayRun(s, { cycleId: 'b', at: at(T0) }, T0 + 1000, st).answer).toMatchObject({
      allowed: false,
      reason: expect.stringMatching(/cycle a is still running/),
    });
    // A canary may run every stage (8 of 60 min with the shipped config): still running at 8 h,
    // stale after its stages, the 30 min inconclusive window and three 10 min activity timeouts.
    expect(st.staleCycleMs).toBe((8 * 60 + 30 + 30) * 60_000);
    expect(mayRun(s, { cycleId: 'b', at: at(T0) }, T0 + 8 * HOUR, st).answer.allowed).toBe(false);
    expect(mayRun(s, { cycleId: 'b', at: at(T0) }, T0 + st.staleCycleMs, st).answer.allowed).toBe(true);
  });

  it('reports the rollback rates and the error p50 in the status query', () => {
    const s = initialGovernorState('main');
    report(s, 'promoted', T0 - DAY, { predictionError: 0.1 }, T0);
    report(s, 'promoted', T0, { predictionError: 0.3 }, T0);
    const status = governorStatus(s, T0, st);
    expect(status.numbers.errorP50).toMatchObject({ p50: 0.2, days: 2 });
    expect(status.numbers.rollbackRate14d).toMatchObject({ rate: 0, deployments: 2 });
    expect(status.mode).toBe('running');
    expect(status).not.toHaveProperty('outbox');
  });
});
