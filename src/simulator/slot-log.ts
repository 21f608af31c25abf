/**
 * The slot log the simulator writes when asked (the optional extension of the overlay contract,
 * docs/vvtv-integration.md): one record per logged slot with what the offline replay needs.
 */
import type { SelectionParams } from '../config/card';
import { hashString } from '../adapters/selection';
import { SLOT_RECORD_VERSION, type SlotRecord } from '../domain/replay';
import type { Group } from '../domain/types';
import type { SlotOutcome } from './world';
export type { SlotLogSink } from './types';

/** Whether `slot` is logged at this share: a stable hash of (channel, slot), like the canary's split. */
export function isLoggedSlot(channel: string, slot: number, share: number): boolean {
  return share >= 1 || hashString(`${channel}:log:${slot}`) % 10000 < share * 10000;
}

export function slotRecordOf(
  slot: { channel: string; slot: number; at: Date; now: Date; cardSha: string; group: Group | null; params: SelectionParams },
  outcome: SlotOutcome,
): SlotRecord {
  return {
    v: SLOT_RECORD_VERSION,
    channel: slot.channel,
    slot: slot.slot,
    at: slot.at.toISOString(),
    card_sha: slot.cardSha,
    group: slot.group,
    params: { ...slot.params },
    seed: outcome.seed,
    now: slot.now.toISOString(),
    candidates: outcome.candidates,
    chosen: outcome.order.map((c) => c.plan_id),
    kpis: { ...outcome.values },
    ...(outcome.rewards ? { rewards: outcome.rewards } : {}),
  };
}
