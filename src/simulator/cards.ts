import { CardSchema, type Card } from '../config/card';

/** The selection knobs a simulated card varies; everything else is the minimal valid card. */
export interface CardKnobs {
  temperature?: number;
  top_k?: number;
  plan_selection_bias?: number;
  epsilon?: number;
}

/**
 * A minimal valid card (Gumbel-top-k, slot-hash seeds) with the given knobs, for simulations,
 * tests and benches; `label` fills policy_version and env.
 */
export function simulatedCard(over: CardKnobs = {}, label = 'simulated'): Card {
  return CardSchema.parse({
    policy_version: label,
    env: label,
    knobs: { boost_bucket: 'music', music_mood_focus: [], interstitials_ratio: 0.08, plan_selection_bias: over.plan_selection_bias ?? 0 },
    selection: { method: 'gumbel_top_k', temperature: over.temperature ?? 0.5, top_k: over.top_k ?? 8, seed_strategy: 'slot_hash' },
    exploration: { epsilon: over.epsilon ?? 0.04 },
  });
}
