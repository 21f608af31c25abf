import fc from 'fast-check';
import { completeBounds } from '../../../src/domain/bounds';
import { contractSide, fingerprint, shiftSide, triage, withOutcomes } from '../../../src/domain/triage';
import type { ParameterBounds } from '../../../src/domain/types';
import { PARAMS, SETTINGS, WEEK_START, cycle, facts, rejected, rolledBack } from './fixtures';

const upward = (n: number, start = 0) => Array.from({ length: n }, (_, i) => rolledBack(start + i * 20, 'temperature', 0.8, 0.9));

describe('patterns (7.3)', () => {
  test('a pattern needs MORE than pattern_threshold occurrences: 3 is none, 4 is one', () => {
    expect(triage(facts({ cycles: upward(3) }), SETTINGS).patterns).toEqual([]);
    const r = triage(facts({ cycles: upward(4) }), SETTINGS);
    expect(r.patterns).toHaveLength(1);
    expect(r.patterns[0]).toMatchObject({
      key: 'canary/temperature/rolled_back_upward',
      count: 4,
      threshold: 3,
      title: 'canary: rolled_back_upward (temperature)',
    });
    expect(r.patterns[0].cycleIds).toHaveLength(4);
  });

  test('a drift event the governor flagged for triage is reviewed whatever its count (4.2)', () => {
    const r = triage(
      facts({
        driftEvents: [
          {
            at: '2025-03-04T00:00:00.000Z',
            kind: 'prediction_error_consecutive_days',
            action: 'enter_drift_mode',
            resolvedAt: null,
            numbers: {
              eventId: 'main#3',
              message: 'error > 30% on 3 days',
              parameters: ['temperature'],
              triageFlagged: true,
              numbers: { days: 3, threshold: 0.3 },
            },
          },
        ],
      }),
      SETTINGS,
    );
    expect(r.patterns).toEqual([expect.objectContaining({ key: 'drift/-/prediction_error_consecutive_days', count: 1, flagged: true })]);
    expect(r.suggestions[0]).toMatchObject({ kind: 'manual_review', autoApply: false });
    expect(r.suggestions[0].rationale).toContain('Flagged for triage by the governor');
    expect(r.suggestions[0].numbers.excess).toBe(0);
  });

  test('the threshold comes from settings (incident_triage.pattern_threshold)', () => {
    expect(triage(facts({ cycles: upward(4) }), { ...SETTINGS, patternThreshold: 4 }).patterns).toEqual([]);
    expect(triage(facts({ cycles: upward(2) }), { ...SETTINGS, patternThreshold: 1 }).patterns).toHaveLength(1);
  });

  test('fingerprints are stable per channel and pattern, and differ across channels', () => {
    const a = triage(facts({ cycles: upward(4) }), SETTINGS).patterns[0].fingerprint;
    const b = triage(facts({ cycles: upward(5, 1) }), SETTINGS).patterns[0].fingerprint;
    const c = triage(facts({ channel: 'other', cycles: upward(4) }), SETTINGS).patterns[0].fingerprint;
    expect(a).toBe(b);
    expect(a).not.toBe(c);
    expect(a).toMatch(/^[0-9a-f]{8}$/);
    expect(fingerprint('main|canary/temperature/rolled_back_upward')).toBe(a);
  });
});

