/** The learning optimizer (1.3, 1.4): model of past canaries → proposals within bounds. */
export { optimize, directionEventsOf, type Candidate, type CandidateMove, type OptimizerResult } from './optimize';
export { proposeForCycle, type CycleProposal, type ProposalSource } from './propose';
export { fitModel, predict, priorSlope, interaction, type FittedModel, type FitOptions } from './model';
export {
  predictObjective,
  forecastCanary,
  canarySe,
  bandDistance,
  objectiveOfLevels,
  type ObjectivePrediction,
  type CanaryForecast,
} from './objective';
export { headingOutOfBand, projectTrends, DEFAULT_TREND_HORIZON_HOURS } from './trends';
export { experimentsFromCycles, experimentOf, relativeSe, type CycleWithCanary } from './experiments';
export type { Experiment, CanaryPlan, OptimizerOptions, OptimizerInput, Prediction, OfflineEvidence, OfflineMove } from './types';
export { offlineMoveOf, offlineImpactOf } from './offline';
export { learnedVarianceShare, withLearnedVariance, type LearnedVariance, type VarianceShareOptions } from './variance';
