/**
 * Patterns and patch suggestions of the weekly triage (7.3, 7.5), and the bounds arithmetic they
 * use. Pure: a contraction or shift never leaves the hard limits (2.4), never narrows the range
 * below the anti-windup floor (2.3), and never excludes the value in force.
 */
import type { ParamDef, ParameterBounds } from '../types';
import {
  TRIAGE_DEFAULTS,
  type FailureCategory,
  type FailureInstance,
  type PatchSuggestion,
  type TriageFacts,
  type TriagePattern,
  type TriageSettings,
} from './types';

const EPS = 1e-9;
const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** FNV-1a, 32 bit, as 8 hex digits: a stable, dependency-free fingerprint. */
export function fingerprint(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

export const patternKey = (i: Pick<FailureInstance, 'category' | 'parameter' | 'rule'>) => `${i.category}/${i.parameter ?? '-'}/${i.rule}`;

/**
 * 7.3: every (category, parameter, rule) seen MORE than `threshold` times, most frequent first;
 * plus any the governor flagged for triage (drift mode), whatever their count.
 */
export function findPatterns(channel: string, instances: FailureInstance[], threshold: number): TriagePattern[] {
  const groups = new Map<string, FailureInstance[]>();
  for (const i of instances) groups.set(patternKey(i), [...(groups.get(patternKey(i)) ?? []), i]);
  const out: TriagePattern[] = [];
  for (const [key, list] of groups) {
    const flagged = list.some((i) => i.flagged === true);
    if (list.length <= threshold && !flagged) continue;
    const { category, parameter, rule } = list[0];
    out.push({
      key,
      category,
      rule,
      count: list.length,
      threshold,
      flagged: list.length <= threshold,
      ...(parameter ? { parameter } : {}),
      firstAt: list[0].at,
      lastAt: list[list.length - 1].at,
      cycleIds: [...new Set(list.map((i) => i.cycleId).filter((x): x is string => x !== null))].slice(0, 20),
      fingerprint: fingerprint(`${channel}|${key}`),
      title: `${category}: ${rule}${parameter ? ` (${parameter})` : ''}`,
    });
  }
  return out.sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : 1));
}

type Side = 'min' | 'max';
export interface Range {
  min: number;
  max: number;
}

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));
/** Rounds up or down to the parameter's grid: whole numbers for ints, 1e-6 for floats. */
const roundOut = (x: number, up: boolean, int: boolean) =>
  int ? (up ? Math.ceil(x - EPS) : Math.floor(x + EPS)) : (up ? Math.ceil(x * 1e6 - EPS) : Math.floor(x * 1e6 + EPS)) / 1e6;

/**
 * Contracts one side of the sliding range by `factor` of its width, but never past the values
 * in `keep` (the last good value, the value in force), never below the anti-windup width, and
 * never outside the hard limits. Null when that side cannot move.
 */
export function contractSide(
  b: ParameterBounds,
  p: Pick<ParamDef, 'type'>,
  side: Side,
  o: { factor: number; minWidthFraction: number; keep?: number[] },
): Range | null {
  const lo = clamp(b.min, b.hardMin, b.hardMax);
  const hi = clamp(b.max, b.hardMin, b.hardMax);
  const width = hi - lo;
  const minWidth = o.minWidthFraction * (b.hardMax - b.hardMin);
  if (!(width > minWidth + EPS)) return null;
  const keep = (o.keep ?? []).filter((v) => Number.isFinite(v) && v >= lo - EPS && v <= hi + EPS);
  const int = p.type === 'int';
  if (side === 'max') {
    let next = Math.max(hi - o.factor * width, lo + minWidth, ...keep);
    next = Math.min(hi, roundOut(next, true, int));
    return next < hi - EPS && next > lo + EPS ? { min: lo, max: next } : null;
  }
  let next = Math.min(lo + o.factor * width, hi - minWidth, ...keep);
  next = Math.max(lo, roundOut(next, false, int));
  return next > lo + EPS && next < hi - EPS ? { min: next, max: hi } : null;
}

/**
 * Moves the range toward `side` by at most `step` of the hard range: the pushed side goes out
 * (never past its hard limit), the other side follows only as far as `keep` allows.
 */
