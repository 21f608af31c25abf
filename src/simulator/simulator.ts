/**
 * The VVTV stand-in: plays slot after slot with the live card (or, on canary slots, the
 * overlay card) and writes the planner's and curator's business metrics to a sink.
 */
import { selectionParams, VVTV_SELECTION_BATCH_SIZE, type Card } from '../config/card';
import { hashString } from '../adapters/selection';
import { rfc3339 } from '../adapters/metrics-store';
import { vvtvMetricType } from '../domain/metric-names';
import type { Group } from '../domain/types';
import { Curator } from './curator';
import { DEFAULT_AGE_TARGET } from './metrics';
import type { CardSnapshot, CardSource, MetricRow, MetricSink, SimMetricType, SimulatorOptions } from './types';
import type { SlotEvaluation } from './world';
import { CATALOG_EPOCH, World } from './world';
import { isLoggedSlot, slotRecordOf, type SlotLogSink } from './slot-log';
import type { SlotRecord } from '../domain/replay';

export const TICK_MS = 200;
/** `format!("{:?}", SelectionMethod)`: what VVTV's planner puts in `context.method`. */
const VVTV_METHOD_NAME: Record<Card['selection']['method'], string> = {
  gumbel_top_k: 'GumbelTopK',
  softmax: 'Softmax',
  greedy: 'Greedy',
  epsilon_greedy: 'EpsilonGreedy',
};
/** A tick never catches up more than this much wall time (after a stall or a sleep). */
const MAX_CATCH_UP_S = 5;
const BACKFILL_BATCH_SLOTS = 1000;
const DEFAULT_SLOTS_PER_HOUR = 3600 * 5;

/**
 * Whether `slot` plays the canary: hash(`${channel}:${slot}`) mod 10000 below
 * traffic_percentage · 10000. Stable, so a slot's group never depends on timing.
 */
export function isCanarySlot(channel: string, slot: number, trafficPercentage: number): boolean {
  return hashString(`${channel}:${slot}`) % 10000 < trafficPercentage * 10000;
}

/**
 * The paired overlay's tags per KPI row (docs/vvtv-integration.md): `paired_triggered`, true
 * when the two arms' outcomes for this row could differ (their selections differ, or, in the
 * simulated world, the harmful region treats their parameters differently; for the curator's row
 * also when its bucket would apply a different number of corrections), `control_prediction`,
 * the control selection's noiseless value of the KPI (for the curator: the share of its
 * allowance the control selection wants, as if the bucket were not limiting), and
 * `canary_prediction`, the same for the candidate's selection. Both predictions are on every row
 * of both groups: they come from the slot's candidates and seed alone, fixed before assignment.
 */
export function pairedTags(
  control: SlotEvaluation & { applied: number },
  canary: SlotEvaluation & { applied: number },
  allowance: number,
): Record<SimMetricType, { paired_triggered: boolean; control_prediction: number; canary_prediction: number }> {
  const sameOrder = control.order.length === canary.order.length && control.order.every((c, i) => c.plan_id === canary.order[i]!.plan_id);
  const triggered = !sameOrder || control.harmful !== canary.harmful;
  const tag = (m: Exclude<SimMetricType, 'curator_apply_budget_used_pct'>) => ({
    paired_triggered: triggered,
    control_prediction: control.values[m],
    canary_prediction: canary.values[m],
  });
  return {
    selection_entropy: tag('selection_entropy'),
    novelty_temporal_kld: tag('novelty_temporal_kld'),
    engagement_proxy: tag('engagement_proxy'),
    curator_apply_budget_used_pct: {
      paired_triggered: triggered || control.applied !== canary.applied,
      control_prediction: allowance > 0 ? Math.min(1, control.wanted / allowance) : 1,
      canary_prediction: allowance > 0 ? Math.min(1, canary.wanted / allowance) : 1,
    },
  };
}

export interface BackfillResult {
  slots: number;
  rows: number;
  firstSlot: number;
}

