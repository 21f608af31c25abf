import type { BoundsPolicy, DirectionEvent } from '../bounds';
import type { OverrideRange, ProposalRule } from '../parameters';
import type { KpiDef, ParamDef, ParameterBounds, WindowAnalysis } from '../types';

/**
 * One past canary seen as an experiment: the parameters it started from, what it changed,
 * and the relative effect it measured on each KPI (canary vs control), with its standard error.
 */
export interface Experiment {
  /** Cycle (or canary) id. */
  id: string;
  /** When the canary ended (ISO). */
  at: string;
  /** Parameter values of the control group (the live card). */
  base: Record<string, number>;
  /** newValue − oldValue of every parameter the canary changed. */
  deltas: Record<string, number>;
  outcome: 'promoted' | 'rolled_back';
  /** Where it comes from: a canary (absent) or the offline replay (a pseudo-experiment, no outcome of its own). */
  source?: 'replay';
  /** Measured relative difference per KPI and its delta-method standard error. */
  effects: Record<string, { relDiff: number; relSe: number }>;
  /**
   * Per KPI, the share of the raw estimate's variance the canary's variance reduction removed
   * (its final verdict's report; absent: none recorded, e.g. an older verdict or a replay).
   */
  varianceReduction?: Record<string, number>;
}

/** One move replayed offline on the slot log (src/domain/replay/evidence.ts): per KPI its predicted relative effect. */
export interface OfflineMove {
  /** newValue − current value of every parameter the move changes. */
  deltas: Record<string, number>;
  /** Slots replayed, and how many of them the move changes. */
  slots: number;
  changed: number;
  kpis: Record<string, { relDiff: number; relSe: number; method: 'exact' | 'ips' | 'dm'; essShare?: number }>;
}

/**
 * The offline replay's evidence for one cycle: the moves it replayed around the current card, and
 * the same as pseudo-experiments for the model. The moves are replayed on the same logged slots,
 * so their errors are correlated: `covariance` holds, per KPI, the covariance of the moves'
 * relDiff estimates (the slots' shared sampling error, the slate model's coefficients, and a
 * slope bias per parameter step shared by every move of that parameter), and the model fits the
 * moves as one correlated measurement (generalised least squares). Each pseudo-experiment's
 * relSe is the square root of its diagonal entry.
 */
export interface OfflineEvidence {
  /** When the replay ran (ISO), and the log window it read. */
  at: string;
  slots: number;
  /** Logged slots whose selection the engine did not reproduce (left out). */
  mismatched: number;
  moves: OfflineMove[];
  experiments: Experiment[];
  /**
   * Per KPI, the moves' error covariance, the upper triangle row by row (packedIndex in
   * linalg.ts), in the order of `moves`; entries of a move without the KPI are 0. Absent (evidence
   * from before it existed): each experiment counts on its own with its relSe.
   */
  covariance?: Record<string, number[]>;
}

/** How the coming canary will measure (to predict whether a change can pass it). */
export interface CanaryPlan {
  durationMinutes: number;
  /** Share of traffic on the canary, e.g. 0.2. */
  trafficShare: number;
  confidenceLevel: number;
  nonInferiorityMargin: number;
  /**
   * Slots the whole canary will see (both groups). When absent: the analysis window's rate of
   * samples per hour × durationMinutes (an accelerated simulation samples its days sparsely).
   */
  expectedSamples?: number;
  /** Group-sequential stages of durationMinutes each (the config's canary.max_stages); 1 when absent. */
  maxStages?: number;
  /** The judge's bandPrimaryEstimate (canary/judge-input.ts): a band correction's primary estimate within its margin. Default true. */
  bandPrimaryEstimate?: boolean;
  /**
   * Per KPI, the share of the raw variance the judge's variance reduction is expected to leave
   * (the canary's se scales by its square root); absent or missing KPI: 1, the raw variance.
   * optimize() fills it from past canaries (variance.ts) unless forecastVarianceReduction is false.
   */
  varianceShare?: Record<string, number>;
}

/**
 * The "Default" of each option is what optimize() uses when a caller passes none (unit tests).
 * The product passes the config's optimizer section (src/config/schema.ts), whose defaults differ
 * where measurement said so: explore false, minProceedProbability 0.7 (docs/decision-quality.md).
 */
