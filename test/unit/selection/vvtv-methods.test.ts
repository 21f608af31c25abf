import { selectPlans, slotSeed, type Candidate } from '../../../src/adapters/selection';
import type { SelectionParams } from '../../../src/config/card';

const NOW = new Date('2025-01-01T00:00:00Z');
const candidates: Candidate[] = Array.from({ length: 20 }, (_, i) => ({
  plan_id: `p${String(i).padStart(2, '0')}`,
  kind: ['music', 'news', 'film'][i % 3]!,
  curation_score: ((i * 37) % 100) / 100,
  trending_score: ((i * 53) % 100) / 100,
  engagement_score: ((i * 71) % 100) / 100,
  duration_est_s: 60,
  tags: [],
  hd_missing: false,
  created_at: '2024-12-31T12:00:00Z',
}));
const base: SelectionParams = { method: 'epsilon_greedy', temperature: 0.85, top_k: 6, plan_selection_bias: 0, epsilon: 0 };

describe("VVTV's selection methods and seed strategies in the reference selection", () => {
  it('epsilon_greedy with epsilon 0 is greedy; with epsilon it explores, deterministically per seed', () => {
    const greedy = selectPlans(candidates, { ...base, method: 'greedy' }, { seed: 's', now: NOW }).order;
    expect(selectPlans(candidates, base, { seed: 's', now: NOW }).order).toEqual(greedy);
    const explored = selectPlans(candidates, { ...base, epsilon: 1 }, { seed: 's', now: NOW }).order;
    expect(explored).not.toEqual(greedy);
    expect(new Set(explored).size).toBe(6);
    expect(selectPlans(candidates, { ...base, epsilon: 1 }, { seed: 's', now: NOW }).order).toEqual(explored);
  });

  it('slot_hash gives every slot its own stream; window shares one per window; global one per channel', () => {
    expect(slotSeed('main', 7)).toBe('main:7');
    expect(slotSeed('main', 7, { strategy: 'slot_hash', windowId: 0, globalSeed: 42 })).toBe('main:7');
    expect(slotSeed('main', 7, { strategy: 'slot_hash', globalSeed: 4242 })).not.toBe(slotSeed('main', 7));
    expect(slotSeed('main', 7, { strategy: 'window', windowId: 3 })).toBe(slotSeed('main', 8, { strategy: 'window', windowId: 3 }));
    expect(slotSeed('main', 7, { strategy: 'window', windowId: 3 })).not.toBe(slotSeed('main', 7, { strategy: 'window', windowId: 4 }));
    expect(slotSeed('main', 7, { strategy: 'global', windowId: 3 })).toBe(slotSeed('main', 900, { strategy: 'global', windowId: 4 }));
    expect(slotSeed('main', 7, { strategy: 'global' })).not.toBe(slotSeed('other', 7, { strategy: 'global' }));
  });
});
