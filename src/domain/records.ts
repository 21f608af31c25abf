/**
 * What the autopilot stores about its own work, in domain terms: the cycle record (what one daily
 * cycle saw and decided), the canary log (every check with its time; the verdict's one owner), the
 * audit log, drift events and triage reports. The ports in ports.ts store and read these.
 * No Node imports: workflow code uses these types.
 */
import type { MayRunAnswer } from './governor';
import type {
  BoundsAdjustmentRecord,
  BoundsDecision,
  CanaryDecision,
  ChangePurpose,
  CanaryVerdict,
  KpiDef,
  ParameterChange,
  WindowAnalysis,
} from './types';

// ---------------------------------------------------------------- the cycle

/** Where a running cycle is; `finished` once its record is final. */
export type CyclePhase =
  | 'starting'
  | 'reading_card'
  | 'analysing'
  | 'proposing'
  | 'checking_bounds'
  | 'storing_version'
  | 'golden'
  | 'canary'
  | 'settling'
  | 'finished';

export type CycleStatus = 'running' | 'completed' | 'failed';

/** How a cycle ended: one value per end of the plan (1.1-1.5, 6.3, 9.2, 10.3). */
export type CycleOutcome =
  | 'promoted'
  | 'rolled_back'
  | 'no_change'
  | 'rejected_by_bounds'
  | 'skipped_paused'
  | 'skipped_bad_data'
  | 'invalid_card'
  | 'golden_failed'
  | 'invalid_input'
  | 'failed';

export type CycleTrigger = 'schedule' | 'manual';

/** The live card a cycle starts from. */
export interface CurrentCard {
  sha256: string;
  /** The tuned parameters' values, only for parameters this cycle may move. */
  values: Record<string, number>;
  versionId: string;
  /** Parameters whose card field is absent and that have no value_when_absent: not tuned this cycle. */
  skipped: SkippedParameter[];
  /** Parameters whose card field is absent, tuned from their value_when_absent. */
  fromAbsent: string[];
  /** The KPIs this cycle judges by: the config's, or the card's when the config names none. */
  kpis: KpiDef[];
  kpiSource: KpiSource;
}

/** A tuned parameter this cycle leaves alone because the card does not contain its field. */
export interface SkippedParameter {
  parameter: string;
  cardPath: string;
  reason: string;
}

export type KpiSource = 'config' | 'card';

/** Which proposer produced the cycle's changes. */
export type ProposalSource = 'optimizer' | 'rules' | 'operator' | 'none';

/** The optimizer's evidence for the cycle's proposal (the best candidates, what it skipped and why). */
export interface OptimizerSummary {
  reason: string | null;
  evidence: number;
  skipped: Array<{ parameter: string; direction: 1 | -1; reason: string }>;
  candidates: unknown[];
  /** The offline replay behind the model, when a slot log is configured: slots replayed and moves. */
  offline?: { slots: number; mismatched: number; moves: number };
  /**
   * The variance reduction the canary forecasts assumed (issue 12): per KPI the share of the raw
   * variance left, and the canaries (id, reduction measured) it was learned from.
   */
  canaryVariance?: { share: Record<string, number>; basis: Record<string, Array<{ id: string; reduction: number }>> };
}

/** One failed golden check, as the gate reports it (6.3). */
export interface GoldenFailure {
  case: string;
  check: string;
  message: string;
  kind?: string;
  description?: string;
  diff?: string[];
}

export type GoldenGateStatus = 'passed' | 'failed' | 'timed_out' | 'bypassed';

/** The golden gate's result (6.1-6.4). */
export interface GoldenGateResult {
  passed: boolean;
  bypassed: boolean;
  status: GoldenGateStatus;
  total: number;
  failed: number;
  /** The first failed checks with their analysis (all of them are in the decision). */
  failures: GoldenFailure[];
  cacheHit: boolean;
  durationMs: number;
  setHash?: string;
  engine?: string;
  /** Id of the stored decision (kind `golden`, or `golden_bypass`). */
  decisionId: number;
}

/** What the canary workflow returns: how it ended and the verdict it ended on. */
export interface CanaryResult {
  canaryId: string;
  outcome: 'promoted' | 'rolled_back';
  decision: CanaryDecision;
  /**
   * `judge`, `operator:<name>`, `emergency:<name>`, `paused:<name>`, `inconclusive_timeout`,
   * `promotion_guard`, `manual_edit` (the live card was edited during the canary, 10.5), `cancelled`, `failure`.
   */
  decidedBy: string;
  verdict: CanaryVerdict | null;
  checks: number;
  /** The group-sequential stage the canary stopped in (issue 12). */
  stage?: number;
  promotedSha?: string;
}