export function shiftSide(b: ParameterBounds, p: Pick<ParamDef, 'type'>, side: Side, o: { step: number; keep?: number[] }): Range | null {
  const lo = clamp(b.min, b.hardMin, b.hardMax);
  const hi = clamp(b.max, b.hardMin, b.hardMax);
  const keep = (o.keep ?? []).filter((v) => Number.isFinite(v) && v >= lo - EPS && v <= hi + EPS);
  const int = p.type === 'int';
  const room = side === 'max' ? b.hardMax - hi : lo - b.hardMin;
  let s = Math.min(o.step * (b.hardMax - b.hardMin), room);
  if (int) s = Math.floor(s + EPS);
  if (!(s > EPS)) return null;
  if (side === 'max') {
    const max = Math.min(b.hardMax, roundOut(hi + s, false, int));
    const min = Math.max(lo, Math.min(roundOut(lo + s, false, int), ...keep));
    return max > hi + EPS && min < max - EPS ? { min, max } : null;
  }
  const min = Math.max(b.hardMin, roundOut(lo - s, true, int));
  const max = Math.min(hi, Math.max(roundOut(hi - s, true, int), ...keep));
  return min < lo - EPS && min < max - EPS ? { min, max } : null;
}

/** How much a category weighs in a suggestion's confidence (a measured canary harm weighs most). */
const IMPACT: Record<FailureCategory, number> = { canary: 1, drift: 0.9, performance: 0.8, stability: 0.8, validation: 0.6 };

/** What an operator should look at, per rule, when no automatic patch is possible. */
const ADVICE: Record<string, string> = {
  operation_timeout:
    'An operation hit the time limit (8.3): check metrics-store and planner latency and worker load; ' +
    'raise autopilot.operation_timeout_minutes only if the work is legitimately slower.',
  slow_cycle:
    'Cycles spend long outside the canary: profile the slow activity (analysis, golden set, history writes) before it reaches the timeout.',
  cycle_failed: 'Cycles fail with errors: read the cycle errors below and the worker logs; fix the failing activity.',
  cycle_unfinished: 'Cycles stayed running: check that a worker serves the task queue and that the governor is healthy.',
  invalid_card:
    'The live card keeps failing validation (10.1): fix the card file or whatever rewrites it; ' +
    'the autopilot cannot ship anything meanwhile.',
  invalid_input: 'Operator requests are refused: check the parameters and values sent to the cycle.',
  golden_failed:
    'The golden set keeps rejecting proposals (6.3): either the proposer steps into a region the golden cases forbid, ' +
    'or the expectations are outdated (6.5).',
  golden_timed_out:
    'The golden set ran out of time (6.4: 5 minutes): check the worker threads (golden.pool_size), the cache, and the size of the set.',
  bad_metrics_data: 'Metrics were unusable (gaps, too few samples, non-finite values): check the planner and curator metric writers.',
  inconclusive_timeout:
    'Canaries end Inconclusive without an operator decision: lengthen canary.duration_minutes, raise traffic_percentage, ' +
    'or decide within the window.',
  operator_rollback: 'Operators keep rolling canaries back by hand: review why and encode it as a KPI guardrail or bounds.',
  emergency_stop: 'Canaries were stopped by emergency pauses: review the incidents behind them.',
  promotion_refused:
    'Promotions were refused because the live card changed during the canary: coordinate manual edits with the autopilot schedule.',
  bounds_daily_delta:
    'Proposals exceed the daily delta (2.5): the proposer step is larger than max_daily_delta allows after other changes the same day.',
  bounds_hard_limit: 'Proposals reach the hard limits (2.4): the KPI targets may be unreachable within them; review targets or limits.',
  prediction_error_consecutive_days:
    'Drift mode (4.2): predicted and measured effects disagree on consecutive days for the parameters named below; ' +
    "review the proposer rules' expected impacts and consider narrowing those parameters' bounds by hand.",
  paused: 'Cycles were skipped while paused: check why the autopilot stayed paused (emergency_pause, enabled, governor pause).',
};
const adviceFor = (rule: string) =>
  ADVICE[rule] ?? `Recurring ${rule}: review the instances below; no automatic patch exists for this rule.`;

const DIRECTIONAL = /^(rolled_back|sliding_bounds)_(upward|downward)$/;

interface SuggestContext {
  patterns: TriagePattern[];
  instances: FailureInstance[];
  facts: TriageFacts;
  settings: TriageSettings;
  cycleCount: number;
}

/**
 * 7.3 / 7.5: one suggestion per pattern. A parameter rolled back repeatedly in one direction →
 * contract that side; pushed repeatedly against one sliding bound (and never rolled back that
 * way) → shift toward it; anything else, or a side that cannot move → manual review.
 */
