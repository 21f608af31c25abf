/**
 * Domain values shared by the pure core, the activities and the workflows.
 * No Node imports here: this file is bundled into workflow code.
 */
import type { ParameterSpec } from './parameter-spec';

export type Group = 'control' | 'canary';
export type KpiGoal = 'maximize' | 'minimize';
export type KpiRole = 'primary' | 'guardrail';

/** What the domain needs to know of a KPI (a subset of the config's KpiSpec). */
export interface KpiDef {
  name: string;
  /** business_metrics.metric_type of its rows; absent: VVTV's form of `name` (domain/metric-names.ts). */
  metric_type?: string;
  goal: KpiGoal;
  role: KpiRole;
  weight: number;
  /** Relative worsening tolerated before Degraded (0 = any significant worsening). */
  tolerance?: number;
  target_min?: number;
  target_max?: number;
}

/** A tuned parameter: the config's ParameterSpec (src/domain/parameter-spec.ts). */
export type ParamDef = ParameterSpec;

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
  /** Sen's rank-based interval of slopePerHour at `confidence` (±Infinity: too few hours). */
  slopeCI?: [number, number];
  /** Interval of the level: t interval over the hourly means. */
  levelCI?: [number, number];
  /** Hours of the window with data. */
  hoursCovered?: number;
  /** Level of slopeCI, levelCI and vsPreviousDays.relCI. */
  confidence?: number;
  /** The window against the same hours of up to 7 earlier days; null without earlier data. */
  vsPreviousDays?: SeasonalComparison | null;
  /**
   * Set by the proposer's trend projection (optimizer/trends.ts): this KPI was inside its band
   * but heads out of it; `mean`/`position` are the projected ones, this is the measured mean.
   */
  projectedFrom?: { mean: number; horizonHours: number };
}

/** The window's hourly means against the same UTC hours of earlier days (paired by hour). */
export interface SeasonalComparison {
  /** Earlier days that contributed at least one matched hour. */
  days: number;
  matchedHours: number;
  /** Mean over matched hours of the window's hourly means, and of the earlier days' means. */
  windowMean: number;
  baselineMean: number;
  /** (windowMean − baselineMean) / |baselineMean| */
  relChange: number;
  /** t interval of the paired hourly differences, relative to |baselineMean|. */
  relCI: [number, number];
}

export interface WindowAnalysis {
  channel: string;
  from: string;
  to: string;
  kpis: KpiAnalysis[];
  /** False when any KPI is unusable: bad data never turns into a proposal. */
  usable: boolean;
  /** Rows per hour over the last 10 minutes (the pace the coming canary will see). */
  recentRatePerHour?: number;
}

// ---------------------------------------------------------------- proposals

export type ChangeType = 'Optimization' | 'Correction' | 'Exploration' | 'Rollback';

/**
 * What a move is for, and so what its canary must show (issue 12): `primary` (the default) needs
 * the primaries improved or non-inferior; `band` brings one KPI back into its target band
 * (`direction` +1 up, −1 down) and needs that KPI improved in that direction, no KPI degraded
 * beyond its margin (the primary's is the non-inferiority margin).
 */
export type ChangePurpose = { kind: 'primary' } | { kind: 'band'; kpi: string; direction: 1 | -1 };

export interface ParameterChange {
  parameter: string;
  cardPath: string;
  oldValue: number;
  newValue: number;
  changeType: ChangeType;
  /** The rule that produced it, e.g. `entropy_below_target`. */
  rule: string;
  /** What the move is for (the canary judges it on that); the primary when absent. */
  purpose?: ChangePurpose;
  rationale: string;
  /** Predicted relative change per KPI (0.05 = +5 %). */
  expectedImpact: Record<string, number>;
  /** 0..1 */
  confidence: number;
  /** Standard deviation of each expectedImpact (the model's predictive uncertainty). */
  expectedImpactSd?: Record<string, number>;
  /**
   * The offline replay's prediction of this move alone (src/domain/replay), per KPI: relative
   * effect and its standard error before the bias allowance. Absent without a slot log.
   */
  offlineImpact?: Record<string, { relDiff: number; relSe: number }>;
  /** The optimizer's numbers behind the choice. */
  prediction?: {
    /** Predicted change of the objective (weighted, goal-signed relative KPI changes) and its sd. */
    objectiveGain: number;
    objectiveSd: number;
    /** Predicted probability that the canary lets the change through. */
    pProceed: number;
    /** Total (decayed, locality-weighted) weight of the experiments behind it; 0 = prior only. */
    evidence: number;
  };
}