describe('patch suggestions (7.3, 7.5)', () => {
  test('four upward temperature rollbacks contract its max by 25% of the width, with high confidence', () => {
    const r = triage(facts({ cycles: [...upward(4), cycle('promoted', 150), cycle('promoted', 151)] }), SETTINGS);
    const [s] = r.suggestions;
    expect(s).toMatchObject({
      kind: 'bounds_contraction',
      parameter: 'temperature',
      count: 4,
      autoApply: true,
      proposed: { min: 0.3, max: 1.2 },
      basis: { min: 0.3, max: 1.5 },
    });
    // impact 1 × (0.3 + 0.4·1 + 0.15·(4/6) + 0.15·(1/3)) = 0.85
    expect(s.confidence).toBeCloseTo(0.85, 3);
    expect(s.numbers).toMatchObject({ count: 4, cycles: 6, consistency: 1, impact: 1, oldMax: 1.5, newMax: 1.2 });
    expect(s.rationale).toContain('[0.3, 1.5] → [0.3, 1.2]');
    expect(s.examples).toHaveLength(4);
  });

  test('the contraction stops at the value in force', () => {
    const r = triage(facts({ cycles: upward(4), current: { temperature: 1.4, top_k: 8 } }), SETTINGS);
    expect(r.suggestions[0].proposed).toEqual({ min: 0.3, max: 1.4 });
  });

  test('rollbacks in both directions lower the confidence below auto-apply', () => {
    const cycles = [...upward(4), ...[1, 2, 3].map((i) => rolledBack(100 + i, 'temperature', 0.8, 0.7))];
    const s = triage(facts({ cycles }), SETTINGS).suggestions.find((x) => x.rule === 'rolled_back_upward')!;
    expect(s.numbers).toMatchObject({ oppositeDirection: 3, consistency: 0.571 });
    expect(s.confidence).toBeLessThan(0.7);
    expect(s.autoApply).toBe(false);
  });

  test('repeated timeouts and invalid cards cannot be patched: manual review with advice', () => {
    const cycles = [
      ...[1, 2, 3, 4].map((h) => cycle('failed', h, { error: 'operation timed out during analysing' })),
      ...[5, 6, 7, 8, 9].map((h) => cycle('invalid_card', h)),
    ];
    const r = triage(facts({ cycles }), SETTINGS);
    expect(r.suggestions.map((s) => [s.rule, s.kind, s.autoApply])).toEqual([
      ['invalid_card', 'manual_review', false],
      ['operation_timeout', 'manual_review', false],
    ]);
    expect(r.suggestions[1].rationale).toContain('operation_timeout_minutes');
    expect(r.suggestions[1].proposed).toBeUndefined();
  });

  test('pressure against one sliding bound, never rolled back that way, shifts the range by at most 5% of the hard range', () => {
    const cycles = [1, 2, 3, 4].map((h) => rejected(h, 'temperature', 1.5, 1.6, 0.3, 1.5));
    const s = triage(facts({ cycles, current: { temperature: 1.5, top_k: 8 } }), SETTINGS).suggestions[0];
    expect(s.kind).toBe('bounds_shift');
    // step 0.05 × (2.0 − 0.1) = 0.095; the min follows but keeps nothing out (1.5 in force)
    expect(s.proposed).toEqual({ min: 0.395, max: 1.595 });
  });

  test('pressure upward with upward rollbacks in the same week is a conflict for a human', () => {
    const cycles = [...[1, 2, 3, 4].map((h) => rejected(h, 'temperature', 1.5, 1.6, 0.3, 1.5)), rolledBack(50, 'temperature', 0.8, 0.9)];
    const s = triage(facts({ cycles }), SETTINGS).suggestions[0];
    expect(s).toMatchObject({ kind: 'manual_review', rule: 'sliding_bounds_upward', autoApply: false });
    expect(s.rationale).toContain('conflicting');
  });

  test('a side already at the width floor cannot contract: manual review', () => {
    const narrow: ParameterBounds[] = completeBounds(
      PARAMS,
      [{ parameter: 'temperature', min: 0.7, max: 0.89, hardMin: 0.1, hardMax: 2, rollbackCount: 0, updatedAt: WEEK_START }],
      WEEK_START,
    );
    const s = triage(facts({ cycles: upward(4), bounds: narrow }), SETTINGS).suggestions[0];
    expect(s.kind).toBe('manual_review');
    expect(s.rationale).toContain('cannot move');
  });

  test('withOutcomes attaches the issue (or null and why) to each suggestion', () => {
    const r = triage(facts({ cycles: [1, 2, 3, 4].map((h) => cycle('invalid_card', h)) }), SETTINGS);
    const fp = r.suggestions[0].fingerprint;
    const out = withOutcomes(r, [], [{ fingerprint: fp, pattern: r.suggestions[0].pattern, issue: null, reason: 'disabled' }], 'apply');
    expect(out.suggestions[0]).toMatchObject({ issue: null, issueReason: 'disabled' });
    expect(out.issues).toHaveLength(1);
  });
});

