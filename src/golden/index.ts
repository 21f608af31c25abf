/** The golden set (6.x): model, loader, runner (worker-thread pool, external engine), cache, maintenance, coverage. */
export {
  GoldenSetSchema,
  PinnedCaseSchema,
  InvariantCaseSchema,
  CheckSchema,
  SelectionOverridesSchema,
  applyOverrides,
  type GoldenSet,
  type PinnedCase,
  type InvariantCase,
  type Check,
  type CheckType,
  type ResolvedCase,
  type SelectionOverrides,
} from './model';
export { loadGoldenSets, parseGoldenSet, goldenSetHash, defaultGoldenPath } from './load';
export { resolveCases, generateCandidates } from './resolve';
export { planCase, judgeCase, answerProbes, caseParams, type CaseResult, type CasePlan } from './evaluate';
export { referenceHdFirstProbability, type CheckFailure } from './invariants';
export { orderDiff } from './diff';
export {
  runGolden,
  createGoldenPool,
  referenceEngineVersion,
  evaluatorVersion,
  type GoldenRunResult,
  type GoldenStatus,
  type FailureAnalysis,
  type RunGoldenOptions,
} from './runner';
export { WorkerPool, GoldenTimeoutError, GoldenAbortedError, defaultPoolSize } from './pool';
export { callExternal, EXTERNAL_PROTOCOL, type ExternalEngine } from './external';
export { GoldenCache, sha256Of } from './cache';
export { expectedOrder, pinExpectations, renderGoldenSetYaml } from './generator';
export {
  regenerateExpectations,
  renderRegenerationReport,
  writeRegenerationReview,
  type Regeneration,
  type SelectionConfig,
} from './maintenance';
export { analyzeCoverage, EDGE_CASES, type CoverageReport, type EdgeCase } from './coverage';
export { buildDefaultGoldenSet } from './default-set';
