/**
 * Offline replay of a candidate card on logged slots (issue 12, "offline replay before a canary").
 *
 * - **Selection KPIs, exactly.** Each logged slot's selection is re-run with the candidate's
 *   parameters on the same candidates, seed and clock; selection_entropy and novelty_temporal_kld
 *   are functions of the chosen plans alone (src/domain/slot-metrics.ts), so the candidate's values
 *   are known slot by slot. The control is the same computation under the logged card (which must
 *   reproduce the logged order: slots where it does not are left out and counted as `mismatched`,
 *   a sign that the engine is not the planner's). Relative effect = Σ candidate / Σ control − 1, its
 *   standard error from the paired slot differences (delta method).
 * - **A viewer KPI, by importance weighting.** The viewers' reward of a plan is only seen for
 *   plans the logged card put on air. Item-level self-normalised IPS: each logged chosen plan i of
 *   slot s has weight w = P_candidate(i chosen) / P_logged(i chosen), exact inclusion probabilities
 *   (inclusion.ts); the candidate's mean reward per plan on air is θ_c = Σ w·r / Σ w, the logged
 *   card's θ_l = Σ r / Σ 1, and the prediction θ_c / θ_l − 1, with a slot-clustered delta-method
 *   standard error and Kish's effective sample size (Σ w)² / Σ w² of the weights. The estimator
 *   assumes a plan's reward does not depend on the rest of the slot or its position (the
 *   item-level model); where it does (variety, position weights), the prediction is biased, which
 *   is why the optimizer treats it as a second, biased source beside real canaries.
 * - **A slate model for the same KPI (direct method).** When the records carry the slot's observed
 *   value of that KPI, a least-squares model of it on slate features that the replay knows exactly
 *   (the position-weighted mean engagement_score of the chosen plans, the kind entropy and its
 *   square) is fitted on the logged slots and evaluated on each slot's replayed slate: paired
 *   relative effect and se as for the exact KPIs. This sees what the item-level model cannot (in
 *   the simulator viewers react to a slot's variety: raising temperature from a low entropy
 *   measured +10 % engagement in a canary where item-level IPS predicted −0.3 %). When the model
 *   can be fitted it is the KPI's prediction (`method: 'dm'`) and the IPS figures ride along
 *   (`ips`); otherwise the IPS estimate is.
 */
import { kindEntropyBits, noveltyKld, positionWeights, DEFAULT_AGE_TARGET } from '../slot-metrics';
import { inclusionProbabilities, type RankCache, type ScoredPlan } from './inclusion';
import { cholesky, cholSolve, quadInv } from '../optimizer/linalg';
import type { ReplayParams, SelectionEngine, SlotRecord } from './record';

/** The KPIs a replay predicts from the selection alone. */
export const REPLAYED_KPIS = ['selection_entropy', 'novelty_temporal_kld'] as const;
export const DEFAULT_REWARD_KPI = 'engagement_proxy';
const MS_PER_HOUR = 3_600_000;

export interface ReplayOptions {
  /** Target age histogram of novelty_temporal_kld. Default the simulator's / VVTV's [0.5, 0.3, 0.2]. */
  ageTarget?: readonly [number, number, number];
  /** The KPI the logged item rewards stand for. Default engagement_proxy. */
  rewardKpi?: string;
}

export interface KpiReplay {
  kpi: string;
  /** exact: the selection re-run; ips: item-level self-normalised importance weighting; dm: the slate model. */
  method: 'exact' | 'ips' | 'dm';
  /** Mean per slot (exact) or per plan on air (ips) under the logged card and the candidate. */
  control: number;
  candidate: number;
  relDiff: number;
  relSe: number;
  /** Slots behind the figure. */
  slots: number;
  /** ips only: logged plans, Kish's effective sample size of their weights, and its share. */
  items?: number;
  ess?: number;
  essShare?: number;
  /** dm only: the item-level IPS estimate of the same KPI, for comparison. */
  ips?: { relDiff: number; relSe: number; ess: number; essShare: number };
  /**
   * Each prepared slot's influence on relDiff (Σ influence² = relSe², slots where it does not
   * apply 0; the dm's coefficient error not included): two candidates replayed on the same slots
   * share their sampling error, and PreparedReplay.covariance says by how much.
   */
  influence?: number[];
  /** dm only: the mean shift of the slate features, on which the slate model's coefficient error acts. */
  shift?: number[];
  /**
   * dm only: relDiff split by what the slate model sees moving, [on-air quality, variety]: the
   * fitted coefficients times the mean shift of the quality feature and of the entropy terms, over
   * the control (they add up to relDiff). A move that keeps the slate's variety carries no
   * variety part, whatever parameters it changes.
   */
  contributions?: number[];
}

