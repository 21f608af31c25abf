/** The reference VVTV selection: candidate shape, seeded RNG and the selection itself. */
export { CandidateSchema, type Candidate } from './candidate';
export { createRng, cyrb128, hashString, type Rng, type Seed } from './rng';
export {
  selectPlans,
  scoreCandidate,
  recency,
  SCORE_WEIGHTS,
  RECENCY_HORIZON_HOURS,
  HD_MISSING_PENALTY,
  type SelectionOptions,
  type SelectionResult,
} from './select';
export { referenceSelectionEngine } from './engine';
export { slotSeed, DEFAULT_GLOBAL_SEED, DEFAULT_WINDOW_ID, type Seeding } from './seed';
