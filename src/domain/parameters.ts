/**
 * Where a tuned parameter may go, computed in one place (1.4, 2.1-2.5, 9.3-9.5): the effective
 * range (sliding bounds, or an active operator override, always within the hard limits), and
 * the checks of a value and of a move. The optimizer, the rule proposer, the cycle's bounds
 * check and the operator rollback all call these.
 * No Node imports and no zod: this file is bundled into workflow code.
 */
import type { ParameterSpec } from './parameter-spec';
import type { BoundsRejection, ParameterBounds } from './types';

export type { ParameterSpec, ProposalRule } from './parameter-spec';

/** An operator's temporary replacement of a parameter's sliding range (9.3-9.5). */
export interface BoundsOverride {
  parameter: string;
  min: number;
  max: number;
  reason: string;
  by: string;
  setAt: string;
  /** ISO time from which the override no longer applies. */
  expiresAt: string;
}

/** What a range computation reads of an override. */
export type OverrideRange = Pick<BoundsOverride, 'parameter' | 'min' | 'max' | 'expiresAt'>;

/** Whether an override is in force at `now`: from its expiry on, it no longer is (9.5). */
export function isActive(o: Pick<BoundsOverride, 'expiresAt'>, now: string): boolean {
  return Date.parse(o.expiresAt) > Date.parse(now);
}

/** The override on `parameter` in force at `now`; an expired one is ignored (9.5). */
export function activeOverride<O extends OverrideRange>(
  parameter: string,
  overrides: readonly O[] | undefined,
  now: string,
): O | undefined {
  return overrides?.find((o) => o.parameter === parameter && isActive(o, now));
}

export interface EffectiveRange {
  parameter: string;
  /** hardMin ≤ min ≤ max ≤ hardMax, always. */
  min: number;
  max: number;
  hardMin: number;
  hardMax: number;
  /** The active override, the stored sliding bounds, or (none stored yet) the hard limits. */
  source: 'override' | 'sliding' | 'hard_limits';
  overridden: boolean;
  /** Expiry of the override in force, when one is. */
  overrideExpiresAt?: string;
}

/**
 * The range a parameter may take at `now`: an active operator override replaces the sliding
 * bounds (9.3), an expired one is ignored (9.5), and nothing leaves the hard limits (2.4).
 */
export function effectiveRange(
  param: ParameterSpec,
  bounds: Pick<ParameterBounds, 'min' | 'max'> | undefined,
  overrides: readonly OverrideRange[] | undefined,
  now: string,
): EffectiveRange {
  const o = activeOverride(param.name, overrides, now);
  const lo = o ? o.min : (bounds?.min ?? param.hard_min);
  const hi = o ? o.max : (bounds?.max ?? param.hard_max);
  const min = clamp(lo, param.hard_min, param.hard_max);
  const max = clamp(hi, min, param.hard_max);
  return {
    parameter: param.name,
    min,
    max,
    hardMin: param.hard_min,
    hardMax: param.hard_max,
    source: o ? 'override' : bounds ? 'sliding' : 'hard_limits',
    overridden: Boolean(o),
    ...(o ? { overrideExpiresAt: o.expiresAt } : {}),
  };
}

/** Tolerance of every comparison (float steps such as 0.1 + 0.2). */
export const EPS = 1e-9;

/**
 * Whether `value` may be set: finite, an integer for an int parameter, within the hard limits
 * (2.4) and within the effective range (2.1, 9.3). Returns every reason it may not.
 */
export function checkValue(param: ParameterSpec, range: EffectiveRange, value: number): BoundsRejection[] {
  if (!Number.isFinite(value)) return [nonFinite(param, value)];
  const out: BoundsRejection[] = [];
  if (param.type === 'int' && !Number.isInteger(value)) {
    out.push({ rule: 'integer', message: `${param.name}: expected an integer, got ${value}` });
  }
  if (value < param.hard_min - EPS || value > param.hard_max + EPS)
    out.push({ rule: 'hard_limit', message: `${param.name}=${value} is outside the hard limits [${param.hard_min}, ${param.hard_max}]` });
  else if (value < range.min - EPS || value > range.max + EPS) {
    const which = range.overridden ? 'overridden' : 'sliding';
    const message = `${param.name}=${value} is outside the ${which} bounds [${round6(range.min)}, ${round6(range.max)}]`;
    out.push({ rule: 'sliding_bounds', message });
  }
  return out;
}

export interface Move {
  oldValue: number;
  newValue: number;
  /** The value in force 24 h ago: the daily delta is measured from it (oldValue when absent). */
  reference?: number;
}

/**
 * Whether a move is one the autopilot may make: a finite value, a real change, and within the
 * daily delta of the value in force 24 h ago, so several cycles in a day cannot add up (2.5).
 */
export function checkMove(param: ParameterSpec, move: Move): BoundsRejection[] {
  const { oldValue, newValue } = move;
  if (!Number.isFinite(newValue)) return [nonFinite(param, newValue)];
  const out: BoundsRejection[] = [];
  const ref = move.reference ?? oldValue;
  const delta = Math.abs(newValue - ref);
  if (delta > param.max_daily_delta + EPS) {
    const message = `${param.name} would move ${round6(delta)} from ${ref} within 24 h; the limit is ${param.max_daily_delta}`;
    out.push({ rule: 'daily_delta', message });
  }
  if (Math.abs(newValue - oldValue) < EPS) out.push({ rule: 'no_change', message: `${param.name} is already ${oldValue}` });
  return out;
}

/** A proposed value on the parameter's grid: an integer for an int, 6 decimals for a float. */
export function snapValue(param: Pick<ParameterSpec, 'type'>, value: number): number {
  return param.type === 'int' ? Math.round(value) : round6(value);
}

const nonFinite = (param: ParameterSpec, value: number): BoundsRejection => ({
  rule: 'non_finite',
  message: `${param.name}: expected a finite number, got ${value}`,
});

const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