/**
 * How the cycle's canary ended. The verdict itself is owned by the canary log (CanaryRecord):
 * this only names it.
 */
export interface CanaryOutcomeRef {
  canaryId: string;
  outcome: 'promoted' | 'rolled_back';
  decision: CanaryDecision;
  decidedBy: string;
  /** The judge's rule at the last check (null: no check ran). */
  rule: string | null;
  checks: number;
  /** The group-sequential stage it stopped in, and the move's purpose (issue 12). */
  stage?: number;
  purpose?: ChangePurpose;
  promotedSha?: string;
}

/** History housekeeping after a cycle (5.4). */
export interface HistoryMaintenance {
  archived: number;
  archive?: string;
  integrityOk: boolean;
  problems: number;
  /** Temp files of interrupted history writes, removed before the check. */
  tempsRemoved?: string[];
}

/** What the governor did with the cycle's outcome (its actions, as it reports them). */
export type GovernorActions = string[];

/** Everything one cycle saw and decided, filled step by step; each part present once its step ran. */
export interface CycleReport {
  trigger: CycleTrigger;
  paused?: { paused: boolean; reason: string | null };
  governor?: MayRunAnswer;
  card?: CurrentCard;
  analysis?: WindowAnalysis;
  proposer?: ProposalSource;
  optimizer?: OptimizerSummary;
  proposals?: ParameterChange[];
  /** Operator-requested changes that were refused. */
  errors?: string[];
  bounds?: BoundsDecision[];
  golden?: GoldenGateResult;
  canary?: CanaryOutcomeRef;
  predictionError?: number;
  governorActions?: GovernorActions;
  history?: HistoryMaintenance;
  message?: string;
  error?: string;
}

export interface CycleRecord {
  cycle_id: string;
  channel: string;
  started_at: string;
  finished_at?: string | null;
  status: CycleStatus;
  outcome?: CycleOutcome | null;
  version_id?: string | null;
  canary_id?: string | null;
  report: CycleReport;
  error?: string | null;
}

/** The changes that went to the canary: proposals the bounds approved. */
export function shippedChanges(report: CycleReport): ParameterChange[] {
  const proposals = report.proposals ?? [];
  const decisions = report.bounds;
  if (!decisions) return proposals;
  return proposals.filter((p, i) => decisions[i]?.approved === true && decisions[i]?.parameter === p.parameter);
}

// ---------------------------------------------------------------- the canary log

export type CanaryStatusKind = 'running' | 'promoted' | 'rolled_back';

/** One interim or final check of a canary, with its index and when it was judged. */
export type CanaryCheck = CanaryVerdict & { checkIndex: number; at?: string };

export interface CanaryRecord {
  canary_id: string;
  channel: string;
  cycle_id: string;
  started_at: string;
  finished_at?: string | null;
  status: CanaryStatusKind;
  traffic_percentage: number;
  /** Every interim and final check, in order. */
  checks: CanaryCheck[];
  /** The verdict the canary ended on: this record is its one owner. */
  verdict?: CanaryVerdict | null;
  decided_by?: string | null;
}

// ---------------------------------------------------------------- the audit log

/** Every kind of audit record (8.4). */
export type DecisionKind =
  | 'analysis'
  | 'prediction_error'
  | 'switchback_plan'
  | 'proposal'
  | 'bounds'
  | 'bounds_update'
  | 'golden'
  | 'golden_gate'
  | 'golden_bypass'
  | 'golden_bypass_refused'
  | 'canary_verdict'
  | 'rollback'
  | 'rollback_refused'
  | 'rollback_failed'
  | 'triage'
  | 'alert'
  | 'pause'
  | 'emergency_pause'
  | 'resume'
  | 'bounds_override'
  | 'bounds_override_cleared'
  | 'bounds_override_expired'
  | 'governor_pause'
  | 'drift_mode'
  | 'drift_mode_left'
  | (string & {});

export interface DecisionRecord {
  id?: number;
  channel: string;
  cycle_id?: string | null;
  at: string;
  kind: DecisionKind;
  summary: string;
  payload: unknown;
}

// ---------------------------------------------------------------- drift and triage

/** A drift event: the rule (`kind`), its numbers, the action taken, and when it was resolved. */
export interface DriftEventRecord {
  id?: number;
  channel: string;
  at: string;
  kind: string;
  numbers: unknown;
  action: string;
  resolved_at?: string | null;
}

/** One weekly triage report per (channel, week_start). */
export interface TriageReportRecord {
  id: number;
  channel: string;
  week_start: string;
  created_at: string;
  report: unknown;
}

export type BoundsAdjustment = BoundsAdjustmentRecord;
