import { checkMove, checkValue, effectiveRange, type OverrideRange } from './parameters';
import type { BoundsAdjustmentRecord, BoundsDecision, ParamDef, ParameterBounds, ParameterChange } from './types';

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

export interface ValidateOptions {
  /** The value in force 24 h ago; the change's oldValue when absent. */
  referenceValue?: number;
  /** Operator overrides; each counts only while `now` is before its expiry (9.5). */
  overrides?: readonly OverrideRange[];
  /** The time the overrides are judged at; without it no override applies. */
  now?: string;
}

/**
 * Checks one proposed change and returns every reason it is rejected (1.4, 2.4, 2.5).
 * `referenceValue` is the value in force 24 h ago, so several cycles in one day cannot add up
 * to more than the daily delta. An active operator override replaces the sliding range, never
 * the hard limits.
 */
export function validateChange(
  change: Pick<ParameterChange, 'parameter' | 'oldValue' | 'newValue'>,
  param: ParamDef,
  bounds: ParameterBounds | undefined,
  opts: ValidateOptions = {},
): BoundsDecision {
  const { newValue, oldValue } = change;
  const range = opts.now === undefined ? effectiveRange(param, bounds, [], '') : effectiveRange(param, bounds, opts.overrides, opts.now);
  const onValue = checkValue(param, range, newValue);
  const onMove = Number.isFinite(newValue) ? checkMove(param, { oldValue, newValue, reference: opts.referenceValue }) : [];
  const rejections = [...onValue, ...onMove];
  return {
    parameter: param.name,
    oldValue,
    newValue,
    approved: rejections.length === 0,
    rejections,
    bounds: { min: range.min, max: range.max, hardMin: param.hard_min, hardMax: param.hard_max, overridden: range.overridden },
    maxDailyDelta: param.max_daily_delta,
  };
}

/**
 * The cycle's bounds check of its proposals (1.4, 2.4, 2.5, 9.3-9.5): each change against its
 * parameter's effective range at `now` (an expired override no longer counts) and the daily
 * delta from `reference` (the values in force 24 h ago). A change of a parameter the config
 * does not declare is rejected.
 */