// ---------------------------------------------------------------- bounds

export interface ParameterBounds {
  parameter: string;
  min: number;
  max: number;
  hardMin: number;
  hardMax: number;
  /** Rollbacks involving this parameter since the last contraction or expansion (2.3). */
  rollbackCount: number;
  /**
   * ISO time of the last change to this parameter's bounds state: min/max (expansion or
   * contraction) or a rollback. Stability (2.2) is measured from it.
   */
  updatedAt: string;
}

/** One recorded change of a parameter's sliding range, with its rationale (2.1-2.3). */
export interface BoundsAdjustmentRecord {
  channel: string;
  parameter: string;
  at: string;
  /** Same kinds as the state store's bounds_adjustments rows (triage: weekly triage feedback, 7.5). */
  kind: 'init' | 'expand' | 'contract' | 'override' | 'manual' | 'triage';
  old_min: number | null;
  old_max: number | null;
  new_min: number;
  new_max: number;
  rationale: string;
}

export type BoundsRule = 'hard_limit' | 'sliding_bounds' | 'daily_delta' | 'integer' | 'no_change' | 'non_finite' | 'unknown_parameter';

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
  /**
   * Degrees of freedom of `sd` when they are not n − 1: a regression-adjusted summary
   * (canary/adjust.ts) has lost one per covariate, a triggered-slot summary counts only the
   * triggered rows. Welch's df uses it; absent = n − 1.
   */
  df?: number;
}

/** One group's finite values of one KPI as the metrics store aggregates them: enough for a GroupSummary. */
export interface GroupMoments {
  n: number;
  /** 0 when n = 0. */
  mean: number;
  /** Sum of squared deviations from the mean (Welford's M2). */
  m2: number;
  /** Rows whose value is ±Infinity, left out of n, mean and m2 (NaN cannot be stored). */
  nonFinite: number;
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
   * Interval of relDiff. Final check: Welch/delta-method CI at confidenceLevel (it decides
   * non-inferiority, an intersection-union test that needs no multiplicity correction). Interim
   * check: the always-valid confidence sequence that decides the KPI's better side (primaries:
   * the Proceed family's level; guardrails: confidenceLevel, for non-inferiority); harmRelCI is
   * the Rollback family's. ±Infinity (null in JSON) when unbounded; `flags` says why.
   */
  relCI: [number, number];
  /** Welch's t and df (also reported at interim checks, where they decide nothing). */
  t: number;
  df: number;
  /** Final: Welch two-sided p. Interim: always-valid mixture p-value min(1, 1/Λ). */
  pValue: number;
  /**
   * On the scale of alpha (significant ⟺ adjustedP < 1 − confidenceLevel): the smaller of
   * adjustedPBetter and adjustedPWorse, each divided by the level its family tests it at and
   * multiplied by alpha. See canary/judge.ts for the two families.
   */
  adjustedP: number;
  classification: KpiClassification;
  /** Interval of diff on the same basis as relCI. */
  diffCI?: [number, number];
  /** Coverage of diffCI/relCI for this KPI (e.g. 0.95, or 0.975 for a Bonferroni-split CS). */
  intervalLevel?: number;
  /** Statistical caveats: too_few_samples, zero_variance, zero_control_mean, non_finite. */
  flags?: string[];
  /** One-sided p that the canary is better (final: Welch t; interim: always-valid, see the judge). */
  pBetter?: number;
  /** One-sided p that the canary is worse. */
  pWorse?: number;
  /** pBetter adjusted within the Proceed family (Holm over the primaries); 1 for guardrails. */
  adjustedPBetter?: number;
  /** pWorse adjusted within the Rollback family (Holm over every KPI with data). */
  adjustedPWorse?: number;
  /** Interim checks: the Rollback family's interval of relDiff (it decides Degraded). */
  harmRelCI?: [number, number];
  /**
   * The interval whose worse end decides non-inferiority: two-sided at 1 − 2·alpha, i.e. a
   * one-sided check at the full alpha (intersection-union, no multiplicity correction).
   */
  niRelCI?: [number, number];
}

