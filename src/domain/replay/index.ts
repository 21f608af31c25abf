/** Offline replay of candidate cards on logged slots: exact selection KPIs, importance-weighted viewer KPIs. */
export {
  SlotRecordSchema,
  SlotCandidateSchema,
  ReplayParamsSchema,
  SLOT_RECORD_VERSION,
  type SlotRecord,
  type SlotCandidate,
  type ReplayParams,
  type SelectionEngine,
} from './record';
export {
  inclusionProbabilities,
  plackettLuceExpectation,
  plackettLuceRanks,
  positionRemoval,
  type RankCache,
  type ScoredPlan,
} from './inclusion';
export {
  replaySlots,
  prepareReplay,
  REPLAYED_KPIS,
  DEFAULT_REWARD_KPI,
  type ReplayOptions,
  type ReplayResult,
  type KpiReplay,
  type PreparedReplay,
} from './replay';
export {
  offlineEvidence,
  recordsOfCard,
  replayMoves,
  movedParams,
  REPLAYED_CARD_PATHS,
  DEFAULT_REPLAY_SETTINGS,
  type ReplaySettings,
} from './evidence';