export function checkProposals(
  changes: readonly Pick<ParameterChange, 'parameter' | 'oldValue' | 'newValue'>[],
  params: readonly ParamDef[],
  bounds: readonly ParameterBounds[],
  overrides: readonly OverrideRange[] | undefined,
  reference: Readonly<Record<string, number>>,
  now: string,
): BoundsDecision[] {
  return changes.map((c) => {
    const p = params.find((x) => x.name === c.parameter);
    if (!p) {
      return {
        parameter: c.parameter,
        oldValue: c.oldValue,
        newValue: c.newValue,
        approved: false,
        rejections: [{ rule: 'unknown_parameter', message: `${c.parameter}: not a tuned parameter of the config` }],
        bounds: { min: Number.NaN, max: Number.NaN, hardMin: Number.NaN, hardMax: Number.NaN, overridden: false },
        maxDailyDelta: 0,
      };
    }
    const b = bounds.find((x) => x.parameter === c.parameter);
    return validateChange(c, p, b, { referenceValue: reference[c.parameter], overrides, now });
  });
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

// ---------------------------------------------------------------- sliding (2.1-2.3)

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** The config's `sliding_bounds` section in domain terms. */
export interface BoundsPolicy {
  stabilityDays: number;
  /** Largest relative widening per expansion; expansions are at least stabilityDays apart. */
  maxWeeklyExpansion: number;
  rollbackThreshold: number;
  /** Share of the width removed by a contraction (0.25 = the range shrinks by 25 %). */
  contractionFactor: number;
  /** Anti-windup floor: no range is narrower than this share of the hard range. */
  minWidthFraction: number;
  backoffBaseHours: number;
  backoffMaxDays: number;
}

export const DEFAULT_BOUNDS_POLICY: BoundsPolicy = {
  stabilityDays: 7,
  maxWeeklyExpansion: 0.05,
  rollbackThreshold: 3,
  contractionFactor: 0.25,
  minWidthFraction: 0.1,
  backoffBaseHours: 24,
  backoffMaxDays: 7,
};

/** What happened to one parameter in one cycle. */
export interface BoundsEvent {
  /** The cycle's outcome; only `rolled_back` counts against a parameter it changed. */
  outcome: string;
  /** Whether the cycle's (canaried) changes touched this parameter. */
  changed: boolean;
  /** The value in force after the cycle (for a rollback: the restored value). */
  current?: number;
  at: string;
}

export interface BoundsUpdate {
  bounds: ParameterBounds;
  adjustments: BoundsAdjustmentRecord[];
}

const widthOf = (b: Pick<ParameterBounds, 'min' | 'max'>): number => b.max - b.min;

/** Stored bounds clipped into the current hard limits (config may have narrowed them). */
function clipToHard(channel: string, b: ParameterBounds, at: string): BoundsUpdate {
  const min = Math.min(Math.max(b.min, b.hardMin), b.hardMax);
  const max = Math.max(Math.min(b.max, b.hardMax), min);
  if (min === b.min && max === b.max) return { bounds: b, adjustments: [] };
  return {
    bounds: { ...b, min, max, updatedAt: at },
    adjustments: [
      {
        channel,
        parameter: b.parameter,
        at,
        kind: 'manual',
        old_min: b.min,
        old_max: b.max,
        new_min: min,
        new_max: max,
        rationale: `stored range [${round(b.min)}, ${round(b.max)}] clipped to the hard limits [${b.hardMin}, ${b.hardMax}] (2.4)`,
      },
    ],
  };
}

/**
 * Contraction by `contractionFactor` toward the value in force, never below the minimum width
 * (anti-windup); the rollback counter restarts either way, so the next contraction needs
 * another `rollbackThreshold` rollbacks (hysteresis).
 */
export function contract(channel: string, b: ParameterBounds, policy: BoundsPolicy, at: string, current?: number): BoundsUpdate {
  const hardWidth = b.hardMax - b.hardMin;
  const minWidth = Math.min(hardWidth, policy.minWidthFraction * hardWidth);
  const width = widthOf(b);
  const reset = { ...b, rollbackCount: 0, updatedAt: at };
  if (width <= minWidth + 1e-12) return { bounds: reset, adjustments: [] };
  const target = Math.max(minWidth, width * (1 - policy.contractionFactor));
  const v = Math.min(b.max, Math.max(b.min, current ?? (b.min + b.max) / 2));
  const k = target / width;
  let min = v - (v - b.min) * k;
  let max = min + target;
  min = Math.max(b.hardMin, min);
  max = Math.min(b.hardMax, Math.max(max, min));
  const next = { ...reset, min, max };
  return {
    bounds: next,
    adjustments: [
      {
        channel,
        parameter: b.parameter,
        at,
        kind: 'contract',
        old_min: b.min,
        old_max: b.max,
        new_min: min,
        new_max: max,
        rationale:
          `${b.rollbackCount} rollbacks (threshold ${policy.rollbackThreshold}): range shrunk by ${round((1 - target / width) * 100)} % ` +
          `toward ${round(v)}, width ${round(width)} → ${round(target)} ` +
          `(floor ${round(minWidth)} = ${policy.minWidthFraction} of the hard range); ` +
          'rollback counter reset (2.3)',
      },
    ],
  };
}

/** Widening by at most `maxWeeklyExpansion` of the width, split over both ends, within the hard limits (2.2, 2.4). */
export function expand(channel: string, b: ParameterBounds, policy: BoundsPolicy, at: string, stableDays: number): BoundsUpdate {
  const width = widthOf(b);
  const hardWidth = b.hardMax - b.hardMin;
  const grow = Math.min(hardWidth, width * (1 + policy.maxWeeklyExpansion)) - width;
  if (grow <= 1e-12) return { bounds: { ...b, rollbackCount: 0 }, adjustments: [] };
  let min = Math.max(b.hardMin, b.min - grow / 2);
  let max = Math.min(b.hardMax, b.max + grow / 2);
  const left = grow - (b.min - min) - (max - b.max);
  if (left > 0) {
    min = Math.max(b.hardMin, min - left);
    max = Math.min(b.hardMax, max + left);
  }
  return {
    bounds: { ...b, min, max, rollbackCount: 0, updatedAt: at },
    adjustments: [
      {
        channel,
        parameter: b.parameter,
        at,
        kind: 'expand',
        old_min: b.min,
        old_max: b.max,
        new_min: min,
        new_max: max,
        rationale:
          `no rollback and no adjustment for ${round(stableDays)} days (≥ ${policy.stabilityDays}): range widened by ` +
          `${round(((max - min) / width - 1) * 100)} % (at most ${policy.maxWeeklyExpansion * 100} % a week), ` +
          `within the hard limits [${b.hardMin}, ${b.hardMax}] (2.2)`,
      },
    ],
  };
}

/**
 * One parameter's bounds after a cycle (2.1-2.3): a rollback that involved it counts (once per
 * `at`, so a retried activity does not count twice) and contracts at the threshold; otherwise
 * a range untouched for `stabilityDays` widens. Never leaves the hard limits (2.4).
 */
export function updateBounds(channel: string, stored: ParameterBounds, event: BoundsEvent, policy: BoundsPolicy): BoundsUpdate {
  const clipped = clipToHard(channel, stored, event.at);
  const b = clipped.bounds;
  const out = (u: BoundsUpdate): BoundsUpdate => ({ bounds: u.bounds, adjustments: [...clipped.adjustments, ...u.adjustments] });
  if (event.outcome === 'rolled_back' && event.changed) {
    if (b.updatedAt === event.at) return out({ bounds: b, adjustments: [] }); // already applied (a retried activity)
    const counted = { ...b, rollbackCount: b.rollbackCount + 1, updatedAt: event.at };
    if (counted.rollbackCount >= policy.rollbackThreshold) return out(contract(channel, counted, policy, event.at, event.current));
    return out({ bounds: counted, adjustments: [] });
  }
  const stableDays = (Date.parse(event.at) - Date.parse(b.updatedAt)) / DAY_MS;
  if (stableDays >= policy.stabilityDays) return out(expand(channel, b, policy, event.at, stableDays));
  return out({ bounds: b, adjustments: [] });
}

// ---------------------------------------------------------------- backoff (2.3)

/** A canaried move of one parameter in one direction, and how it ended. */
export interface DirectionEvent {
  parameter: string;
  direction: 1 | -1;
  outcome: 'promoted' | 'rolled_back';
  at: string;
}

export interface BackoffState {
  parameter: string;
  direction: 1 | -1;
  /** Rollbacks in this direction since its last promotion. */
  consecutiveRollbacks: number;
  /** Wait after the last of them: base · 2^(k−1) hours, at most backoffMaxDays. */
  hours: number;
  until: string | null;
  blocked: boolean;
}

/**
 * Exponential backoff before the same direction of the same parameter is proposed again after
 * it was rolled back; a promotion in that direction clears it. Pure: the optimizer consults it.
 */
export function directionBackoff(
  events: readonly DirectionEvent[],
  parameter: string,
  direction: 1 | -1,
  now: string,
  policy: BoundsPolicy,
): BackoffState {
  const mine = events.filter((e) => e.parameter === parameter && e.direction === direction).sort((a, b) => a.at.localeCompare(b.at));
  let k = 0;
  let last: string | null = null;
  for (const e of mine) {
    if (e.outcome === 'promoted') {
      k = 0;
      last = null;
    } else {
      k += 1;
      last = e.at;
    }
  }
  if (k === 0 || last === null) return { parameter, direction, consecutiveRollbacks: 0, hours: 0, until: null, blocked: false };
  const hours = Math.min(policy.backoffMaxDays * 24, policy.backoffBaseHours * 2 ** (k - 1));
  const until = new Date(Date.parse(last) + hours * HOUR_MS).toISOString();
  return { parameter, direction, consecutiveRollbacks: k, hours, until, blocked: Date.parse(now) < Date.parse(until) };
}

// ---------------------------------------------------------------- export (2.1)

export interface BoundsExport {
  channel: string;
  exportedAt: string;
  parameters: Array<ParameterBounds & { width: number; hardWidth: number; widthShareOfHard: number }>;
  adjustments: BoundsAdjustmentRecord[];
}

/** The channel's bounds and their adjustment history as one JSON-ready value. */
export function exportBounds(channel: string, bounds: ParameterBounds[], adjustments: BoundsAdjustmentRecord[], at: string): BoundsExport {
  return {
    channel,
    exportedAt: at,
    parameters: bounds.map((b) => ({
      ...b,
      width: round(widthOf(b)),
      hardWidth: round(b.hardMax - b.hardMin),
      widthShareOfHard: round(widthOf(b) / (b.hardMax - b.hardMin)),
    })),
    adjustments,
  };
}
