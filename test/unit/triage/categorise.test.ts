import { triage, triageWindow, type FailureInstance } from '../../../src/domain/triage';
import { SETTINGS, WEEK_END, at, cycle, facts, rejected, rolledBack } from './fixtures';

const rules = (xs: FailureInstance[]) => xs.map((i) => `${i.category}/${i.parameter ?? '-'}/${i.rule}`);

describe('triage categorisation (7.2)', () => {
  test('a judge rollback is a canary failure per changed parameter, named by its direction', () => {
    const r = triage(facts({ cycles: [rolledBack(1, 'temperature', 0.8, 0.9), rolledBack(30, 'temperature', 0.8, 0.7)] }), SETTINGS);
    expect(rules(r.instances)).toEqual(['canary/temperature/rolled_back_upward', 'canary/temperature/rolled_back_downward']);
    expect(r.instances[0].numbers).toMatchObject({ oldValue: 0.8, newValue: 0.9 });
    expect(r.instances[0].detail).toContain('guardrail_degraded');
    expect(r.counts).toMatchObject({ canary: 2, total: 2, performance: 0 });
  });

  test('inconclusive timeouts, operator and emergency rollbacks keep their own canary rules', () => {
    const r = triage(
      facts({
        cycles: [
          rolledBack(1, 'temperature', 0.8, 0.9, 'inconclusive_timeout'),
          rolledBack(2, 'temperature', 0.8, 0.9, 'operator:ana'),
          rolledBack(3, 'temperature', 0.8, 0.9, 'emergency:bob'),
          rolledBack(4, 'temperature', 0.8, 0.9, 'paused:ops'),
          rolledBack(5, 'temperature', 0.8, 0.9, 'failure'),
        ],
      }),
      SETTINGS,
    );
    expect(r.instances.map((i) => i.rule)).toEqual([
      'inconclusive_timeout',
      'operator_rollback',
      'emergency_stop',
      'paused_rollback',
      'canary_aborted',
    ]);
    expect(r.counts.canary).toBe(5);
  });

  test('a timed-out cycle is performance, any other failed cycle is stability', () => {
    const r = triage(
      facts({
        cycles: [
          cycle('failed', 1, { error: 'operation timed out during analysing: activity StartToClose timeout' }),
          cycle('failed', 2, { error: 'cycle failed during storing_version: disk full' }),
        ],
      }),
      SETTINGS,
    );
    expect(rules(r.instances)).toEqual(['performance/-/operation_timeout', 'stability/-/cycle_failed']);
    expect(r.counts).toMatchObject({ performance: 1, stability: 1, total: 2 });
  });

  test('invalid cards, invalid input, golden failures, bad data and bounds rejections are validation', () => {
    const r = triage(
      facts({
        cycles: [
          cycle('invalid_card', 1),
          cycle('invalid_input', 2),
          cycle('golden_failed', 3),
          cycle('skipped_bad_data', 4),
          rejected(5, 'temperature', 1.5, 1.6, 0.3, 1.5),
          rejected(6, 'temperature', 0.3, 0.2, 0.3, 1.5),
          rejected(7, 'temperature', 0.8, 1.0, 0.3, 1.5, 'daily_delta'),
        ],
      }),
      SETTINGS,
    );
    expect(rules(r.instances)).toEqual([
      'validation/-/invalid_card',
      'validation/-/invalid_input',
      'validation/-/golden_failed',
      'validation/-/bad_metrics_data',
      'validation/temperature/sliding_bounds_upward',
      'validation/temperature/sliding_bounds_downward',
      'validation/temperature/bounds_daily_delta',
    ]);
    expect(r.counts.validation).toBe(7);
    expect(r.instances[4].numbers).toMatchObject({ newValue: 1.6, max: 1.5 });
  });

  test('a golden set that fails is validation, one that runs out of time is performance (6.3, 6.4)', () => {
    const r = triage(
      facts({
        cycles: [
          cycle('golden_failed', 1, {
            report: {
              message: 'golden set failed: 2 of 40 checks failed',
              golden: {
                status: 'failed',
                failed: 2,
                total: 40,
                durationMs: 900,
                failures: [{ case: 'hd_missing_last', check: 'hd_missing_never_first' }],
              },
              proposals: [{ parameter: 'temperature', oldValue: 0.5, newValue: 0.6 }],
            },
          }),
          cycle('golden_failed', 2, {
            report: {
              message: 'golden set timed_out',
              golden: { status: 'timed_out', failed: 40, total: 40, durationMs: 300_000, failures: [] },
            },
          }),
        ],
      }),
      SETTINGS,
    );
    expect(rules(r.instances)).toEqual(['validation/temperature/golden_failed', 'performance/-/golden_timed_out']);
    expect(r.instances[0].detail).toContain('hd_missing_last / hd_missing_never_first');
    expect(r.instances[1].numbers).toMatchObject({ failed: 40, total: 40, durationMs: 300_000 });
  });

  test('a cycle slow outside its canary is performance; one still running long after it started is stability', () => {
    const slow = cycle('promoted', 1, { finishedAt: at(1 + 1 + 6 / 60), canaryMs: 3_600_000 }); // 66 min, 60 of them canary
    const fine = cycle('promoted', 2, { finishedAt: at(3.05), canaryMs: 3_600_000 });
    const stuck = cycle('promoted', 160, { status: 'running', outcome: null, finishedAt: null });
    const recent = cycle('promoted', 167, { status: 'running', outcome: null, finishedAt: null });
    const r = triage(facts({ cycles: [slow, fine, stuck, recent] }), SETTINGS);
    expect(rules(r.instances)).toEqual(['performance/-/slow_cycle', 'stability/-/cycle_unfinished']);
    expect(r.instances[0].numbers).toMatchObject({ canaryMs: 3_600_000, slowCycleMs: SETTINGS.slowCycleMs });
    expect(r.instances[0].numbers!.ownMs).toBeCloseTo(6 * 60_000, -2);
  });

  test('paused cycles and drift events are drift; a recovery event is not a failure', () => {
    const r = triage(
      facts({
        cycles: [cycle('skipped_paused', 1), cycle('no_change', 2), cycle('promoted', 3)],
        driftEvents: [
          {
            at: at(10),
            kind: 'rollback_rate_7d',
            action: 'pause',
            resolvedAt: null,
            numbers: { eventId: 'main#1', message: 'rollback rate 0.4 > 0.1', numbers: { rate: 0.4, threshold: 0.1 } },
          },
          { at: at(20), kind: 'prediction_error_recovered', action: 'leave_drift_mode', resolvedAt: null, numbers: { eventId: 'main#2' } },
        ],
      }),
      SETTINGS,
    );
    expect(rules(r.instances)).toEqual(['drift/-/paused', 'drift/-/rollback_rate_7d']);
    expect(r.instances[1].numbers).toEqual({ rate: 0.4, threshold: 0.1 });
    expect(r.counts).toMatchObject({ drift: 2, total: 2 });
    expect(r.cycles).toEqual({ total: 3, byOutcome: { skipped_paused: 1, no_change: 1, promoted: 1 } });
  });

  test('alerts count only when no cycle row or drift event already tells them; info alerts never', () => {
    const c = cycle('failed', 1, { error: 'operation timed out during analysing' });
    const r = triage(
      facts({
        cycles: [c],
        driftEvents: [
          {
            at: at(5),
            kind: 'consecutive_failures',
            action: 'pause',
            resolvedAt: null,
            numbers: { eventId: 'main#7', message: '3 failures' },
          },
        ],
        alerts: [
          { at: at(1.1), cycleId: c.cycleId, name: 'operation_timeout', severity: 'critical', summary: 'timed out' },
          {
            at: at(5),
            cycleId: null,
            name: 'autopilot_paused_failures',
            severity: 'critical',
            summary: '3 failures',
            details: { eventId: 'main#7' },
          },
          { at: at(6), cycleId: null, name: 'emergency_pause', severity: 'critical', summary: 'by ops' },
          { at: at(7), cycleId: null, name: 'autopilot_resumed', severity: 'info', summary: 'resumed' },
          { at: at(8), cycleId: 'autopilot-cycle/main/gone', name: 'invalid_card', severity: 'critical', summary: 'bad yaml' },
        ],
      }),
      SETTINGS,
    );
    expect(rules(r.instances)).toEqual([
      'performance/-/operation_timeout',
      'drift/-/consecutive_failures',
      'drift/-/emergency_pause',
      'validation/-/invalid_card',
    ]);
    expect(r.instances.map((i) => i.source)).toEqual(['cycle', 'drift_event', 'alert', 'alert']);
  });

  test('only the window counts, and the counts add up to the instances', () => {
    const r = triage(facts({ cycles: [cycle('invalid_card', -2), cycle('invalid_card', 1), cycle('invalid_card', 168)] }), SETTINGS);
    expect(r.counts.total).toBe(1);
    expect(r.byRule).toEqual({ 'validation/invalid_card': 1 });
  });

  test('the report caps its instances but counts every one', () => {
    const cycles = Array.from({ length: 12 }, (_, i) => cycle('invalid_card', i));
    const r = triage(facts({ cycles }), { ...SETTINGS, maxInstances: 5 });
    expect(r.instances).toHaveLength(5);
    expect(r.instancesTotal).toBe(12);
    expect(r.instancesTruncated).toBe(true);
    expect(r.counts.validation).toBe(12);
  });

  test('the default window is the 7 full UTC days before the run (7.1)', () => {
    expect(triageWindow('2025-03-09T02:00:00Z', 7)).toEqual({ weekStart: '2025-03-02T00:00:00.000Z', weekEnd: WEEK_END });
  });
});
