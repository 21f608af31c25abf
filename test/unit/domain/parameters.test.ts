import fc from 'fast-check';
import { checkProposals, initialBounds, validateChange } from '../../../src/domain/bounds';
import {
  activeOverride,
  checkMove,
  checkValue,
  effectiveRange,
  type OverrideRange,
  type ParameterSpec,
} from '../../../src/domain/parameters';

const temperature: ParameterSpec = {
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
const topK: ParameterSpec = {
  name: 'top_k',
  card_path: 'selection.top_k',
  type: 'int',
  hard_min: 1,
  hard_max: 30,
  max_daily_delta: 2,
  step: 1,
};

const T0 = '2025-03-01T03:00:00.000Z';
const hours = (n: number): string => new Date(Date.parse(T0) + n * 3_600_000).toISOString();
const sliding = initialBounds(temperature, T0); // [0.3, 1.5]
const override = (min: number, max: number, expiresAt: string): OverrideRange => ({ parameter: 'temperature', min, max, expiresAt });
const rules = (xs: { rule: string }[]) => xs.map((x) => x.rule);

describe('effectiveRange: sliding bounds, or an active override, within the hard limits (2.1, 2.4, 9.3-9.5)', () => {
  it('is the sliding range when no override is active (2.1)', () => {
    expect(effectiveRange(temperature, sliding, [], T0)).toMatchObject({
      min: 0.3,
      max: 1.5,
      hardMin: 0.1,
      hardMax: 2,
      source: 'sliding',
      overridden: false,
    });
  });

  it('is the hard range for a parameter without stored bounds', () => {
    expect(effectiveRange(temperature, undefined, undefined, T0)).toMatchObject({ min: 0.1, max: 2, source: 'hard_limits' });
  });

  it('lets an active override replace the sliding range, never the hard limits (9.3, 2.4)', () => {
    const r = effectiveRange(temperature, sliding, [override(0, 3, hours(1))], T0);
    expect(r).toMatchObject({ min: 0.1, max: 2, source: 'override', overridden: true, overrideExpiresAt: hours(1) });
    expect(effectiveRange(temperature, sliding, [override(0.4, 0.6, hours(1))], T0)).toMatchObject({ min: 0.4, max: 0.6 });
  });

  it('ignores an override from the moment it expires (9.5)', () => {
    const o = override(0.4, 0.6, hours(1));
    expect(effectiveRange(temperature, sliding, [o], hours(0.99)).overridden).toBe(true);
    expect(effectiveRange(temperature, sliding, [o], hours(1))).toMatchObject({ min: 0.3, max: 1.5, overridden: false, source: 'sliding' });
    expect(activeOverride('temperature', [o], hours(2))).toBeUndefined();
  });

  it('ignores overrides of other parameters', () => {
    expect(effectiveRange(temperature, sliding, [{ ...override(0.4, 0.6, hours(1)), parameter: 'top_k' }], T0).overridden).toBe(false);
  });

  it('never leaves the hard limits, whatever the stored bounds, overrides and clock (property, 2.4)', () => {
    const num = fc.double({ min: -1e3, max: 1e3, noNaN: true });
    fc.assert(
      fc.property(
        fc.record({ lo: num, width: fc.double({ min: 1e-3, max: 1e3, noNaN: true }) }),
        fc.option(fc.record({ min: num, max: num }), { nil: undefined }),
        fc.array(fc.record({ min: num, max: num, expiresIn: fc.double({ min: -48, max: 48, noNaN: true }) }), { maxLength: 3 }),
        fc.double({ min: -48, max: 48, noNaN: true }),
        (hard, stored, overrides, at) => {
          const p: ParameterSpec = { ...temperature, hard_min: hard.lo, hard_max: hard.lo + hard.width };
          const b = stored ? { min: stored.min, max: stored.max } : undefined;
          const os = overrides.map((o) => ({ parameter: p.name, min: o.min, max: o.max, expiresAt: hours(o.expiresIn) }));
          const r = effectiveRange(p, b, os, hours(at));
          expect(r.min).toBeGreaterThanOrEqual(p.hard_min);
          expect(r.max).toBeLessThanOrEqual(p.hard_max);
          expect(r.min).toBeLessThanOrEqual(r.max);
          expect(r.overridden).toBe(os.some((o) => Date.parse(o.expiresAt) > Date.parse(hours(at))));
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('checkValue: finite, integer, hard limits, effective range (1.4, 2.4)', () => {
  const range = effectiveRange(temperature, sliding, [], T0);

  it('accepts a value inside the range, up to the float tolerance', () => {
    expect(checkValue(temperature, range, 1.5 + 1e-12)).toEqual([]);
  });

  it('names the hard limits before the sliding bounds, and the overridden bounds as such', () => {
    expect(checkValue(temperature, range, 2.05)).toEqual([
      { rule: 'hard_limit', message: 'temperature=2.05 is outside the hard limits [0.1, 2]' },
    ]);
    expect(checkValue(temperature, range, 1.6)).toEqual([
      { rule: 'sliding_bounds', message: 'temperature=1.6 is outside the sliding bounds [0.3, 1.5]' },
    ]);
    const overridden = effectiveRange(temperature, sliding, [override(0.4, 0.6, hours(1))], T0);
    expect(checkValue(temperature, overridden, 0.7)[0]!.message).toBe('temperature=0.7 is outside the overridden bounds [0.4, 0.6]');
  });

  it('wants an integer for an int parameter, and a finite number always', () => {
    const r = effectiveRange(topK, undefined, [], T0);
    expect(rules(checkValue(topK, r, 8.5))).toEqual(['integer']);
    expect(rules(checkValue(topK, r, Number.NaN))).toEqual(['non_finite']);
    expect(rules(checkValue(temperature, range, Number.POSITIVE_INFINITY))).toEqual(['non_finite']);
  });

  it('never approves a value outside the hard limits (property, 2.4)', () => {
    fc.assert(
      fc.property(fc.double({ min: -10, max: 10, noNaN: true }), fc.double({ min: -10, max: 10, noNaN: true }), (lo, v) => {
        const r = effectiveRange(temperature, { min: lo, max: lo + 5 }, [override(lo - 3, lo + 3, hours(1))], T0);
        if (checkValue(temperature, r, v).length === 0) {
          expect(v).toBeGreaterThanOrEqual(temperature.hard_min - 1e-9);
          expect(v).toBeLessThanOrEqual(temperature.hard_max + 1e-9);
        }
      }),
    );
  });
});

describe('checkMove: daily delta, no-op, non-finite (2.5)', () => {
  it('measures the daily delta from the value in force 24 h ago', () => {
    expect(checkMove(temperature, { oldValue: 0.5, newValue: 0.6 })).toEqual([]);
    expect(checkMove(temperature, { oldValue: 0.5, newValue: 0.6, reference: 0.45 })).toEqual([
      { rule: 'daily_delta', message: 'temperature would move 0.15 from 0.45 within 24 h; the limit is 0.1' },
    ]);
  });

  it('refuses a move that changes nothing, and a non-finite target', () => {
    expect(checkMove(temperature, { oldValue: 0.5, newValue: 0.5 })).toEqual([
      { rule: 'no_change', message: 'temperature is already 0.5' },
    ]);
    expect(rules(checkMove(temperature, { oldValue: 0.5, newValue: Number.NaN }))).toEqual(['non_finite']);
  });
});

describe("checkProposals: the cycle's bounds check (1.4, 9.3-9.5)", () => {
  const bounds = [sliding, initialBounds(topK, T0)];
  const change = { parameter: 'temperature', oldValue: 1.5, newValue: 1.6 };

  it('honours an override while it is active', () => {
    const [d] = checkProposals([change], [temperature, topK], bounds, [override(0.3, 1.8, hours(1))], { temperature: 1.5 }, T0);
    expect(d).toMatchObject({ approved: true, bounds: { min: 0.3, max: 1.8, overridden: true } });
  });

  it('ignores an override that expired before the check (9.5)', () => {
    const [d] = checkProposals([change], [temperature, topK], bounds, [override(0.3, 1.8, hours(1))], { temperature: 1.5 }, hours(2));
    expect(d).toMatchObject({ approved: false, bounds: { min: 0.3, max: 1.5, overridden: false } });
    expect(rules(d!.rejections)).toEqual(['sliding_bounds']);
  });

  it('measures the daily delta from the reference values', () => {
    const [d] = checkProposals([change], [temperature], bounds, [override(0.3, 1.8, hours(1))], { temperature: 1.45 }, T0);
    expect(rules(d!.rejections)).toEqual(['daily_delta']);
  });

  it('rejects a change of a parameter the config does not declare, by name', () => {
    const [d] = checkProposals([{ parameter: 'gamma', oldValue: 1, newValue: 2 }], [temperature], bounds, [], {}, T0);
    expect(d).toMatchObject({
      approved: false,
      rejections: [{ rule: 'unknown_parameter', message: 'gamma: not a tuned parameter of the config' }],
    });
  });

  it('agrees with validateChange, which applies no override without a clock', () => {
    const o = [override(0.3, 1.8, hours(1))];
    expect(validateChange(change, temperature, sliding, { overrides: o }).approved).toBe(false);
    expect(validateChange(change, temperature, sliding, { overrides: o, now: T0 })).toEqual(
      checkProposals([change], [temperature], bounds, o, {}, T0)[0],
    );
  });
});
