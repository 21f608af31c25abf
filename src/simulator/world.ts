/**
 * The synthetic world behind one channel: a catalog, a per-slot draw of candidates, the
 * reference selection, and the audience's and curator's reaction. Deterministic for
 * (seed, channel, slot, params, drift clock); only the curator's bucket carries state.
 *
 * Time inside the catalog is frozen: every slot sees the catalog at CATALOG_EPOCH, so the
 * age mix is stationary (fresh content keeps arriving at the same rate). Only `drift` moves
 * the world, by the slot's real timestamp.
 */
import { probit, sample } from 'simple-statistics';
import type { SelectionParams } from '../config/card';
import { createRng, hashString, selectPlans, slotSeed, type Candidate, type Seeding } from '../adapters/selection';
import type { Group } from '../domain/types';
import { generateCatalog } from './catalog';
import type { Curator, CuratorOutcome } from './curator';
import { correctionsWanted } from './curator';
import { DEFAULT_AGE_TARGET, engagementProxy, inHarmfulRegion, kindEntropyBits, noveltyKld, varietyFactor } from './metrics';
import type { HarmfulRegion, SimMetricType } from './types';

export const CATALOG_EPOCH = new Date('2025-01-01T00:00:00.000Z');

/** How the noise sd (given on the engagement scale) is scaled for each metric, and its range. */
const METRIC_SHAPE: Record<SimMetricType, { noiseScale: number; min: number; max: number }> = {
  engagement_proxy: { noiseScale: 1, min: 0, max: Infinity },
  selection_entropy: { noiseScale: 2, min: 0, max: Infinity },
  novelty_temporal_kld: { noiseScale: 1, min: 0, max: Infinity },
  // VVTV stores the curator's budget used as a fraction (1 - tokens / capacity), despite its name.
  curator_apply_budget_used_pct: { noiseScale: 1, min: 0, max: 1 },
};

export interface WorldOptions {
  channel: string;
  seed: number | string;
  catalogSize: number;
  candidatesPerSlot: number;
  noise: number;
  drift: number;
  harmfulRegion?: HarmfulRegion;
  ageTarget: [number, number, number];
  minCuration?: number;
}

export interface SlotContext {
  slot: number;
  group: Group;
  params: SelectionParams;
  /** The card's seed strategy (src/adapters/selection/seed.ts); VVTV's default slot_hash when absent. */
  seeding?: Seeding;
  /** Hours since the drift origin (0 without drift). */
  driftHours: number;
  curator: Curator;
  slotsPerHour: number;
  /** Also compute each chosen plan's viewer reward (the slot log's `rewards`). Default false. */
  itemRewards?: boolean;
}

/** One arm's card on one slot, before noise and the curator's bucket (World.evaluate). */
export interface SlotEvaluation {
  order: Candidate[];
  candidates: number;
  /** The slot's candidates and the seed the selection drew from (what the slot log records). */
  pool: Candidate[];
  seed: string;
  harmful: boolean;
  /** The harmful region's severity on this arm (0 outside it). */
  harm: number;
  /** Corrections the curator wants for this selection. */
  wanted: number;
  /** Noiseless values of the KPIs the selection alone determines. */
  values: Record<Exclude<SimMetricType, 'curator_apply_budget_used_pct'>, number>;
}

export interface SlotOutcome {
  order: Candidate[];
  /** The slot's candidates and the seed its selection drew from (what the slot log records). */
  candidates: Candidate[];
  seed: string;
  /**
   * With ctx.itemRewards: each chosen plan's viewer reward, in on-air order: its engagement_score
   * times the slot's variety factor and harm, plus per-plan noise (its own random stream, so the
   * slot's metrics are the same with or without it). The slot's engagement_proxy is their
   * position-weighted mean before noise.
   */
  rewards?: number[];
  harmful: boolean;
  /** The arm's evaluation before noise and the curator (World.evaluate). */
  evaluation: SlotEvaluation;
  values: Record<SimMetricType, number>;
  /** What VVTV's planner and curator put in their rows' context. */
  detail: {
    candidates: number;
    selected: number;
    curator: CuratorOutcome;
    tokensRemaining: number;
    capacity: number;
    noveltyThreshold: number;
  };
}

/** The curator's novelty signal fires above this KLD (the `threshold` in its rows' context). */
export const NOVELTY_THRESHOLD = 0.25;

export class World {
  readonly catalog: readonly Candidate[];
  private readonly ageHours: Map<string, number>;
  private readonly driftSign: Map<string, number>;

  constructor(private readonly options: WorldOptions) {
    this.catalog = generateCatalog({ seed: `${options.seed}:${options.channel}`, size: options.catalogSize, now: CATALOG_EPOCH });
    this.ageHours = new Map(this.catalog.map((c) => [c.plan_id, (CATALOG_EPOCH.getTime() - Date.parse(c.created_at)) / 3_600_000]));
    this.driftSign = new Map(
      [...new Set(this.catalog.map((c) => c.kind))].map((k) => [k, hashString(`${options.seed}:${k}:drift`) % 2 === 0 ? 1 : -1]),
    );
  }

