/** The VVTV stand-in: a synthetic catalog, audience and curator that write business metrics. */
export { Simulator, isCanarySlot, TICK_MS, type BackfillResult } from './simulator';
export { generateCatalog, KIND_PROFILES, JUNK_SHARE, HD_MISSING_SHARE, type CatalogOptions, type KindProfile } from './catalog';
export { Curator, correctionsWanted, DEFAULT_TOKENS_PER_SLOT, DEFAULT_MIN_CURATION, type CuratorOutcome } from './curator';
export {
  kindEntropyBits,
  ageHistogram,
  noveltyKld,
  positionWeights,
  varietyFactor,
  engagementProxy,
  inHarmfulRegion,
  DEFAULT_AGE_TARGET,
  KLD_SMOOTHING,
  VARIETY_PEAK_BITS,
  VARIETY_WIDTH_BITS,
} from './metrics';
export { World, CATALOG_EPOCH, type WorldOptions, type SlotContext, type SlotOutcome } from './world';
export {
  METRIC_TYPES,
  type SimMetricType,
  type MetricRow,
  type MetricSink,
  type CanaryOverlay,
  type CardSnapshot,
  type CardSource,
  type TunedParameter,
  type HarmfulRegion,
  type CuratorConfig,
  type SimulatorOptions,
} from './types';
