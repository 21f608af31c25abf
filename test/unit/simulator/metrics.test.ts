import {
  ageHistogram,
  Curator,
  correctionsWanted,
  engagementProxy,
  inHarmfulRegion,
  kindEntropyBits,
  noveltyKld,
  positionWeights,
  VARIETY_PEAK_BITS,
  varietyFactor,
} from '../../../src/simulator';
import type { SelectionParams } from '../../../src/config/card';
import { candidate } from '../selection/fixtures';

const params = (over: Partial<SelectionParams> = {}): SelectionParams => ({
  method: 'gumbel_top_k',
  temperature: 1,
  top_k: 8,
  plan_selection_bias: 0,
  epsilon: 0.04,
  ...over,
});

describe('selection_entropy', () => {
  it('is the Shannon entropy in bits of the selected kinds', () => {
    expect(kindEntropyBits([])).toBe(0);
    expect(kindEntropyBits(['news', 'news'])).toBe(0);
    expect(kindEntropyBits(['news', 'film'])).toBeCloseTo(1, 12);
    expect(kindEntropyBits(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'])).toBeCloseTo(3, 12);
  });
});

describe('novelty_temporal_kld', () => {
  it('bins ages into 0-12 h, 12-24 h and over 24 h', () => {
    expect(ageHistogram([0.1, 11.9, 12, 23.9, 24, 100])).toEqual([2, 2, 2]);
  });

  it('is zero when the selection matches the target and grows as it moves away', () => {
    const onTarget = [1, 1, 1, 1, 1, 13, 13, 13, 30, 30];
    expect(noveltyKld(onTarget, [0.5, 0.3, 0.2], 0)).toBeCloseTo(0, 12);
    const stale = [30, 30, 30, 30, 30, 30, 30, 30, 1, 13];
    const allStale = Array(10).fill(30);
    expect(noveltyKld(stale)).toBeGreaterThan(noveltyKld(onTarget));
    expect(noveltyKld(allStale)).toBeGreaterThan(noveltyKld(stale));
  });

  it('stays finite for empty bins thanks to additive smoothing', () => {
    expect(Number.isFinite(noveltyKld([1, 1, 1]))).toBe(true);
    expect(Number.isFinite(noveltyKld([]))).toBe(true);
  });
});

describe('engagement_proxy', () => {
  it('weights the first positions most (1 / log2(p + 2))', () => {
    expect(positionWeights(3)).toEqual([1, 1 / Math.log2(3), 0.5]);
    expect(engagementProxy([0.9, 0.1], VARIETY_PEAK_BITS)).toBeGreaterThan(engagementProxy([0.1, 0.9], VARIETY_PEAK_BITS));
  });

  it('rewards moderate variety over monotone or jumbled slots', () => {
    expect(varietyFactor(VARIETY_PEAK_BITS)).toBe(1);
    expect(varietyFactor(0.5)).toBeLessThan(0.1);
    expect(varietyFactor(VARIETY_PEAK_BITS + 1)).toBeLessThan(varietyFactor(VARIETY_PEAK_BITS + 0.3));
    expect(engagementProxy([], 2)).toBe(0);
  });
});

describe('harmful region', () => {
  it('contains values strictly above `above` and below `below`', () => {
    const region = { parameter: 'temperature' as const, above: 1.2, severity: 0.3 };
    expect(inHarmfulRegion(region, params({ temperature: 1.3 }))).toBe(true);
    expect(inHarmfulRegion(region, params({ temperature: 1.2 }))).toBe(false);
    const band = { parameter: 'top_k' as const, above: 10, below: 20, severity: 0.3 };
    expect(inHarmfulRegion(band, params({ top_k: 15 }))).toBe(true);
    expect(inHarmfulRegion(band, params({ top_k: 20 }))).toBe(false);
    expect(inHarmfulRegion({ parameter: 'epsilon', severity: 0.3 }, params())).toBe(false);
    expect(inHarmfulRegion(undefined, params())).toBe(false);
  });
});

describe('curator', () => {
  it('wants to correct low-curation plans and a first plan without HD', () => {
    const selected = [
      candidate('a', { hd_missing: true }),
      candidate('b', { curation_score: 0.2 }),
      candidate('c', { hd_missing: true }),
      candidate('d', { curation_score: 0.9 }),
    ];
    expect(correctionsWanted(selected)).toBe(2);
  });

  it('reports applied corrections as a share of the fair per-slot allowance, capped at 100', () => {
    const curator = new Curator({ capacityPerHour: 120 });
    expect(curator.slot('control', 1, 60)).toMatchObject({ applied: 1, allowance: 2, usedPct: 50 });
    expect(curator.slot('control', 5, 60).usedPct).toBe(100);
    expect(curator.slot('control', 0, 60).usedPct).toBe(0);
  });

  it('applies no more than the tokens left, per group', () => {
    const curator = new Curator({ capacityPerHour: 4, refillPerHour: 0 });
    expect(curator.slot('canary', 3, 2).applied).toBe(3);
    expect(curator.slot('canary', 3, 2).applied).toBe(1);
    expect(curator.slot('canary', 3, 2).applied).toBe(0);
    expect(curator.slot('control', 3, 2).applied).toBe(3);
  });

  it('gives two corrections per slot at any slot rate when no capacity is configured', () => {
    expect(new Curator().slot('control', 1, 18_000)).toMatchObject({ allowance: 2, usedPct: 50 });
  });
});