export interface OptimizerOptions {
  /** At most this many changes (the config's max_changes_per_cycle). */
  maxChanges: number;
  /** Multiplies every step (drift mode: < 1). Default 1. */
  stepScale?: number;
  /** Only Corrections (a KPI back into its band) and Rollbacks (drift mode). */
  correctionsOnly?: boolean;
  /**
   * The rule table (the config's `optimizer.rules`): the model's prior slopes and the cold-start
   * proposer's corrections. Default none: flat priors, and no rule proposals.
   */
  rules?: readonly ProposalRule[];
  /** Largest distance from the last known-good card, in steps of each parameter. Default 3. */
  trustRadiusSteps?: number;
  /** A change is proposed only if the canary is predicted to pass with at least this probability. Default 0.85. */
  minProceedProbability?: number;
  /** Smallest predicted objective gain worth a canary (objective units ≈ weighted relative change). Default 0.005. */
  minGain?: number;
  /** Exploration needs at least this predicted probability that no KPI is found degraded. Default 0.7. */
  minSafeProbability?: number;
  /** Allow Explorations at all. Default true. */
  explore?: boolean;
  /** Explore only parameters whose slope posterior sd is still ≥ this share of its prior sd. Default 0.5. */
  exploreAbove?: number;
  /** Cost of a rolled-back canary in objective units, for the exploration utility. Default 0.01. */
  rollbackCost?: number;
  /** No Exploration within this many days after a rolled-back canary (rollback budget). Default 7. */
  explorationCooldownDays?: number;
  /**
   * Judge a Correction on the band it brings back (issue 12: that KPI improved, nothing degraded
   * beyond its margin) rather than on the primary. Default true; false is the bench's ablation.
   */
  bandPurposes?: boolean;
  /**
   * A KPI whose 24 h trend projects it out of its band within this many hours is corrected now
   * (1.3, trends.ts). Default 24 (the next cycle); 0 turns projection off.
   */
  trendHorizonHours?: number;
  /**
   * Forecast each canary with the variance reduction recent canaries achieved per KPI
   * (variance.ts: the least of the last three, after two). Default true; false: raw variance.
   */
  forecastVarianceReduction?: boolean;
  /** Experiments lose half their weight after this many days (moving optimum). Default 14. */
  halfLifeDays?: number;
  /** Experiments lose weight with distance from the current card: Gaussian, this many steps. Default 3. */
  localitySteps?: number;
  /**
   * The curvature prior's scale: c_p ~ N(0, (5 % over this many steps)²). Default 2 (3 before
   * issue 12's last ablation); fewer steps is a looser prior (the data bend the response sooner).
   */
  curvatureSteps?: number;
  /**
   * The interaction prior's scale: d_pq ~ N(0, (5 % over this many steps of each)²). Default 3;
   * fewer steps let the replay's pairs and joint canaries show a ridge (a pair worth more than
   * its two halves) sooner.
   */
  interactionSteps?: number;
  /**
   * The model's misfit floor (relative sd, default 0.01): how far a measured move may sit from
   * the quadratic model, added to every measurement and every prediction (the config's
   * optimizer.misfit_sd; docs/decision-quality.md measures what it costs).
   */
  misfitSd?: number;
  /**
   * Which joint moves are candidates when maxChanges > 1. 'all' (default): every combination of
   * single candidates of different parameters. 'compensating': only those whose parts pull some
   * guardrail KPI in opposite directions, so that the whole moves it less than its larger part
   * does, and push no guardrail twice toward worse or toward the far edge of its band (a move
   * along a ridge, e.g. temperature down with top_k up keeping the slate's variety; optimize.ts
   * compensates). The pairs canaries vetoed
   * (temperature and top_k up together: the curator's budget) are left out.
   */
  jointMoves?: 'all' | 'compensating';
}

export interface OptimizerInput {
  /** ISO time of the decision (backoff, experiment ages). */
  now: string;
  analysis: WindowAnalysis;
  kpis: KpiDef[];
  params: ParamDef[];
  /** Current values, by parameter name. */
  current: Record<string, number>;
  /** Value in force 24 h ago (the daily delta is measured from it); `current` when absent. */
  reference?: Record<string, number>;
  /** The last card that passed a canary (trust-region center); `current` when absent. */
  lastKnownGood?: Record<string, number>;
  bounds: ParameterBounds[];
  /** Operator overrides: while active at `now` they replace the sliding range (never the hard limits). */
  overrides?: readonly OverrideRange[];
  experiments: Experiment[];
  /**
   * The offline replay of moves around the current card (a second, biased source beside past
   * canaries; absent without a slot log). Its pseudo-experiments join the model's data; they never
   * count as canaries (backoff, cooldown), and each proposal carries its move's offline prediction.
   */
  offline?: OfflineEvidence;
  /** Promotions and rollbacks per direction (for backoff); derived from experiments when absent. */
  directionEvents?: DirectionEvent[];
  boundsPolicy?: BoundsPolicy;
  canary: CanaryPlan;
  options: OptimizerOptions;
}

/** The model's prediction of a parameter move: per KPI relative effect, mean and sd. */
export interface Prediction {
  mean: Record<string, number>;
  sd: Record<string, number>;
  /** Experiments' total weight behind the prediction (0 = prior only). */
  evidence: number;
}
