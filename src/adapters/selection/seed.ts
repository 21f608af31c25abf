/**
 * Which random stream a slot's selection draws from, after the card's `selection.seed_strategy`
 * and `scheduling.window_id` / `scheduling.global_seed` (VVTV's defaults 0 and 42 when absent).
 *
 * - `slot_hash` (VVTV's default): every slot its own stream, from (channel, slot, window_id,
 *   global_seed). At the default window and global seed the seed is `<channel>:<slot>`.
 * - `window`: every slot of one programming window shares a stream, from (channel, window_id,
 *   global_seed): with the same candidates, each slot of the window plays the same order.
 * - `global`: one stream for the channel, from (channel, global_seed), whatever the slot.
 *
 * VVTV's own planner (vvtv-core plan/planner.rs at the time of writing) always hashes (slot
 * epoch, window_id, global_seed), whatever seed_strategy says, and only Gumbel-top-k uses it; the
 * reference selection honours the strategy so that the simulator shows what each one would do.
 */
import type { SeedStrategy } from '../../config/card';

export interface Seeding {
  strategy: SeedStrategy;
  windowId?: number | null;
  globalSeed?: number | null;
}

export const DEFAULT_WINDOW_ID = 0;
export const DEFAULT_GLOBAL_SEED = 42;

export function slotSeed(channel: string, slot: number, seeding: Seeding = { strategy: 'slot_hash' }): string {
  const windowId = seeding.windowId ?? DEFAULT_WINDOW_ID;
  const globalSeed = seeding.globalSeed ?? DEFAULT_GLOBAL_SEED;
  const w = windowId === DEFAULT_WINDOW_ID ? '' : `:w${windowId}`;
  const g = globalSeed === DEFAULT_GLOBAL_SEED ? '' : `:g${globalSeed}`;
  switch (seeding.strategy) {
    case 'slot_hash':
      return `${channel}:${slot}${w}${g}`;
    case 'window':
      return `${channel}:window:${windowId}${g}`;
    case 'global':
      return `${channel}:global${g}`;
    default:
      throw new RangeError(`selection.seed_strategy: unknown strategy ${String(seeding.strategy)}`);
  }
}