/** How the judge spends alpha (1 − confidenceLevel): two directional families, see canary/judge.ts. */
export interface ErrorControl {
  alpha: number;
  /** Share of each family's alpha that sets the interim sequences' nominal (Ville) level. */
  interimShare: number;
  /** "The primaries improved": one-sided, better direction, Holm over the primaries. */
  proceed: ErrorFamily;
  /** "Something got worse": one-sided, worse direction, Holm over every KPI with data. */
  harm: ErrorFamily;
  /** Group-sequential stages (issue 12): this look's stage, the planned number, and its share of each stage-end budget. */
  stage?: number;
  maxStages?: number;
  stageShare?: number;
}

export interface ErrorFamily {
  /** The family's whole share of alpha (interim + final). */
  alpha: number;
  /** Level of this stage end's (fixed-horizon) Holm test: (alpha − interimSpent) × the stage's share. */
  finalAlpha: number;
  /** Final check: what the interim sequences spent (their computed crossing probability). */
  interimSpent: number;
  /** KPIs in the family at this check. */
  kpis: string[];
  /** Coverage of each KPI's two-sided interim confidence sequence. */
  interimLevel: number;
}

export type CanaryDecision = 'Proceed' | 'Rollback' | 'Inconclusive';

/** The judge's rules, one name per way a check can end (3.2-3.4). */
export type VerdictRule =
  | 'primary_degraded'
  | 'guardrail_degraded'
  | 'insufficient_data'
  | 'primary_improved'
  | 'primary_non_inferior'
  | 'band_corrected'
  | 'no_confident_result'
  | 'continue_monitoring'
  | 'continue_next_stage'
  | 'sample_ratio_mismatch'
  | 'placebo_failed';

// ---------------------------------------------------------------- variance reduction (issue 12)

/** A sample-ratio test of the canary's share of some rows (canary/paired.ts). */
export interface SrmCheck {
  /** The planned canary share, the rows counted and the canary's among them. */
  share: number;
  total: number;
  canary: number;
  observedShare: number;
  pValue: number;
  passed: boolean;
}

/** Control against canary where the treatment cannot act (untriggered rows). */
export interface PlaceboCheck {
  control: GroupSummary;
  canary: GroupSummary;
  relDiff: number;
  pValue: number;
  passed: boolean;
}

export type VarianceReductionMethod = 'raw' | 'cuped' | 'triggered' | 'triggered_cuped';

/** What was done to one KPI's summaries, stored with every canary check. */
export interface KpiVarianceReduction {
  method: VarianceReductionMethod;
  covariates: string[];
  /** The pooled slope, or the control group's with per-arm slopes (canary/adjust.ts). */
  theta: number[];
  /** Which slope the regression adjustment fitted: one pooled, or each group its own (Lin). */
  slopes?: 'pooled' | 'per_arm';
  thetaByGroup?: { control: number[]; canary: number[] };
  /**
   * 1 − Var(effect estimate) / Var(raw difference of means), from the summaries: how much of the
   * raw estimate's variance the techniques removed (0 = none; the MDE scales with √(1 − this)).
   */
  varianceReduction: number;
  /** Why a technique was not applied (missing covariate, no tags, too few rows...). */
  notes: string[];
  paired?: {
    triggeredShare: number;
    triggered: { control: number; canary: number };
    srmAll: SrmCheck;
    srmTriggered: SrmCheck;
    /** Null when the untriggered rows are too few to test. */
    placebo: PlaceboCheck | null;
  };
}

export interface CanaryVerdict {
  decision: CanaryDecision;
  /** The rule that fired. */
  rule: VerdictRule;
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
  /** The two error families and their levels. */
  errorControl?: ErrorControl;
  /** What the judged move was for (absent on verdicts older than purposes: the primary). */
  purpose?: ChangePurpose;
  /** The stage this look belongs to, of how many planned (absent on older verdicts: 1 of 1). */
  stage?: number;
  maxStages?: number;
  /** Per KPI, what variance reduction the measurement applied (absent: none, or an older verdict). */
  varianceReduction?: Record<string, KpiVarianceReduction>;
}
