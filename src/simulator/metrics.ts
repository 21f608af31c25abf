/**
 * The per-slot metric formulas: what VVTV's planner and curator would report about one slot,
 * computed from what was actually selected. The formulas live in src/domain/slot-metrics.ts (the
 * offline replay uses them too); noise and scenarios live in world.ts.
 */
import type { SelectionParams } from '../config/card';
import type { HarmfulRegion } from './types';

export {
  DEFAULT_AGE_TARGET,
  KLD_SMOOTHING,
  VARIETY_PEAK_BITS,
  VARIETY_WIDTH_BITS,
  kindEntropyBits,
  ageHistogram,
  noveltyKld,
  positionWeights,
  varietyFactor,
  engagementProxy,
} from '../domain/slot-metrics';

/** Whether the slot's parameter value lies inside the harmful region (both bounds exclusive). */
export function inHarmfulRegion(region: HarmfulRegion | undefined, params: SelectionParams): boolean {
  if (!region || (region.above === undefined && region.below === undefined)) return false;
  const v = params[region.parameter];
  return (region.above === undefined || v > region.above) && (region.below === undefined || v < region.below);
}