export interface ReplayResult {
  slots: number;
  /** Slots where the logged card's replay did not reproduce the logged order (left out). */
  mismatched: number;
  /** Slots whose selection the candidate changes. */
  changed: number;
  kpis: Record<string, KpiReplay>;
}

interface PreparedSlot {
  record: SlotRecord;
  now: Date;
  ages: Map<string, number>;
  kinds: Map<string, string>;
  control: Record<string, number>;
  /** Logged inclusion probability of each chosen plan (aligned with record.chosen). */
  pLogged: number[];
  engagement: Map<string, number>;
  /** Slate features of the logged selection, and the slot's observed reward KPI (NaN when absent). */
  features: number[];
  observed: number;
  /** The slot's Plackett–Luce rank distributions, shared by the cards evaluated on it. */
  ranks: RankCache;
}

export interface PreparedReplay {
  slots: number;
  mismatched: number;
  /** The replay of one candidate card on every usable slot. */
  evaluate(candidate: ReplayParams): ReplayResult;
  /**
   * Covariance of two candidates' relDiff estimates of the same KPI (evaluated on this replay):
   * they share the logged slots (and, for the slate model, its coefficients), so their errors
   * are correlated. covariance(a, a) = a.relSe².
   */
  covariance(a: KpiReplay, b: KpiReplay): number;
}

const plansOf = (scores: Record<string, number>): ScoredPlan[] => Object.entries(scores).map(([id, score]) => ({ id, score }));

function selectionKpis(order: readonly string[], s: Pick<PreparedSlot, 'ages' | 'kinds'>, o: ReplayOptions): Record<string, number> {
  return {
    selection_entropy: kindEntropyBits(order.map((id) => s.kinds.get(id)!)),
    novelty_temporal_kld: noveltyKld(
      order.map((id) => s.ages.get(id)!),
      o.ageTarget ?? DEFAULT_AGE_TARGET,
    ),
  };
}

/**
 * Checks every record against the engine (the logged card must reproduce the logged order) and
 * computes what does not depend on the candidate once: the control's KPIs and the logged
 * inclusion probabilities. Evaluate as many candidate cards on it as needed.
 */
export function prepareReplay(records: readonly SlotRecord[], engine: SelectionEngine, o: ReplayOptions = {}): PreparedReplay {
  const slots: PreparedSlot[] = [];
  let mismatched = 0;
  for (const record of records) {
    const now = new Date(record.now);
    const run = engine.select(record.candidates, record.params, { seed: record.seed, now });
    if (run.order.length !== record.chosen.length || run.order.some((id, i) => id !== record.chosen[i])) {
      mismatched += 1;
      continue;
    }
    const ages = new Map<string, number>();
    const kinds = new Map<string, string>();
    for (const c of record.candidates) {
      if (ages.has(c.plan_id)) continue;
      ages.set(c.plan_id, (now.getTime() - Date.parse(c.created_at)) / MS_PER_HOUR);
      kinds.set(c.plan_id, c.kind);
    }
    const engagement = new Map(record.candidates.map((c) => [c.plan_id, c.engagement_score]));
    const slot = { record, now, ages, kinds, engagement };
    const ranks: RankCache = new Map();
    const pLogged = record.rewards ? inclusionProbabilities(plansOf(run.scores), record.params, record.chosen, ranks) : [];
    const observed = record.kpis[o.rewardKpi ?? DEFAULT_REWARD_KPI];
    slots.push({
      ...slot,
      control: selectionKpis(record.chosen, slot, o),
      pLogged,
      features: slateFeatures(record.chosen, slot),
      observed: observed !== undefined && Number.isFinite(observed) ? observed : NaN,
      ranks,
    });
  }
  const model = fitSlateModel(slots);
  return {
    slots: slots.length,
    mismatched,
    evaluate: (candidate) => evaluate(slots, mismatched, candidate, engine, o, model),
    covariance: (a, b) => {
      if (a.method !== b.method || !a.influence || !b.influence) return NaN;
      let c = a.influence.reduce((acc, x, i) => acc + x * b.influence![i]!, 0);
      if (a.method === 'dm' && model && a.shift && b.shift)
        c += (model.sigma2 * dot(a.shift, cholSolve(model.chol, b.shift))) / (a.control * b.control);
      return c;
    },
  };
}

