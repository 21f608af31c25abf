import type { BoundsDecision, BoundsRejection, ParamDef, ParameterBounds, ParameterChange } from './types';

const EPS = 1e-9;

/** The sliding bounds a parameter starts with: its configured initial range, or the hard limits (2.1). */
export function initialBounds(param: ParamDef, now: string): ParameterBounds {
  return {
    parameter: param.name,
    min: Math.max(param.hard_min, param.initial_min ?? param.hard_min),
    max: Math.min(param.hard_max, param.initial_max ?? param.hard_max),
    hardMin: param.hard_min,
    hardMax: param.hard_max,
    rollbackCount: 0,
    updatedAt: now,
  };
}

/** Stored bounds, completed with initial bounds for parameters seen for the first time. */
export function completeBounds(params: ParamDef[], stored: ParameterBounds[], now: string): ParameterBounds[] {
  return params.map((p) => {
    const s = stored.find((b) => b.parameter === p.name);
    // Hard limits come from config every time: no stored history can move them (2.4).
    return s ? { ...s, hardMin: p.hard_min, hardMax: p.hard_max } : initialBounds(p, now);
  });
}

export interface Override {
  parameter: string;
  min: number;
  max: number;
  reason: string;
  expiresAt: string;
}

/**
 * Checks one proposed change and returns every reason it is rejected (1.4, 2.4, 2.5).
 * `referenceValue` is the value in force 24 h ago, so several cycles in one day cannot add up
 * to more than the daily delta. An operator override replaces the sliding range, never the
 * hard limits.
 */
export function validateChange(
  change: Pick<ParameterChange, 'parameter' | 'oldValue' | 'newValue'>,
  param: ParamDef,
  bounds: ParameterBounds,
  opts: { referenceValue?: number; override?: Override } = {},
): BoundsDecision {
  const { newValue, oldValue } = change;
  const rejections: BoundsRejection[] = [];
  const min = opts.override ? Math.max(param.hard_min, opts.override.min) : bounds.min;
  const max = opts.override ? Math.min(param.hard_max, opts.override.max) : bounds.max;
  const ref = opts.referenceValue ?? oldValue;

  if (!Number.isFinite(newValue)) {
    rejections.push({ rule: 'non_finite', message: `${param.name}: expected a finite number, got ${newValue}` });
  } else {
    if (param.type === 'int' && !Number.isInteger(newValue))
      rejections.push({ rule: 'integer', message: `${param.name}: expected an integer, got ${newValue}` });
    if (newValue < param.hard_min - EPS || newValue > param.hard_max + EPS)
      rejections.push({ rule: 'hard_limit', message: `${param.name}=${newValue} is outside the hard limits [${param.hard_min}, ${param.hard_max}]` });
    else if (newValue < min - EPS || newValue > max + EPS)
      rejections.push({
        rule: 'sliding_bounds',
        message: `${param.name}=${newValue} is outside the ${opts.override ? 'overridden' : 'sliding'} bounds [${round(min)}, ${round(max)}]`,
      });
    const delta = Math.abs(newValue - ref);
    if (delta > param.max_daily_delta + EPS)
      rejections.push({
        rule: 'daily_delta',
        message: `${param.name} would move ${round(delta)} from ${ref} within 24 h; the limit is ${param.max_daily_delta}`,
      });
    if (Math.abs(newValue - oldValue) < EPS) rejections.push({ rule: 'no_change', message: `${param.name} is already ${oldValue}` });
  }
  return {
    parameter: param.name,
    oldValue,
    newValue,
    approved: rejections.length === 0,
    rejections,
    bounds: { min, max, hardMin: param.hard_min, hardMax: param.hard_max, overridden: Boolean(opts.override) },
    maxDailyDelta: param.max_daily_delta,
  };
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