describe('bounds arithmetic never leaves the hard limits (2.3, 2.4, property)', () => {
  // Fractions on a grid: fc.double piles up at 0 and 1, which leaves nothing to contract.
  const frac = fc.integer({ min: 0, max: 1000 }).map((x) => x / 1000);
  const arbBounds = fc
    .record({
      hardMin: fc.double({ min: -100, max: 100, noNaN: true }),
      span: fc.double({ min: 0.01, max: 200, noNaN: true }),
      a: frac,
      b: frac,
    })
    .map(({ hardMin, span, a, b }): ParameterBounds => {
      const hardMax = hardMin + span;
      const [lo, hi] = [Math.min(a, b), Math.max(a, b)];
      return {
        parameter: 'x',
        hardMin,
        hardMax,
        min: hardMin + lo * span,
        max: hardMin + hi * span,
        rollbackCount: 0,
        updatedAt: WEEK_START,
      };
    });
  const unit = fc.double({ min: 0.01, max: 0.99, noNaN: true });
  const type = fc.constantFrom<'float' | 'int'>('float', 'int');
  const keeps = fc.array(frac, { maxLength: 4 });
  const tol = (b: ParameterBounds) => 1e-9 * Math.max(1, Math.abs(b.hardMin), Math.abs(b.hardMax));

  let moved = 0;
  beforeEach(() => (moved = 0));

  test('a contraction stays inside the old range and the hard limits, keeps the kept values and the width floor', () => {
    fc.assert(
      fc.property(
        arbBounds,
        type,
        fc.constantFrom<'min' | 'max'>('min', 'max'),
        unit,
        unit,
        keeps,
        (b, t, side, factor, minWidthFraction, ks) => {
          const keep = ks.map((k) => b.min + k * (b.max - b.min));
          const r = contractSide(b, { type: t }, side, { factor, minWidthFraction, keep });
          if (!r) return;
          moved += 1;
          const e = tol(b);
          expect(r.min).toBeGreaterThanOrEqual(b.hardMin - e);
          expect(r.max).toBeLessThanOrEqual(b.hardMax + e);
          expect(r.min).toBeGreaterThanOrEqual(b.min - e);
          expect(r.max).toBeLessThanOrEqual(b.max + e);
          expect(r.max - r.min).toBeGreaterThanOrEqual(minWidthFraction * (b.hardMax - b.hardMin) - e);
          for (const k of keep) expect(k >= r.min - e && k <= r.max + e).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
    expect(moved).toBeGreaterThan(100); // the property is not vacuous
  });

  test('a shift stays inside the hard limits, moves a side by at most the weekly step, and keeps the kept values', () => {
    fc.assert(
      fc.property(
        arbBounds,
        type,
        fc.constantFrom<'min' | 'max'>('min', 'max'),
        fc.integer({ min: 0, max: 50 }).map((x) => x / 1000),
        keeps,
        (b, t, side, step, ks) => {
          const keep = ks.map((k) => b.min + k * (b.max - b.min));
          const r = shiftSide(b, { type: t }, side, { step, keep });
          if (!r) return;
          moved += 1;
          const e = tol(b);
          expect(r.min).toBeGreaterThanOrEqual(b.hardMin - e);
          expect(r.max).toBeLessThanOrEqual(b.hardMax + e);
          expect(r.min).toBeLessThan(r.max);
          const by = side === 'max' ? r.max - b.max : b.min - r.min;
          expect(by).toBeGreaterThan(0);
          expect(by).toBeLessThanOrEqual(step * (b.hardMax - b.hardMin) + e);
          for (const k of keep) expect(k >= r.min - e && k <= r.max + e).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
    expect(moved).toBeGreaterThan(100);
  });

  test('every suggestion for any week of temperature rollbacks and rejections stays within [0.1, 2.0]', () => {
    const event = fc.record({
      kind: fc.constantFrom('up', 'down', 'push_up', 'push_down'),
      from: fc.double({ min: 0.3, max: 1.5, noNaN: true }),
    });
    fc.assert(
      fc.property(fc.array(event, { minLength: 4, maxLength: 30 }), (evs) => {
        const cycles = evs.map((e, i) =>
          e.kind === 'up'
            ? rolledBack(i, 'temperature', e.from, e.from + 0.1)
            : e.kind === 'down'
              ? rolledBack(i, 'temperature', e.from, e.from - 0.1)
              : rejected(i, 'temperature', e.from, e.kind === 'push_up' ? 1.6 : 0.2, 0.3, 1.5),
        );
        for (const s of triage(facts({ cycles }), SETTINGS).suggestions) {
          if (!s.proposed) continue;
          expect(s.proposed.min).toBeGreaterThanOrEqual(0.1);
          expect(s.proposed.max).toBeLessThanOrEqual(2.0);
          expect(s.proposed.min).toBeLessThan(s.proposed.max);
        }
      }),
      { numRuns: 300 },
    );
  });
});