/** Slate features: 1, position-weighted mean engagement_score of the chosen plans, kind entropy, its square. */
function slateFeatures(order: readonly string[], s: Pick<PreparedSlot, 'kinds' | 'engagement'>): number[] {
  const w = positionWeights(order.length);
  const total = w.reduce((a, b) => a + b, 0);
  const q = order.length ? order.reduce((a, id, i) => a + w[i]! * s.engagement.get(id)!, 0) / total : 0;
  const h = kindEntropyBits(order.map((id) => s.kinds.get(id)!));
  return [1, q, h, h * h];
}

/** The slate model's coefficients, and what it knows of them (so a far prediction carries their uncertainty). */
interface SlateModel {
  beta: number[];
  /** Cholesky factor of XᵀX (+ ridge). */
  chol: number[][];
  /** Residual variance of the fit, RSS / (n − features). */
  sigma2: number;
}

/** Least squares (a tiny ridge for stability) of the observed reward KPI on the slate features; null when it cannot be fitted. */
function fitSlateModel(slots: readonly PreparedSlot[]): SlateModel | null {
  const used = slots.filter((s) => Number.isFinite(s.observed));
  const m = 4;
  if (used.length < 4 * m) return null;
  const a = Array.from({ length: m }, () => new Array<number>(m).fill(0));
  const b = new Array<number>(m).fill(0);
  for (const s of used) {
    for (let i = 0; i < m; i++) {
      b[i]! += s.features[i]! * s.observed;
      for (let j = 0; j < m; j++) a[i]![j]! += s.features[i]! * s.features[j]!;
    }
  }
  for (let i = 1; i < m; i++) a[i]![i]! += 1e-6 * used.length;
  let chol: number[][];
  try {
    chol = cholesky(a);
  } catch {
    return null;
  }
  const beta = cholSolve(chol, b);
  if (!beta.every(Number.isFinite)) return null;
  const rss = used.reduce((acc, s) => acc + (s.observed - dot(beta, s.features)) ** 2, 0);
  return { beta, chol, sigma2: rss / (used.length - m) };
}

const dot = (a: readonly number[], b: readonly number[]): number => a.reduce((acc, x, i) => acc + x * b[i]!, 0);

/** Replays `candidate` on the logged slots: the relative effect per KPI against the logged card. */
export function replaySlots(
  records: readonly SlotRecord[],
  candidate: ReplayParams,
  engine: SelectionEngine,
  o: ReplayOptions = {},
): ReplayResult {
  return prepareReplay(records, engine, o).evaluate(candidate);
}