export class Simulator {
  readonly channel: string;
  readonly slotsPerHour: number;
  private readonly world: World;
  private readonly curator: Curator;
  private readonly source: CardSource;
  private readonly sink: MetricSink;
  private readonly onError?: (err: unknown) => void;
  private readonly drift: number;
  private readonly batchSize: number;
  private readonly honourOverlay: boolean;
  private readonly engagement: boolean;
  private readonly channelKey: string | undefined;
  private readonly pairArms: boolean;
  private slot: number;
  private readonly slotLog: { sink: SlotLogSink; share: number; pending: SlotRecord[] } | null;
  private driftOrigin: number | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(options: SimulatorOptions) {
    this.channel = options.channel;
    this.slotsPerHour = options.slotsPerHour ?? DEFAULT_SLOTS_PER_HOUR;
    this.source = options.source;
    this.sink = options.sink;
    this.onError = options.onError;
    this.drift = options.drift ?? 0;
    this.batchSize = options.batchSize ?? VVTV_SELECTION_BATCH_SIZE;
    this.honourOverlay = options.honourOverlay ?? true;
    this.engagement = options.engagement ?? true;
    this.channelKey = options.channelKey;
    this.pairArms = options.pairArms ?? true;
    this.slot = options.startSlot ?? 0;
    this.slotLog = options.slotLog ? { sink: options.slotLog, share: options.slotLogShare ?? 1, pending: [] } : null;
    this.curator = new Curator(options.curator);
    this.world = new World({
      channel: options.channel,
      seed: options.seed,
      catalogSize: options.catalogSize ?? 400,
      candidatesPerSlot: options.candidatesPerSlot ?? 60,
      noise: options.noise ?? 0.05,
      drift: this.drift,
      harmfulRegion: options.harmfulRegion,
      ageTarget: options.ageTarget ?? DEFAULT_AGE_TARGET,
      minCuration: options.curator?.minCuration,
    });
  }

  /** The number of the next slot to run. */
  get nextSlot(): number {
    return this.slot;
  }

  get running(): boolean {
    return this.timer !== null;
  }

  /** Runs `count` consecutive slots stamped `at`, writes them in one insert and returns them. */
  runSlots(count: number, at: Date): MetricRow[] {
    const snapshot = this.source();
    const rows: MetricRow[] = [];
    for (let i = 0; i < count; i++) rows.push(...this.playSlot(snapshot, at, this.slotsPerHour));
    if (rows.length > 0) this.sink.insert(rows);
    this.flushSlotLog();
    return rows;
  }

  /**
   * Writes history for [from, to): floor(hours · slotsPerHour) control slots of the live card
   * with evenly spread timestamps, inserted in batches.
   */
  backfill(from: Date, to: Date, slotsPerHour: number): BackfillResult {
    const span = to.getTime() - from.getTime();
    const slots = span > 0 ? Math.floor((span / 3_600_000) * slotsPerHour + 1e-9) : 0;
    const live: CardSnapshot = { ...this.source(), overlay: null };
    const firstSlot = this.slot;
    let rows = 0;
    for (let start = 0; start < slots; start += BACKFILL_BATCH_SLOTS) {
      const batch: MetricRow[] = [];
      for (let i = start; i < Math.min(slots, start + BACKFILL_BATCH_SLOTS); i++) {
        batch.push(...this.playSlot(live, new Date(from.getTime() + Math.floor((i * span) / slots)), slotsPerHour));
      }
      this.sink.insert(batch);
      this.flushSlotLog();
      rows += batch.length;
    }
    return { slots, rows, firstSlot };
  }

