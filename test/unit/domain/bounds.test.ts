import fc from 'fast-check';
import {
  DEFAULT_BOUNDS_POLICY as POLICY,
  completeBounds,
  directionBackoff,
  exportBounds,
  initialBounds,
  updateBounds,
  validateChange,
  type DirectionEvent,
} from '../../../src/domain/bounds';
import type { ParamDef, ParameterBounds } from '../../../src/domain/types';

const temperature: ParamDef = {
  name: 'temperature',
  card_path: 'selection.temperature',
  type: 'float',
  hard_min: 0.1,
  hard_max: 2.0,
  max_daily_delta: 0.1,
  step: 0.1,
  initial_min: 0.3,
  initial_max: 1.5,
};
const bias: ParamDef = {
  name: 'plan_selection_bias',
  card_path: 'knobs.plan_selection_bias',
  type: 'float',
  hard_min: -0.3,
  hard_max: 0.3,
  max_daily_delta: 0.05,
  step: 0.05,
};
const topK: ParamDef = {
  name: 'top_k',
  card_path: 'selection.top_k',
  type: 'int',
  hard_min: 1,
  hard_max: 30,
  max_daily_delta: 2,
  step: 1,
  initial_min: 3,
  initial_max: 16,
};

const T0 = '2025-03-01T03:00:00.000Z';
const day = (n: number): string => new Date(Date.parse(T0) + n * 86_400_000).toISOString();
const width = (b: ParameterBounds): number => b.max - b.min;

describe('validateChange (1.4, 2.4, 2.5)', () => {
  const b = initialBounds(temperature, T0);

  it('rejects a temperature outside [0.1, 2.0] whatever the sliding bounds say (2.4)', () => {
    const wide = { ...b, min: -5, max: 5 };
    const d = validateChange({ parameter: 'temperature', oldValue: 1.95, newValue: 2.05 }, temperature, wide);
    expect(d.approved).toBe(false);
    expect(d.rejections.map((r) => r.rule)).toContain('hard_limit');
  });

  it('returns every rejection reason at once: hard limit and daily delta together', () => {
    const d = validateChange({ parameter: 'temperature', oldValue: 1.5, newValue: 2.3 }, temperature, b);
    expect(d.rejections.map((r) => r.rule).sort()).toEqual(['daily_delta', 'hard_limit']);
    const k = validateChange({ parameter: 'top_k', oldValue: 8, newValue: 11.5 }, topK, initialBounds(topK, T0));
    expect(k.rejections.map((r) => r.rule).sort()).toEqual(['daily_delta', 'integer']);
  });

  it('measures the daily delta from the value in force 24 h ago, so two cycles cannot add up (2.5)', () => {
    const d = validateChange({ parameter: 'plan_selection_bias', oldValue: 0.04, newValue: 0.08 }, bias, initialBounds(bias, T0), {
      referenceValue: 0,
    });
    expect(d.approved).toBe(false);
    expect(d.rejections[0]!.rule).toBe('daily_delta');
  });

  it('an override replaces the sliding range but never the hard limits (9.3)', () => {
    const override = { parameter: 'temperature', min: 0, max: 3, reason: 'incident', expiresAt: day(1) };
    const active = { overrides: [override], now: T0 };
    expect(validateChange({ parameter: 'temperature', oldValue: 1.5, newValue: 1.6 }, temperature, b, active).approved).toBe(true);
    const below = validateChange({ parameter: 'temperature', oldValue: 0.15, newValue: 0.05 }, temperature, b, active);
    expect(below.rejections.map((r) => r.rule)).toContain('hard_limit');
  });
});

