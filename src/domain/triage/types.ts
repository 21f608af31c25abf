/**
 * Values of the weekly incident triage (7.1-7.5). Pure data, no Node imports: bundled into the
 * triage workflow. Every count, pattern and suggestion carries the numbers that produced it.
 */
import type { ParamDef, ParameterBounds } from '../types';

export type FailureCategory = 'performance' | 'stability' | 'validation' | 'canary' | 'drift';
export const FAILURE_CATEGORIES: readonly FailureCategory[] = ['performance', 'stability', 'validation', 'canary', 'drift'];

/** One failure seen in the week, with where it came from and its numbers. */
export interface FailureInstance {
  category: FailureCategory;
  at: string;
  cycleId: string | null;
  parameter?: string;
  /** e.g. `rolled_back_upward`, `operation_timeout`, `invalid_card`, `rollback_rate_7d`. */
  rule: string;
  detail: string;
  source: 'cycle' | 'alert' | 'drift_event';
  numbers?: Record<string, number | null>;
  /** The governor asked the triage to look at this one (drift mode, 4.2): a pattern whatever the count. */
  flagged?: boolean;
}

// ---------------------------------------------------------------- facts (what the activity gathers)

/** A cycle row as the triage reads it (the state store's `cycles`, plus the canary's duration). */
export interface TriageCycle {
  cycleId: string;
  startedAt: string;
  finishedAt: string | null;
  status: string;
  outcome: string | null;
  error: string | null;
  /** The cycle's stored report (proposals, bounds decisions, canary result, message…). */
  report: Record<string, unknown>;
  /** How long its canary ran, so a slow cycle is judged on its own work. */
  canaryMs?: number | null;
}

/** A decisions row of kind `alert`. */
export interface TriageAlert {
  at: string;
  cycleId: string | null;
  name: string;
  severity: string;
  summary: string;
  details?: Record<string, unknown>;
}

/** A drift_events row written by the governor. */
export interface TriageDriftEvent {
  at: string;
  kind: string;
  action: string;
  numbers: unknown;
  resolvedAt: string | null;
}

/** A bounds_adjustments row. */
export interface TriageAdjustment {
  parameter: string;
  at: string;
  kind: string;
  oldMin: number | null;
  oldMax: number | null;
  newMin: number;
  newMax: number;
  rationale: string;
}

export interface TriageFacts {
  channel: string;
  /** Window [weekStart, weekEnd), ISO. */
  weekStart: string;
  weekEnd: string;
  cycles: TriageCycle[];
  alerts: TriageAlert[];
  driftEvents: TriageDriftEvent[];
  adjustments: TriageAdjustment[];
  /** The sliding bounds in force now (completed for every configured parameter). */
  bounds: ParameterBounds[];
  params: ParamDef[];
  /** Parameter values of the live card, when known: a contraction never excludes them. */
  current?: Record<string, number>;
}

export interface TriageSettings {
  /** 7.3: a pattern is a (category, parameter, rule) seen MORE than this many times. */
  patternThreshold: number;
  /** A finished cycle whose own work (canary excluded) took longer than this is `slow_cycle`. */
  slowCycleMs: number;
  /** A cycle still `running` this long before the window's end is `cycle_unfinished`. */
  stuckCycleMs: number;
  /** Share of the sliding width one triage may take off a side (sliding_bounds.contraction_factor). */
  contractionFactor: number;
  /** Anti-windup floor: the range never gets narrower than this share of the hard range. */
  minWidthFraction: number;
  /** A shift moves a side by at most this share of the hard range (sliding_bounds.max_weekly_expansion). */
  maxWeeklyExpansion: number;
  /** Bounds suggestions at or above this confidence are applied (7.5). */
  autoApplyConfidence: number;
  /** The report keeps at most this many instances (counts always cover all). */
  maxInstances: number;
}

export const TRIAGE_DEFAULTS = { autoApplyConfidence: 0.7, maxInstances: 200, examplesPerSuggestion: 5 } as const;

// ---------------------------------------------------------------- findings

export interface TriagePattern {
  /** `<category>/<parameter or ->/<rule>` */
  key: string;
  category: FailureCategory;
  parameter?: string;
  rule: string;
  count: number;
  threshold: number;
  /** True when it is a pattern because the governor flagged it, not by count. */
  flagged: boolean;
  firstAt: string;
  lastAt: string;
  cycleIds: string[];
  /** Stable per (channel, category, parameter, rule): the GitHub marker and the idempotency tag. */
  fingerprint: string;
  /** Human title, stable across weeks (no counts): `canary: rolled_back_upward (temperature)`. */
  title: string;
}

export type SuggestionKind = 'bounds_contraction' | 'bounds_shift' | 'manual_review';

export interface IssueRef {
  number: number;
  url: string;
  action: 'created' | 'commented' | 'unchanged';
}

export interface PatchSuggestion {
  pattern: string;
  fingerprint: string;
  category: FailureCategory;
  rule: string;
  count: number;
  /** 0..1, from frequency and impact; `numbers` holds the terms. */
  confidence: number;
  kind: SuggestionKind;
  parameter?: string;
  /** The bounds the suggestion would set, and the bounds it was computed from. */
  proposed?: { min: number; max: number };
  basis?: { min: number; max: number; hardMin: number; hardMax: number };
  /** Bounds suggestions at or above the auto-apply confidence (7.5). */
  autoApply: boolean;
  rationale: string;
  numbers: Record<string, number | null>;
  examples: FailureInstance[];
  /** Set after the run: the GitHub issue for a manual review, or null with the reason. */
  issue?: IssueRef | null;
  issueReason?: string;
}

export interface AppliedAdjustment {
  fingerprint: string;
  parameter: string;
  kind: 'bounds_contraction' | 'bounds_shift';
  status: 'applied' | 'already_applied' | 'skipped';
  oldMin: number;
  oldMax: number;
  newMin: number;
  newMax: number;
  at: string;
  reason?: string;
}

export interface IssueOutcome {
  fingerprint: string;
  pattern: string;
  issue: IssueRef | null;
  reason?: string;
}

export type CategoryCounts = Record<FailureCategory, number> & { total: number };

export interface TriageReport {
  channel: string;
  weekStart: string;
  weekEnd: string;
  mode: 'apply' | 'dry_run';
  settings: TriageSettings;
  cycles: { total: number; byOutcome: Record<string, number> };
  counts: CategoryCounts;
  /** Count per `<category>/<rule>`. */
  byRule: Record<string, number>;
  instances: FailureInstance[];
  instancesTotal: number;
  instancesTruncated: boolean;
  patterns: TriagePattern[];
  suggestions: PatchSuggestion[];
  /** Bounds adjustments made during the window (by the cycle, operators, an earlier triage), by kind. */
  weekAdjustments: Record<string, number>;
  appliedAdjustments: AppliedAdjustment[];
  issues: IssueOutcome[];
}