  /** Runs slotsPerSecond slots a second of wall time, in ticks of 200 ms, until stop(). */
  start(slotsPerSecond: number): void {
    this.stop();
    let last = Date.now();
    let owed = 0;
    this.timer = setInterval(() => {
      try {
        const now = Date.now();
        owed += (slotsPerSecond * Math.min(MAX_CATCH_UP_S * 1000, now - last)) / 1000;
        last = now;
        const count = Math.floor(owed);
        owed -= count;
        if (count > 0) this.runSlots(count, new Date(now));
      } catch (err) {
        this.reportError(err);
      }
    }, TICK_MS);
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  private playSlot(snapshot: CardSnapshot, at: Date, slotsPerHour: number): MetricRow[] {
    const slot = this.slot++;
    const { overlay } = snapshot;
    const during = this.honourOverlay && overlay !== null;
    const canary = during && isCanarySlot(this.channel, slot, overlay.traffic_percentage);
    const group: Group = canary ? 'canary' : 'control';
    const armOf = (c: Card) => ({
      params: selectionParams(c, this.batchSize),
      seeding: { strategy: c.selection.seed_strategy, windowId: c.scheduling.window_id, globalSeed: c.scheduling.global_seed },
    });
    const card: Card = canary ? overlay!.card : snapshot.card;
    const { params, seeding } = armOf(card);
    const driftHours = this.driftHours(at);
    // The paired overlay (docs/vvtv-integration.md): what the arm this slot does not play would
    // have aired, from the same slot seed, before this slot's curator spends anything.
    const other =
      during && this.pairArms ? this.world.evaluate({ slot, driftHours, ...armOf(canary ? snapshot.card : overlay!.card) }) : null;
    const otherWouldApply = other ? this.curator.wouldApply(canary ? 'control' : 'canary', other.wanted, slotsPerHour) : 0;
    const logged = this.slotLog !== null && isLoggedSlot(this.channel, slot, this.slotLog.share);
    const outcome = this.world.runSlot({
      slot,
      group,
      params,
      seeding,
      driftHours,
      curator: this.curator,
      slotsPerHour,
      itemRewards: logged,
    });
    const { values, detail, evaluation } = outcome;
    if (logged) {
      const cardSha = canary ? overlay!.card_sha : snapshot.cardSha;
      const meta = { channel: this.channel, slot, at, now: CATALOG_EPOCH, cardSha, group: during ? group : null, params };
      this.slotLog!.pending.push(slotRecordOf(meta, outcome));
    }
    let paired: ReturnType<typeof pairedTags> | null = null;
    if (other) {
      const played = { ...evaluation, applied: detail.curator.applied };
      const counterfactual = { ...other, applied: otherWouldApply };
      paired = pairedTags(canary ? counterfactual : played, canary ? played : counterfactual, detail.curator.allowance);
    }
    // What VVTV's planner and curator write (planner.rs, curation/mod.rs), keys in serde_json's
    // sorted order; plus the overlay contract's tags and the channel key when asked for.
    const tags = {
      ...(during ? { canary_id: overlay!.canary_id, group } : {}),
      ...(this.channelKey ? { [this.channelKey]: this.channel } : {}),
    };
    const tagged = (context: Record<string, unknown> | null, metric?: SimMetricType) => {
      const all = { ...tags, ...(paired && metric ? paired[metric] : {}) };
      return Object.keys(all).length === 0
        ? context
        : Object.fromEntries(Object.entries({ ...context, ...all }).sort(([a], [b]) => (a < b ? -1 : 1)));
    };
    const timestamp = rfc3339(at.getTime(), slot % 8 === 0 ? 0 : hashString(`ns:${slot}`) % 1_000_000);
    const c = detail.curator;
    const rows: MetricRow[] = [
      {
        timestamp,
        metric_type: vvtvMetricType('selection_entropy'),
        value: values.selection_entropy,
        context: tagged(
          {
            method: VVTV_METHOD_NAME[params.method],
            selected_count: detail.selected,
            temperature: params.temperature,
            top_k: params.top_k,
          },
          'selection_entropy',
        ),
      },
      {
        timestamp,
        metric_type: vvtvMetricType('curator_apply_budget_used_pct'),
        value: values.curator_apply_budget_used_pct,
        context: tagged(
          {
            capacity: detail.capacity,
            confidence: c.wanted > 0 ? Math.min(1, c.applied / c.wanted) : 1,
            decision: c.applied > 0 ? 'Apply' : 'Advice',
            tokens_remaining: detail.tokensRemaining,
          },
          'curator_apply_budget_used_pct',
        ),
      },
      {
        timestamp,
        metric_type: vvtvMetricType('novelty_temporal_kld'),
        value: values.novelty_temporal_kld,
        context: tagged(
          {
            candidates_count: detail.candidates,
            threshold: detail.noveltyThreshold,
            triggered: values.novelty_temporal_kld > detail.noveltyThreshold,
          },
          'novelty_temporal_kld',
        ),
      },
    ];
    if (this.engagement)
      rows.push({
        timestamp,
        metric_type: vvtvMetricType('engagement_proxy'),
        value: values.engagement_proxy,
        context: tagged(null, 'engagement_proxy'),
      });
    return rows;
  }

  private flushSlotLog(): void {
    if (!this.slotLog || this.slotLog.pending.length === 0) return;
    const records = this.slotLog.pending;
    this.slotLog.pending = [];
    this.slotLog.sink.write(records);
  }

  /** Hours since the first slot this simulator ran (the drift clock). */
  private driftHours(at: Date): number {
    if (this.drift === 0) return 0;
    this.driftOrigin ??= at.getTime();
    return (at.getTime() - this.driftOrigin) / 3_600_000;
  }

  private reportError(err: unknown): void {
    try {
      this.onError?.(err);
    } catch {
      // An error handler that throws must not take the timer down with it.
    }
  }
}