describe('sliding bounds (2.1-2.3)', () => {
  const start = initialBounds(temperature, T0); // [0.3, 1.5], width 1.2

  it('widens a range stable for 7 days by at most 5 %, not before (2.2)', () => {
    expect(updateBounds('main', start, { outcome: 'promoted', changed: true, at: day(6.9) }, POLICY).adjustments).toEqual([]);
    const u = updateBounds('main', start, { outcome: 'promoted', changed: true, at: day(7) }, POLICY);
    expect(u.adjustments).toHaveLength(1);
    expect(u.adjustments[0]).toMatchObject({ kind: 'expand', old_min: 0.3, old_max: 1.5 });
    expect(width(u.bounds)).toBeCloseTo(1.2 * 1.05, 12);
    expect(u.adjustments[0]!.rationale).toMatch(/7 days.*5 %/);
    // the next widening needs another 7 quiet days: at most 5 % a week
    expect(updateBounds('main', u.bounds, { outcome: 'no_change', changed: false, at: day(13) }, POLICY).adjustments).toEqual([]);
  });

  it('contracts the range by 25 % after the third rollback, toward the restored value, and resets the counter (2.3)', () => {
    let b = start;
    for (const [i, at] of [day(1), day(2)].entries()) {
      b = updateBounds('main', b, { outcome: 'rolled_back', changed: true, current: 0.9, at }, POLICY).bounds;
      expect(b.rollbackCount).toBe(i + 1);
      expect(width(b)).toBeCloseTo(1.2, 12);
    }
    const u = updateBounds('main', b, { outcome: 'rolled_back', changed: true, current: 0.9, at: day(3) }, POLICY);
    expect(u.adjustments[0]).toMatchObject({ kind: 'contract', old_min: 0.3, old_max: 1.5 });
    expect(width(u.bounds)).toBeCloseTo(0.9, 12);
    expect(u.bounds.min).toBeCloseTo(0.9 - 0.6 * 0.75, 12);
    expect(u.bounds.rollbackCount).toBe(0);
    expect(u.adjustments[0]!.rationale).toMatch(/3 rollbacks/);
  });

  it('counts a rollback once even when the activity is retried with the same time', () => {
    const once = updateBounds('main', start, { outcome: 'rolled_back', changed: true, at: day(1) }, POLICY).bounds;
    const twice = updateBounds('main', once, { outcome: 'rolled_back', changed: true, at: day(1) }, POLICY).bounds;
    expect(twice.rollbackCount).toBe(1);
  });

  it('ignores rollbacks of other parameters', () => {
    const u = updateBounds('main', start, { outcome: 'rolled_back', changed: false, at: day(1) }, POLICY);
    expect(u.bounds.rollbackCount).toBe(0);
  });

  it('anti-windup: repeated contractions stop at the minimum width (10 % of the hard range) and never oscillate in a week (2.3)', () => {
    let b = start;
    let t = 0;
    for (let i = 0; i < 30; i++)
      b = updateBounds('main', b, { outcome: 'rolled_back', changed: true, current: 0.5, at: day((t += 1)) }, POLICY).bounds;
    expect(width(b)).toBeCloseTo(0.1 * 1.9, 9);
    expect(b.min).toBeLessThanOrEqual(0.5);
    expect(b.max).toBeGreaterThanOrEqual(0.5);
    // hysteresis: right after a contraction there is no expansion, only after 7 quiet days
    const soon = updateBounds('main', b, { outcome: 'promoted', changed: true, at: day(t + 6) }, POLICY);
    expect(soon.adjustments).toEqual([]);
    expect(updateBounds('main', b, { outcome: 'promoted', changed: true, at: day(t + 7) }, POLICY).adjustments[0]!.kind).toBe('expand');
  });

  it('clips stored bounds to hard limits narrowed in config, and records why (2.4)', () => {
    const stored = { ...start, min: 0.05, max: 2.5 };
    const [b] = completeBounds([temperature], [stored], T0);
    const u = updateBounds('main', b!, { outcome: 'no_change', changed: false, at: day(1) }, POLICY);
    expect(u.bounds.min).toBe(0.1);
    expect(u.bounds.max).toBe(2.0);
    expect(u.adjustments[0]).toMatchObject({ kind: 'manual' });
  });

  it('exports bounds and adjustments as JSON (2.1)', () => {
    const u = updateBounds('main', start, { outcome: 'promoted', changed: true, at: day(8) }, POLICY);
    const json = JSON.parse(JSON.stringify(exportBounds('main', [u.bounds], u.adjustments, day(8))));
    expect(json.channel).toBe('main');
    expect(json.parameters[0]).toMatchObject({ parameter: 'temperature', hardMin: 0.1, hardMax: 2 });
    expect(json.parameters[0].width).toBeCloseTo(1.26, 9);
    expect(json.adjustments[0].kind).toBe('expand');
  });
});

