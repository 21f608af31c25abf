/**
 * What a slot's selection says about itself: kind entropy, the novelty KLD of its ages, and the
 * viewers' engagement as the simulator models it. Pure functions of the selected plans, shared by
 * the simulator (src/simulator/world.ts) and the offline replay (src/domain/replay), so both
 * compute a slot's KPIs the same way.
 */
import { sum, weightedMean } from 'simple-statistics';

/** Target share of plans aged 0-12 h, 12-24 h and over 24 h. */
export const DEFAULT_AGE_TARGET: [number, number, number] = [0.5, 0.3, 0.2];
/** Additive (Lidstone) smoothing of the observed age histogram, per bin. */
export const KLD_SMOOTHING = 0.5;
/** Viewers like this much variety best (bits of kind entropy), and tolerate about ± this width. */
export const VARIETY_PEAK_BITS = 2.05;
export const VARIETY_WIDTH_BITS = 0.4;

/** Shannon entropy, in bits, of the distribution of `kinds` (0 for zero or one item). */
export function kindEntropyBits(kinds: readonly string[]): number {
  if (kinds.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const k of kinds) counts.set(k, (counts.get(k) ?? 0) + 1);
  let h = 0;
  for (const c of counts.values()) {
    const p = c / kinds.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/** Counts of ages (hours) in the bins 0-12 h, 12-24 h and over 24 h. */
export function ageHistogram(ageHours: readonly number[]): [number, number, number] {
  const bins: [number, number, number] = [0, 0, 0];
  for (const a of ageHours) bins[a < 12 ? 0 : a < 24 ? 1 : 2] += 1;
  return bins;
}

/**
 * KL(observed ‖ target) in nats, where observed is the smoothed age histogram
 * (count + α) / (n + 3α). Zero when the selection matches the target exactly.
 */
export function noveltyKld(
  ageHours: readonly number[],
  target: readonly [number, number, number] = DEFAULT_AGE_TARGET,
  alpha = KLD_SMOOTHING,
): number {
  const counts = ageHistogram(ageHours);
  const total = ageHours.length + 3 * alpha;
  const q = target.map((t) => t / sum([...target]));
  let kld = 0;
  counts.forEach((c, i) => {
    const p = (c + alpha) / total;
    kld += p * Math.log(p / q[i]);
  });
  return Math.max(0, kld);
}

/** Weight of each on-air position: 1 / log2(position + 2), as in DCG (the first plan counts most). */
export function positionWeights(n: number): number[] {
  return Array.from({ length: n }, (_, p) => 1 / Math.log2(p + 2));
}

/**
 * How much viewers enjoy the slot's variety, in (0, 1]: a Gaussian bump in kind entropy that
 * peaks at moderate variety. Monotone runs bore them, a random jumble loses them.
 */
export function varietyFactor(entropyBits: number): number {
  const z = (entropyBits - VARIETY_PEAK_BITS) / VARIETY_WIDTH_BITS;
  return Math.exp(-0.5 * z * z);
}

/**
 * Expected engagement of the slot before noise: position-weighted mean engagement_score of
 * the selected plans (in on-air order) times the variety factor. 0 for an empty slot.
 */
export function engagementProxy(engagementInOrder: readonly number[], entropyBits: number): number {
  if (engagementInOrder.length === 0) return 0;
  return weightedMean([...engagementInOrder], positionWeights(engagementInOrder.length)) * varietyFactor(entropyBits);
}