  /** The candidates slot `slot` draws from the catalog (drift applied). */
  candidatesFor(slot: number, driftHours: number): Candidate[] {
    const rng = createRng(`${this.options.seed}:${this.options.channel}:draw:${slot}`);
    const drawn = sample(this.catalog as Candidate[], Math.min(this.options.candidatesPerSlot, this.catalog.length), rng.next);
    const shift = this.options.drift * driftHours;
    if (shift === 0) return drawn;
    return drawn.map((c) => {
      const d = shift * (this.driftSign.get(c.kind) ?? 1);
      return { ...c, engagement_score: Math.min(1, Math.max(0, c.engagement_score + d)), trending_score: c.trending_score + d };
    });
  }

  /**
   * What one arm's card makes of a slot, before noise and before the curator's bucket: the
   * selection (from the slot's own seed, so both arms of a canary draw the same Gumbel noise),
   * the noiseless values of the slot-determined KPIs and the corrections the curator would want.
   * Pure: the paired overlay (simulator.ts) calls it for the arm the slot does not play.
   */
  evaluate(ctx: Pick<SlotContext, 'slot' | 'params' | 'seeding' | 'driftHours'>): SlotEvaluation {
    const { channel, harmfulRegion, ageTarget } = this.options;
    const candidates = this.candidatesFor(ctx.slot, ctx.driftHours);
    const byId = new Map(candidates.map((c) => [c.plan_id, c]));
    const seed = slotSeed(channel, ctx.slot, ctx.seeding);
    const { order } = selectPlans(candidates, ctx.params, { seed, now: CATALOG_EPOCH });
    const selected = order.map((id) => byId.get(id) as Candidate);
    const harmful = inHarmfulRegion(harmfulRegion, ctx.params);
    const harm = harmful && harmfulRegion ? harmfulRegion.severity : 0;
    const entropy = kindEntropyBits(selected.map((c) => c.kind));
    const engagement =
      engagementProxy(
        selected.map((c) => c.engagement_score),
        entropy,
      ) * Math.max(0, 1 - harm);
    const kld = noveltyKld(
      selected.map((c) => this.ageHours.get(c.plan_id) ?? 0),
      ageTarget ?? DEFAULT_AGE_TARGET,
    );
    const wanted = correctionsWanted(selected, this.options.minCuration) * (1 + harm);
    return {
      order: selected,
      candidates: candidates.length,
      pool: candidates,
      seed,
      harmful,
      harm,
      wanted,
      values: { selection_entropy: entropy, novelty_temporal_kld: kld, engagement_proxy: engagement },
    };
  }

  /** Runs one slot: draw, select, and measure what viewers and the curator made of it. */
  runSlot(ctx: SlotContext): SlotOutcome {
    const { channel, noise } = this.options;
    const e = this.evaluate(ctx);
    const curator = ctx.curator.slot(ctx.group, e.wanted, ctx.slotsPerHour);

    const rng = createRng(`${this.options.seed}:${channel}:noise:${ctx.slot}`);
    const noisy = (metric: SimMetricType, value: number): number => {
      const shape = METRIC_SHAPE[metric];
      const v = value + noise * shape.noiseScale * probit(rng.next());
      return Math.min(shape.max, Math.max(shape.min, v));
    };
    let rewards: number[] | undefined;
    if (ctx.itemRewards) {
      const itemRng = createRng(`${this.options.seed}:${channel}:items:${ctx.slot}`);
      const factor = varietyFactor(e.values.selection_entropy) * Math.max(0, 1 - e.harm);
      rewards = e.order.map((c) => c.engagement_score * factor + noise * probit(itemRng.next()));
    }
    return {
      order: e.order,
      candidates: e.pool,
      seed: e.seed,
      ...(rewards ? { rewards } : {}),
      harmful: e.harmful,
      evaluation: e,
      values: {
        selection_entropy: noisy('selection_entropy', e.values.selection_entropy),
        novelty_temporal_kld: noisy('novelty_temporal_kld', e.values.novelty_temporal_kld),
        curator_apply_budget_used_pct: noisy('curator_apply_budget_used_pct', curator.usedPct / 100),
        engagement_proxy: noisy('engagement_proxy', e.values.engagement_proxy),
      },
      detail: {
        candidates: e.candidates,
        selected: e.order.length,
        curator,
        tokensRemaining: ctx.curator.available(ctx.group, ctx.slotsPerHour),
        capacity: ctx.curator.capacity(ctx.slotsPerHour),
        noveltyThreshold: NOVELTY_THRESHOLD,
      },
    };
  }
}
