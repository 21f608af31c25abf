/**
 * The curator: it corrects what the planner should not have put on air (low curation scores,
 * and a first plan without its HD rendition), spending tokens from an hourly bucket per group.
 */
import type { Candidate } from '../adapters/selection';
import type { Group } from '../domain/types';
import type { CuratorConfig } from './types';

/** Corrections per slot the curator is given when no capacity is configured. */
export const DEFAULT_TOKENS_PER_SLOT = 2;
export const DEFAULT_MIN_CURATION = 0.35;

export interface CuratorOutcome {
  wanted: number;
  applied: number;
  /** The fair per-slot allowance: capacity per hour / slots per hour. */
  allowance: number;
  /** 100 · applied / allowance, capped at 100. */
  usedPct: number;
}

/** The number of corrections the curator wants for one slot's selection (in on-air order). */
export function correctionsWanted(selected: readonly Candidate[], minCuration = DEFAULT_MIN_CURATION): number {
  return selected.filter((c, i) => c.curation_score < minCuration || (i === 0 && c.hd_missing)).length;
}

/** One token bucket per group; buckets start full. */
export class Curator {
  private readonly tokens = new Map<Group, number>();

  constructor(private readonly config: CuratorConfig = {}) {}

  /**
   * Runs the curator on one slot: refill the group's bucket by one slot's share of the hourly
   * refill, apply min(wanted, tokens), and report the share of the per-slot allowance used.
   * Per slot rather than cumulative, so successive values are nearly independent.
   */
  slot(group: Group, wanted: number, slotsPerHour: number): CuratorOutcome {
    const capacity = this.config.capacityPerHour ?? DEFAULT_TOKENS_PER_SLOT * slotsPerHour;
    const refill = this.config.refillPerHour ?? capacity;
    const allowance = capacity / slotsPerHour;
    const before = Math.min(capacity, (this.tokens.get(group) ?? capacity) + refill / slotsPerHour);
    const applied = Math.max(0, Math.min(wanted, before));
    this.tokens.set(group, before - applied);
    const usedPct = allowance > 0 ? Math.min(100, (100 * applied) / allowance) : 100;
    return { wanted, applied, allowance, usedPct };
  }

  /** What `slot` would apply for a group, without spending: the paired overlay's counterfactual. */
  wouldApply(group: Group, wanted: number, slotsPerHour: number): number {
    const capacity = this.capacity(slotsPerHour);
    const refill = this.config.refillPerHour ?? capacity;
    const before = Math.min(capacity, (this.tokens.get(group) ?? capacity) + refill / slotsPerHour);
    return Math.max(0, Math.min(wanted, before));
  }

  /** The bucket's size in tokens. */
  capacity(slotsPerHour: number): number {
    return this.config.capacityPerHour ?? DEFAULT_TOKENS_PER_SLOT * slotsPerHour;
  }

  /** Tokens left in a group's bucket (a full bucket before its first slot). */
  available(group: Group, slotsPerHour: number): number {
    return this.tokens.get(group) ?? this.config.capacityPerHour ?? DEFAULT_TOKENS_PER_SLOT * slotsPerHour;
  }
}