describe('direction backoff (2.3)', () => {
  const ev = (direction: 1 | -1, outcome: DirectionEvent['outcome'], at: string): DirectionEvent => ({
    parameter: 'temperature',
    direction,
    outcome,
    at,
  });

  it('doubles the wait with each rollback in the same direction, up to 7 days', () => {
    const one = directionBackoff([ev(1, 'rolled_back', day(0))], 'temperature', 1, day(0.5), POLICY);
    expect(one).toMatchObject({ consecutiveRollbacks: 1, hours: 24, blocked: true });
    expect(directionBackoff([ev(1, 'rolled_back', day(0))], 'temperature', 1, day(1), POLICY).blocked).toBe(false);
    const three = [ev(1, 'rolled_back', day(0)), ev(1, 'rolled_back', day(2)), ev(1, 'rolled_back', day(5))];
    expect(directionBackoff(three, 'temperature', 1, day(5), POLICY)).toMatchObject({ consecutiveRollbacks: 3, hours: 96, until: day(9) });
    const many = Array.from({ length: 8 }, (_, i) => ev(1, 'rolled_back', day(i * 10)));
    expect(directionBackoff(many, 'temperature', 1, day(70), POLICY).hours).toBe(7 * 24);
  });

  it('leaves the other direction and other parameters free, and a promotion clears it', () => {
    const events = [ev(1, 'rolled_back', day(0))];
    expect(directionBackoff(events, 'temperature', -1, day(0.5), POLICY).blocked).toBe(false);
    expect(directionBackoff(events, 'top_k', 1, day(0.5), POLICY).blocked).toBe(false);
    expect(directionBackoff([...events, ev(1, 'promoted', day(0.2))], 'temperature', 1, day(0.5), POLICY).blocked).toBe(false);
  });
});

describe('bounds properties (fast-check)', () => {
  const params = [temperature, bias, topK];
  const event = fc.record({
    kind: fc.constantFrom('rolled_back', 'promoted', 'no_change'),
    changed: fc.boolean(),
    gapDays: fc.double({ min: 0, max: 10, noNaN: true }),
    current: fc.double({ min: -1, max: 1.2, noNaN: true }),
  });

  it('bounds never leave the hard limits and never become empty, under any sequence of expansions and contractions (2.3, 2.4)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...params), fc.array(event, { maxLength: 80 }), (p, events) => {
        let b = initialBounds(p, T0);
        const hardWidth = p.hard_max - p.hard_min;
        const floor = Math.min(width(b), POLICY.minWidthFraction * hardWidth);
        let t = 0;
        for (const e of events) {
          t += e.gapDays;
          // a value somewhere in (or around) the hard range, as a restored value may be
          const current = p.hard_min + (e.current + 0.1) * hardWidth * 0.8;
          b = updateBounds('main', b, { outcome: e.kind, changed: e.changed, current, at: day(t) }, POLICY).bounds;
          expect(b.min).toBeGreaterThanOrEqual(p.hard_min - 1e-12);
          expect(b.max).toBeLessThanOrEqual(p.hard_max + 1e-12);
          expect(width(b)).toBeGreaterThanOrEqual(floor - 1e-9);
          expect(width(b)).toBeGreaterThan(0);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a change beyond the daily delta is always rejected, whatever the bounds or override (2.5)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...params),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 1.000001, max: 20, noNaN: true }),
        fc.boolean(),
        fc.boolean(),
        (p, at, excess, up, override) => {
          const ref = p.hard_min + at * (p.hard_max - p.hard_min);
          const newValue = ref + (up ? 1 : -1) * p.max_daily_delta * excess + (up ? 1e-6 : -1e-6);
          const wide = { ...initialBounds(p, T0), min: -100, max: 100 };
          const d = validateChange({ parameter: p.name, oldValue: ref, newValue }, p, wide, {
            referenceValue: ref,
            ...(override ? { overrides: [{ parameter: p.name, min: -100, max: 100, expiresAt: day(1) }], now: T0 } : {}),
          });
          expect(d.approved).toBe(false);
          expect(d.rejections.map((r) => r.rule)).toContain('daily_delta');
        },
      ),
      { numRuns: 500 },
    );
  });

  it('the backoff never exceeds 7 days (4.5 / 2.3)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ dir: fc.constantFrom<1 | -1>(1, -1), ok: fc.boolean(), gap: fc.double({ min: 0, max: 5, noNaN: true }) }), {
          maxLength: 40,
        }),
        (xs) => {
          let t = 0;
          const events = xs.map((x) => ({
            parameter: 'temperature',
            direction: x.dir,
            outcome: x.ok ? ('promoted' as const) : ('rolled_back' as const),
            at: day((t += x.gap)),
          }));
          for (const dir of [1, -1] as const)
            expect(directionBackoff(events, 'temperature', dir, day(t), POLICY).hours).toBeLessThanOrEqual(7 * 24);
        },
      ),
    );
  });
});
