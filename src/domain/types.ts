/**
 * Domain values shared by the pure core, the activities and the workflows.
 * No Node imports here: this file is bundled into workflow code.
 */

export type Group = 'control' | 'canary';
export type KpiGoal = 'maximize' | 'minimize';
export type KpiRole = 'primary' | 'guardrail';

/** What the domain needs to know of a KPI (a subset of the config's KpiSpec). */
export interface KpiDef {
  name: string;
  goal: KpiGoal;
  role: KpiRole;
  weight: number;
  /** Relative worsening tolerated before Degraded (0 = any significant worsening). */
  tolerance?: number;
  target_min?: number;
  target_max?: number;
}

/** What the domain needs to know of a tuned parameter (the config's ParameterSpec). */
export interface ParamDef {
  name: string;
  card_path: string;
  type: 'float' | 'int';
  hard_min: number;
  hard_max: number;
  max_daily_delta: number;
  step: number;
  initial_min?: number;
  initial_max?: number;
}

// ---------------------------------------------------------------- analysis

export type DataFlag = 'no_data' | 'too_few_samples' | 'non_finite_values' | 'gaps';

export interface KpiAnalysis {
  kpi: string;
  n: number;
  mean: number;
  sd: number;
  /** Theil-Sen slope, units per hour. */
  slopePerHour: number;
  trend: 'rising' | 'falling' | 'flat';
  /** Where the 24 h level sits against the KPI's target band. */
  position: 'below' | 'within' | 'above' | 'unknown';
  flags: DataFlag[];
  usable: boolean;
}

export interface WindowAnalysis {
  channel: string;
  from: string;
  to: string;
  kpis: KpiAnalysis[];
  /** False when any KPI is unusable: bad data never turns into a proposal. */
  usable: boolean;
}

// ---------------------------------------------------------------- proposals

export type ChangeType = 'Optimization' | 'Correction' | 'Exploration' | 'Rollback';

export interface ParameterChange {
  parameter: string;
  cardPath: string;
  oldValue: number;
  newValue: number;
  changeType: ChangeType;
  /** The rule that produced it, e.g. `entropy_below_target`. */
  rule: string;
  rationale: string;
  /** Predicted relative change per KPI (0.05 = +5 %). */
  expectedImpact: Record<string, number>;
  /** 0..1 */
  confidence: number;
}

// ---------------------------------------------------------------- bounds

export interface ParameterBounds {
  parameter: string;
  min: number;
  max: number;
  hardMin: number;
  hardMax: number;
  rollbackCount: number;
  /** ISO time of the last change to min/max (expansion or contraction). */
  updatedAt: string;
}

export type BoundsRule = 'hard_limit' | 'sliding_bounds' | 'daily_delta' | 'integer' | 'no_change' | 'non_finite';

export interface BoundsRejection {
  rule: BoundsRule;
  message: string;
}

export interface BoundsDecision {
  parameter: string;
  oldValue: number;
  newValue: number;
  approved: boolean;
  rejections: BoundsRejection[];
  bounds: { min: number; max: number; hardMin: number; hardMax: number; overridden: boolean };
  maxDailyDelta: number;
}

// ---------------------------------------------------------------- canary statistics

export interface GroupSummary {
  n: number;
  mean: number;
  /** Sample standard deviation (n - 1). */
  sd: number;
}

export type KpiClassification = 'Improved' | 'NonInferior' | 'Degraded' | 'Inconclusive' | 'NoData';

export interface KpiEvidence {
  kpi: string;
  goal: KpiGoal;
  role: KpiRole;
  control: GroupSummary;
  canary: GroupSummary;
  /** canary.mean - control.mean */
  diff: number;
  /** (canary.mean - control.mean) / |control.mean| */
  relDiff: number;
  /**
   * Interval of relDiff. Final check: Welch/delta-method CI at confidenceLevel (non-inferiority
   * of all primaries is an intersection-union test, so it needs no multiplicity correction).
   * Interim check: the always-valid confidence sequence at 1 - alpha/K (Bonferroni over the K
   * KPIs). ±Infinity (null in JSON) when unbounded; `flags` says why.
   */
  relCI: [number, number];
  /** Welch's t and df (also reported at interim checks, where they decide nothing). */
  t: number;
  df: number;
  /** Final: Welch two-sided p. Interim: always-valid mixture p-value min(1, 1/Λ). */
  pValue: number;
  /** Final: Holm across the KPIs with data. Interim: Bonferroni (K × p), matching the CS level. */
  adjustedP: number;
  classification: KpiClassification;
  /** Interval of diff on the same basis as relCI. */
  diffCI?: [number, number];
  /** Coverage of diffCI/relCI for this KPI (e.g. 0.95, or 0.975 for a Bonferroni-split CS). */
  intervalLevel?: number;
  /** Statistical caveats: too_few_samples, zero_variance, zero_control_mean, non_finite. */
  flags?: string[];
}

export type CanaryDecision = 'Proceed' | 'Rollback' | 'Inconclusive';

export interface CanaryVerdict {
  decision: CanaryDecision;
  /** Name of the rule that fired, e.g. `guardrail_degraded`, `primary_improved`. */
  rule: string;
  reason: string;
  confidenceLevel: number;
  nonInferiorityMargin: number;
  kpis: KpiEvidence[];
  /** True when the verdict stops the canary (final check or a clear interim result). */
  final: boolean;
  /** Final check: Welch + Holm. Interim checks: normal-mixture confidence sequence + Bonferroni. */
  method: 'welch_fixed_horizon' | 'confidence_sequence';
  /** Mixing sd (standardized effect) of the confidence sequence, on interim verdicts. */
  csTau?: number;
}
