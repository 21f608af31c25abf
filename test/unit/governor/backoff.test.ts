import fc from 'fast-check';
import {
  backoffPauseMs,
  effectiveStepScale,
  nextBackoffLevel,
  pauseEndMs,
  recoveryComplete,
  recoveryStepScale,
  remainingPauseMs,
  MAX_BACKOFF_LEVEL,
} from '../../../src/domain/governor';
import { DAY, HOUR, settings } from './fixtures';

describe('backoff (4.4, 4.5)', () => {
  const st = settings();

  it('pauses 48 h first, then doubles, and stops at the 7-day cap (4.5)', () => {
    expect([0, 1, 2, 3, 10].map((l) => backoffPauseMs(l, st) / HOUR)).toEqual([48, 96, 168, 168, 168]);
  });

  it('never exceeds 7 days for any level with the shipped config (4.5, property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.double()), (level) => {
        const ms = backoffPauseMs(level, st);
        return ms >= 0 && ms <= 7 * DAY;
      }),
    );
  });

  it('never exceeds its cap nor goes negative for any base and cap (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e12, max: 1e12 }), fc.double({ min: 0, max: 1e12, noNaN: true }), fc.nat(200), (base, cap, level) => {
        const ms = backoffPauseMs(level, { pauseMs: base, maxPauseMs: cap });
        return Number.isFinite(ms) && ms >= 0 && ms <= cap;
      }),
    );
  });

  it('is monotonic in the level, so a repeated failure never shortens the pause (property)', () => {
    fc.assert(fc.property(fc.nat(100), (level) => backoffPauseMs(nextBackoffLevel(level), st) >= backoffPauseMs(level, st)));
    expect(nextBackoffLevel(MAX_BACKOFF_LEVEL)).toBe(MAX_BACKOFF_LEVEL);
  });

  it('never yields a negative pause: the end is never before the start, the time left never below 0 (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4e12 }), fc.double(), fc.integer({ min: 0, max: 4e12 }), (start, duration, now) => {
        const end = pauseEndMs(start, duration);
        return end >= start && remainingPauseMs(end, now) >= 0 && remainingPauseMs(end, end + 1) === 0;
      }),
    );
  });

  it('ramps the step scale 0.25 → 0.5 → 1 after a pause instead of jumping (4.5)', () => {
    const ramp = [0.25, 0.5, 1];
    expect([0, 1, 2, 3].map((s) => recoveryStepScale(s, ramp))).toEqual([0.25, 0.5, 1, 1]);
    expect([0, 1, 2].map((s) => recoveryComplete(s, ramp))).toEqual([false, false, true]);
    expect(effectiveStepScale({ driftScale: 0.5, recoveryStep: 0, ramp })).toBe(0.25);
    expect(effectiveStepScale({ driftScale: 0.5, recoveryStep: 2, ramp })).toBe(0.5);
    expect(effectiveStepScale({ driftScale: null, recoveryStep: null, ramp })).toBe(1);
  });
});
