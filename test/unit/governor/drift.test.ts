import {
  addDailyError,
  checkDriftRecovery,
  checkErrorStreak,
  checkErrorTarget,
  checkFailures,
  checkRollbackPause,
  checkRollbackTarget,
  errorP50,
  rollbackRate,
  type DailyError,
  type OutcomeEntry,
  type ReportedOutcome,
} from '../../../src/domain/governor';
import { DAY, T0, at, settings } from './fixtures';

const st = settings();
const days = (errors: Array<number | null>, params: string[] = ['temperature']): DailyError[] => {
  // errors[i] is the error i days before T0 counted from the end: the last one is today.
  let d: DailyError[] = [];
  errors.forEach((e, i) => {
    if (e !== null) d = addDailyError(d, T0 - (errors.length - 1 - i) * DAY, e, params, DAY);
  });
  return d;
};
const outcomes = (list: ReportedOutcome[], spacingMs = DAY / 2): OutcomeEntry[] =>
  list.map((outcome, i) => ({ cycleId: `c${i}`, outcome, at: at(T0 - (list.length - 1 - i) * spacingMs) }));

describe('prediction error rules (4.1, 4.2)', () => {
  it('enters drift mode after 3 consecutive days above 30 %, naming the parameters and flagging triage (4.2)', () => {
    const f = checkErrorStreak(days([0.1, 0.35, 0.5, 0.42]), T0, st)!;
    expect(f).toMatchObject({
      rule: 'prediction_error_consecutive_days',
      action: 'enter_drift_mode',
      severity: 'critical',
      parameters: ['temperature'],
      triageFlagged: true,
    });
    expect(f.numbers).toMatchObject({ threshold: 0.3, consecutiveDays: 3, minError: 0.35 });
    expect(f.series!.map((d) => d.error)).toEqual([0.35, 0.5, 0.42]);
  });

  it('does not enter drift mode on two high days, nor when one of three is at 30 % or below (4.2)', () => {
    expect(checkErrorStreak(days([0.1, 0.5, 0.5]), T0, st)).toBeNull();
    expect(checkErrorStreak(days([0.5, 0.3, 0.5]), T0, st)).toBeNull();
  });

  it('counts days with a measurement: a day without a deployment neither counts nor breaks the run (4.2)', () => {
    expect(checkErrorStreak(days([0.5, null, 0.5, 0.5]), T0, st)).not.toBeNull();
  });

  it('averages several errors reported on the same day', () => {
    let d = addDailyError([], T0, 0.2, ['a'], DAY);
    d = addDailyError(d, T0 + 1000, 0.6, ['b'], DAY);
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({ n: 2, parameters: ['a', 'b'] });
    expect(errorP50(d, T0 + 1000, st).p50).toBeCloseTo(0.4);
  });

  it('computes the p50 over the last 14 days only and warns above the 20 % target (4.1)', () => {
    const d = days([0.9, 0.9, 0.9, ...Array(14).fill(0.1)]);
    expect(errorP50(d, T0, st)).toMatchObject({ p50: 0.1, days: 14, target: 0.2 });
    expect(checkErrorTarget(d, T0, st)).toBeNull();
    const high = checkErrorTarget(days([0.1, 0.25, 0.3, 0.25]), T0, st)!;
    expect(high).toMatchObject({ rule: 'prediction_error_p50', action: 'alert' });
    expect(high.numbers.p50).toBeCloseTo(0.25);
  });

  it('leaves drift mode when the p50 of the days measured after entry is back under target', () => {
    const entered = at(T0 - 3 * DAY - (T0 % DAY));
    const d = days([0.5, 0.1, 0.15, 0.3]);
    const f = checkDriftRecovery(d, entered, T0, st)!;
    expect(f).toMatchObject({ rule: 'prediction_error_recovered', action: 'leave_drift_mode' });
    expect(f.numbers).toMatchObject({ p50: 0.15, days: 3 });
    expect(checkDriftRecovery(days([0.5, 0.1, 0.15, null]), entered, T0, st)).toBeNull();
    expect(checkDriftRecovery(days([0.5, 0.25, 0.15, 0.3]), entered, T0, st)).toBeNull();
  });
});

describe('rollback rate and failures (4.3, 4.4, 4.5)', () => {
  it('pauses on a rollback that brings the 7-day rate above 10 %, not at exactly 10 % (4.4)', () => {
    const nine = Array<ReportedOutcome>(9).fill('promoted');
    expect(checkRollbackPause(outcomes([...nine, 'rolled_back']), 'rolled_back', T0, st)).toBeNull();
    const f = checkRollbackPause(outcomes([...nine, 'rolled_back', 'rolled_back']), 'rolled_back', T0, st)!;
    expect(f).toMatchObject({ rule: 'rollback_rate_7d', action: 'pause' });
    expect(f.numbers).toMatchObject({ rate: 0.181818, rollbacks: 2, deployments: 11, threshold: 0.1, windowDays: 7 });
  });

  it('looks only at the trailing 7 days and only at deployments', () => {
    const old = outcomes(['rolled_back', 'rolled_back', 'promoted', 'no_change', 'skipped_paused', 'promoted'], 3 * DAY);
    expect(rollbackRate(old, T0, 7, DAY)).toEqual({ rate: 0, rollbacks: 0, deployments: 1, windowDays: 7 });
    expect(rollbackRate(old, T0, 14, DAY)).toMatchObject({ rollbacks: 1, deployments: 3 });
  });

  it('does not pause on a promotion even when the rate is high, nor below the minimum deployments', () => {
    const list = outcomes(['rolled_back', 'promoted']);
    expect(checkRollbackPause(list, 'promoted', T0, st)).toBeNull();
    expect(checkRollbackPause(outcomes(['rolled_back']), 'rolled_back', T0, settings({ rollbackRateMinDeployments: 2 }))).toBeNull();
  });

  it('warns when the 14-day rollback rate is above the 5 % target (4.3)', () => {
    const list = outcomes([...Array<ReportedOutcome>(12).fill('promoted'), 'rolled_back']);
    expect(checkRollbackTarget(list, T0, st)!.numbers).toMatchObject({ rollbacks: 1, deployments: 13, target: 0.05 });
    expect(checkRollbackTarget(outcomes(Array<ReportedOutcome>(5).fill('promoted')), T0, st)).toBeNull();
  });

  it('pauses after 3 failed cycles in a row; skipped cycles do not break the run, a completed one does (4.5)', () => {
    expect(checkFailures(outcomes(['failed', 'failed']), 'failed', st)).toBeNull();
    expect(checkFailures(outcomes(['failed', 'skipped_paused', 'failed', 'failed']), 'failed', st)!.numbers).toEqual({
      consecutiveFailures: 3,
      threshold: 3,
    });
    expect(checkFailures(outcomes(['failed', 'failed', 'no_change', 'failed']), 'failed', st)).toBeNull();
  });
});
