import type { Card } from '../config/card';
import type { VvtvMetricRow } from '../adapters/metrics-store';
import type { SlotRecord } from '../domain/replay';

/**
 * The KPIs the simulated world measures, by the names the card's `kpis` use. Rows store them as
 * VVTV does (`selectionentropy`; src/domain/metric-names.ts). VVTV itself writes the first three;
 * `engagement_proxy` stands for a viewer metric VVTV does not have (written only when asked for).
 */
export const METRIC_TYPES = ['selection_entropy', 'novelty_temporal_kld', 'curator_apply_budget_used_pct', 'engagement_proxy'] as const;
export type SimMetricType = (typeof METRIC_TYPES)[number];

/** One business_metrics row exactly as VVTV stores it (src/adapters/metrics-store/vvtv-writer.ts). */
export type MetricRow = VvtvMetricRow;

/** Where the simulator puts its slot records (a JSONL file: src/adapters/slot-log). */
export interface SlotLogSink {
  write(records: SlotRecord[]): void;
}

export interface MetricSink {
  insert(rows: MetricRow[]): void;
}

export interface CanaryOverlay {
  canary_id: string;
  /** Share of slots that play the overlay card, in (0, 1). */
  traffic_percentage: number;
  card: Card;
  card_sha: string;
}

/** What the planner currently plays: the live card and, during a canary, the overlay. */
export interface CardSnapshot {
  card: Card;
  cardSha: string;
  overlay: CanaryOverlay | null;
}

/** Re-read by the simulator once per tick (the caller reads the card files). */
export type CardSource = () => CardSnapshot;

export type TunedParameter = 'temperature' | 'top_k' | 'plan_selection_bias' | 'epsilon';

/**
 * A region of one parameter where viewers suffer: while the slot's value lies above `above`
 * and below `below` (either bound may be absent), engagement is multiplied by (1 − severity)
 * and the curator wants (1 + severity) times as many corrections.
 */
export interface HarmfulRegion {
  parameter: TunedParameter;
  above?: number;
  below?: number;
  severity: number;
}

/** The curator's token bucket, per group. */
export interface CuratorConfig {
  /**
   * Bucket size and refill, in corrections per simulated hour. When absent the curator gets
   * 2 corrections per slot (VVTV's 120 tokens an hour at one slot a minute) at any slot rate.
   */
  capacityPerHour?: number;
  refillPerHour?: number;
  /** Items below this curation score are corrected. */
  minCuration?: number;
}

export interface SimulatorOptions {
  channel: string;
  seed: number | string;
  catalogSize?: number;
  candidatesPerSlot?: number;
  /** Standard deviation of the engagement noise; other metrics get it scaled to their range. */
  noise?: number;
  /** Slow change of the catalog's engagement and trending scores per simulated hour. */
  drift?: number;
  harmfulRegion?: HarmfulRegion;
  /** Target age histogram (0-12 h, 12-24 h, > 24 h) of novelty_temporal_kld. */
  ageTarget?: [number, number, number];
  curator?: CuratorConfig;
  /** Simulated slots per hour: the curator's allowance and the drift clock. Default 3600 · 5. */
  slotsPerHour?: number;
  /** The planner's batch size: how many plans a slot picks when the card has no selection.top_k (VVTV's default 12). */
  batchSize?: number;
  /** The slot number the next run starts at, so that a restart continues. */
  startSlot?: number;
  /**
   * Whether the planner meets the overlay contract (docs/vvtv-integration.md): plays the overlay
   * card on its share of slots and tags every row written during a canary with `group` and
   * `canary_id`. False: an unmodified VVTV, which ignores the overlay. Default true.
   */
  honourOverlay?: boolean;
  /**
   * With honourOverlay: also compute, for every canary-time slot, what the other arm would air
   * from the same slot seed, and tag each row with `paired_triggered`, `control_prediction` and
   * `canary_prediction` (the overlay contract's optional paired tags). False: a planner that
   * meets only the basic contract. Default true.
   */
  pairArms?: boolean;
  /** Also write `engagementproxy` rows (the viewer metric VVTV lacks). Default true. */
  engagement?: boolean;
  /** Name the channel in every row's context under this key (several channels in one database). */
  channelKey?: string;
  source: CardSource;
  sink: MetricSink;
  /**
   * The slot log (optional extension of the overlay contract, docs/vvtv-integration.md): every
   * logged slot's candidates, seed, card, choice, KPI values and per-plan rewards, for the offline
   * replay. Absent: nothing is logged (VVTV as it is).
   */
  slotLog?: SlotLogSink;
  /** Share of slots logged (a stable hash of the slot). Default 1. */
  slotLogShare?: number;
  /** Errors inside the timer are reported here, never thrown. */
  onError?: (err: unknown) => void;
}