export function suggestPatches(ctx: SuggestContext): PatchSuggestion[] {
  const { settings: s, facts } = ctx;
  const working = new Map(facts.bounds.map((b) => [b.parameter, { ...b }]));
  return ctx.patterns.map((pt) => {
    const mine = ctx.instances.filter((i) => patternKey(i) === pt.key);
    const m = DIRECTIONAL.exec(pt.rule);
    const opposite = m
      ? ctx.instances.filter((i) => i.parameter === pt.parameter && i.rule === `${m[1]}_${m[2] === 'upward' ? 'downward' : 'upward'}`)
          .length
      : 0;
    const consistency = pt.count / (pt.count + opposite);
    const frequency = pt.count / Math.max(pt.count, ctx.cycleCount);
    const excess = Math.max(0, Math.min(1, (pt.count - pt.threshold) / pt.threshold));
    const impact = IMPACT[pt.category];
    const confidence = round3(impact * (0.3 + 0.4 * consistency + 0.15 * frequency + 0.15 * excess));
    const numbers: Record<string, number | null> = {
      count: pt.count,
      threshold: pt.threshold,
      cycles: ctx.cycleCount,
      frequency: round3(frequency),
      excess: round3(excess),
      impact,
      consistency: round3(consistency),
      oppositeDirection: m ? opposite : null,
      autoApplyConfidence: s.autoApplyConfidence,
    };
    const base = {
      pattern: pt.title,
      fingerprint: pt.fingerprint,
      category: pt.category,
      rule: pt.rule,
      count: pt.count,
      confidence,
      ...(pt.parameter ? { parameter: pt.parameter } : {}),
      numbers,
      examples: mine.slice(-TRIAGE_DEFAULTS.examplesPerSuggestion),
    };
    const seen = pt.flagged ? `Flagged for triage by the governor; seen ${pt.count}×` : `Seen ${pt.count}× (more than ${pt.threshold})`;
    const manual = (why: string): PatchSuggestion => ({
      ...base,
      kind: 'manual_review',
      autoApply: false,
      rationale: `${why} ${seen} between ${pt.firstAt} and ${pt.lastAt}.`,
    });

    const b = pt.parameter ? working.get(pt.parameter) : undefined;
    const p = facts.params.find((x) => x.name === pt.parameter);
    if (!m || !b || !p) return manual(adviceFor(pt.rule));
    const side = m[2] === 'upward' ? 'max' : 'min';
    const current = facts.current?.[p.name];
    const keep = [...mine.map((i) => i.numbers?.oldValue ?? NaN), ...(current !== undefined ? [current] : [])];
    const basis = { min: b.min, max: b.max, hardMin: b.hardMin, hardMax: b.hardMax };
    let kind: PatchSuggestion['kind'];
    let proposed: { min: number; max: number } | null;
    let why: string;
    if (m[1] === 'rolled_back') {
      kind = 'bounds_contraction';
      proposed = contractSide(b, p, side, { factor: s.contractionFactor, minWidthFraction: s.minWidthFraction, keep });
      why =
        `${p.name} was rolled back ${pt.count}× after moving ${m[2]}: ` +
        `contract its ${side} by at most ${s.contractionFactor * 100}% of the width, ` +
        `keeping the last good value and the ${s.minWidthFraction * 100}% width floor.`;
    } else {
      const pushedBack = ctx.instances.some((i) => i.parameter === p.name && i.rule === `rolled_back_${m[2]}`);
      if (pushedBack)
        return manual(
          `The proposer keeps pushing ${p.name} ${m[2]} against its sliding bound, ` +
            'but canaries rolled that direction back this week: conflicting signals.',
        );
      kind = 'bounds_shift';
      proposed = shiftSide(b, p, side, { step: s.maxWeeklyExpansion, keep });
      why =
        `The proposer pushed ${p.name} ${m[2]} against its sliding ${side} ${pt.count}× without a rollback that way: ` +
        `shift the range by at most ${s.maxWeeklyExpansion * 100}% of the hard range.`;
    }
    if (!proposed) return manual(`${why} But the ${side} side cannot move (hard limit, width floor or value in force): review by hand.`);
    const autoApply = confidence >= s.autoApplyConfidence;
    if (autoApply) working.set(p.name, { ...b, ...proposed });
    return {
      ...base,
      kind,
      proposed,
      basis,
      autoApply,
      numbers: {
        ...numbers,
        oldMin: b.min,
        oldMax: b.max,
        newMin: proposed.min,
        newMax: proposed.max,
        hardMin: b.hardMin,
        hardMax: b.hardMax,
      },
      rationale:
        `${why} [${b.min}, ${b.max}] → [${proposed.min}, ${proposed.max}] (hard [${b.hardMin}, ${b.hardMax}]); ` +
        `confidence ${confidence}${autoApply ? ' ≥' : ' <'} ${s.autoApplyConfidence}.`,
    };
  });
}
