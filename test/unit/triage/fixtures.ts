import { completeBounds } from '../../../src/domain/bounds';
import type { ParamDef } from '../../../src/domain/types';
import type { TriageCycle, TriageFacts, TriageSettings } from '../../../src/domain/triage';

export const PARAMS: ParamDef[] = [
  {
    name: 'temperature',
    card_path: 'selection.temperature',
    type: 'float',
    hard_min: 0.1,
    hard_max: 2.0,
    max_daily_delta: 0.1,
    step: 0.1,
    initial_min: 0.3,
    initial_max: 1.5,
  },
  {
    name: 'top_k',
    card_path: 'selection.top_k',
    type: 'int',
    hard_min: 1,
    hard_max: 30,
    max_daily_delta: 2,
    step: 1,
    initial_min: 3,
    initial_max: 16,
  },
];

export const SETTINGS: TriageSettings = {
  patternThreshold: 3,
  slowCycleMs: 5 * 60_000,
  stuckCycleMs: 3 * 3_600_000,
  contractionFactor: 0.25,
  minWidthFraction: 0.1,
  maxWeeklyExpansion: 0.05,
  autoApplyConfidence: 0.7,
  maxInstances: 200,
};

export const WEEK_START = '2025-03-02T00:00:00.000Z';
export const WEEK_END = '2025-03-09T00:00:00.000Z';

/** ISO time `h` hours into the week. */
export const at = (h: number) => new Date(Date.parse(WEEK_START) + h * 3_600_000).toISOString();

let seq = 0;
export function cycle(outcome: string, h: number, extra: Partial<TriageCycle> = {}): TriageCycle {
  seq += 1;
  return {
    cycleId: `autopilot-cycle/main/c${seq}`,
    startedAt: at(h),
    finishedAt: at(h + 0.01),
    status: outcome === 'failed' ? 'failed' : 'completed',
    outcome,
    error: null,
    report: { message: `${outcome} message` },
    ...extra,
  };
}

/** A cycle whose canary was rolled back after moving `parameter` from `from` to `to`. */
export function rolledBack(h: number, parameter: string, from: number, to: number, decidedBy = 'judge'): TriageCycle {
  return cycle('rolled_back', h, {
    canaryMs: 3_600_000,
    finishedAt: at(h + 1.05),
    report: {
      message: 'guardrail worse',
      proposals: [{ parameter, oldValue: from, newValue: to }],
      bounds: [{ parameter, oldValue: from, newValue: to, approved: true, rejections: [] }],
      canary: { decidedBy, decision: 'Rollback', verdict: { rule: 'guardrail_degraded', reason: 'selection_entropy degraded' } },
    },
  });
}

export function rejected(
  h: number,
  parameter: string,
  from: number,
  to: number,
  min: number,
  max: number,
  rule = 'sliding_bounds',
): TriageCycle {
  return cycle('rejected_by_bounds', h, {
    report: {
      proposals: [{ parameter, oldValue: from, newValue: to }],
      bounds: [
        {
          parameter,
          oldValue: from,
          newValue: to,
          approved: false,
          rejections: [{ rule, message: `${parameter}=${to} outside` }],
          bounds: { min, max, hardMin: 0.1, hardMax: 2 },
        },
      ],
    },
  });
}

export function facts(partial: Partial<TriageFacts> = {}): TriageFacts {
  return {
    channel: 'main',
    weekStart: WEEK_START,
    weekEnd: WEEK_END,
    cycles: [],
    alerts: [],
    driftEvents: [],
    adjustments: [],
    bounds: completeBounds(PARAMS, [], WEEK_START),
    params: PARAMS,
    current: { temperature: 0.8, top_k: 8 },
    ...partial,
  };
}