function evaluate(
  slots: readonly PreparedSlot[],
  mismatched: number,
  candidate: ReplayParams,
  engine: SelectionEngine,
  o: ReplayOptions,
  model: SlateModel | null,
): ReplayResult {
  let changed = 0;
  const slate: Array<[number, number]> = [];
  // Mean slate features under the logged card and the candidate (the model's uncertainty rests on their difference).
  const shift = new Array<number>(4).fill(0);
  const paired: Record<string, Array<[number, number]>> = Object.fromEntries(REPLAYED_KPIS.map((k) => [k, []]));
  const ips: IpsSlot[] = [];
  for (const [at, s] of slots.entries()) {
    const run = engine.select(s.record.candidates, candidate, { seed: s.record.seed, now: s.now });
    if (run.order.length !== s.record.chosen.length || run.order.some((id, i) => id !== s.record.chosen[i])) changed += 1;
    const values = selectionKpis(run.order, s, o);
    for (const k of REPLAYED_KPIS) paired[k]!.push([s.control[k]!, values[k]!]);
    if (model) {
      const f = slateFeatures(run.order, s);
      slate.push([dot(model.beta, s.features), dot(model.beta, f)]);
      f.forEach((x, i) => (shift[i]! += (x - s.features[i]!) / slots.length));
    }
    const rewards = s.record.rewards;
    if (!rewards || rewards.length === 0) continue;
    const pCand = inclusionProbabilities(plansOf(run.scores), candidate, s.record.chosen, s.ranks);
    const slot = { a: 0, b: 0, c: 0, d: 0, sumW2: 0, at };
    s.record.chosen.forEach((_, i) => {
      const w = pCand[i]! / s.pLogged[i]!;
      slot.a += w * rewards[i]!;
      slot.b += w;
      slot.c += rewards[i]!;
      slot.d += 1;
      slot.sumW2 += w * w;
    });
    ips.push(slot);
  }
  const kpis: Record<string, KpiReplay> = {};
  for (const k of REPLAYED_KPIS) if (paired[k]!.length >= 2) kpis[k] = pairedRatio(k, paired[k]!);
  const kpi = o.rewardKpi ?? DEFAULT_REWARD_KPI;
  const weighted = ips.length >= 2 ? snipsRatio(kpi, ips, slots.length) : null;
  if (model && slate.length >= 2) {
    const paired = pairedRatio(kpi, slate);
    // The coefficients' own error on the predicted shift: Δx̄ᵀ Cov(β) Δx̄, Cov(β) = σ² (XᵀX)⁻¹.
    const modelSe = Math.sqrt(model.sigma2 * quadInv(model.chol, shift)) / Math.abs(paired.control);
    const b = model.beta;
    const contributions = [b[1]! * shift[1]!, b[2]! * shift[2]! + b[3]! * shift[3]!].map((x) => x / paired.control);
    const dm = { ...paired, relSe: Math.hypot(paired.relSe, modelSe), method: 'dm' as const, shift, contributions };
    kpis[kpi] = weighted
      ? { ...dm, ips: { relDiff: weighted.relDiff, relSe: weighted.relSe, ess: weighted.ess!, essShare: weighted.essShare! } }
      : dm;
  } else if (weighted) kpis[kpi] = weighted;
  return { slots: slots.length, mismatched, changed, kpis };
}

function pairedRatio(kpi: string, pairs: Array<[number, number]>): KpiReplay {
  const n = pairs.length;
  const control = pairs.reduce((a, [c]) => a + c, 0) / n;
  const cand = pairs.reduce((a, [, x]) => a + x, 0) / n;
  const ratio = control !== 0 ? cand / control : NaN;
  // Delta method on the ratio of paired means: z_s = x_s − ratio·c_s has mean 0.
  const scale = Math.sqrt(n / (n - 1)) / (n * control);
  const influence = pairs.map(([c, x]) => (x - ratio * c) * scale);
  const relSe = Math.sqrt(influence.reduce((a, x) => a + x * x, 0));
  return { kpi, method: 'exact', control, candidate: cand, relDiff: ratio - 1, relSe, slots: n, influence };
}

/** One slot's sums for the self-normalised IPS ratio, and its index among the prepared slots. */
interface IpsSlot {
  a: number;
  b: number;
  c: number;
  d: number;
  sumW2: number;
  at: number;
}

function snipsRatio(kpi: string, slots: readonly IpsSlot[], total: number): KpiReplay {
  const n = slots.length;
  const A = slots.reduce((x, s) => x + s.a, 0);
  const B = slots.reduce((x, s) => x + s.b, 0);
  const C = slots.reduce((x, s) => x + s.c, 0);
  const D = slots.reduce((x, s) => x + s.d, 0);
  const sumW2 = slots.reduce((x, s) => x + s.sumW2, 0);
  const thetaC = B > 0 ? A / B : NaN;
  const thetaL = C / D;
  // Influence of each slot on ln θ_c − ln θ_l (ratio estimators, slots as clusters).
  const ratio = thetaC / thetaL;
  const scale = Math.abs(ratio) * Math.sqrt(n / (n - 1));
  const influence = new Array<number>(total).fill(0);
  for (const s of slots) influence[s.at] = scale * ((s.a - thetaC * s.b) / (thetaC * B) - (s.c - thetaL * s.d) / (thetaL * D));
  const ess = sumW2 > 0 ? (B * B) / sumW2 : 0;
  return {
    kpi,
    method: 'ips',
    control: thetaL,
    candidate: thetaC,
    relDiff: ratio - 1,
    relSe: Math.sqrt(influence.reduce((a, x) => a + x * x, 0)),
    slots: n,
    items: D,
    ess,
    essShare: D > 0 ? ess / D : 0,
    influence,
  };
}
