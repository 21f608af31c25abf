/**
 * One logged slot: what a planner that meets the extended overlay contract writes per slot
 * (docs/vvtv-integration.md, "The slot log"), so that a candidate card can be replayed on it.
 *
 * It holds everything the selection reads (the candidates with the fields the reference
 * selection scores, the card's selection parameters, the seed and the clock), what it chose, and
 * what was observed: the slot's KPI values and, optionally, the viewers' reward for each chosen
 * plan (item-level, for the importance-weighted estimate of a viewer KPI).
 */
import { z } from 'zod';
import { CandidateSchema, type Candidate } from '../candidate';

export const SLOT_RECORD_VERSION = 1;

/** The card's selection parameters as the planner played them (the reference selection's input). */
export const ReplayParamsSchema = z.strictObject({
  method: z.enum(['gumbel_top_k', 'softmax', 'greedy', 'epsilon_greedy']),
  temperature: z.number().gt(0, 'expected a temperature above 0'),
  top_k: z.number().int().min(1, 'expected an integer of at least 1'),
  plan_selection_bias: z.number().min(-1).max(1),
  epsilon: z.number().min(0, 'expected a number in [0, 1]').max(1, 'expected a number in [0, 1]'),
});
export type ReplayParams = z.infer<typeof ReplayParamsSchema>;

/** A candidate plan with the fields the selection scores (VVTV's golden-case candidate shape). */
export const SlotCandidateSchema = CandidateSchema;
export type SlotCandidate = Candidate;

export const SlotRecordSchema = z
  .strictObject({
    v: z.literal(SLOT_RECORD_VERSION),
    channel: z.string().min(1),
    slot: z.number().int().min(0),
    /** When the slot was planned (ISO 8601). */
    at: z.iso.datetime({ offset: true }),
    /** sha256 of the card the slot played, and its group when a canary ran (null: no canary). */
    card_sha: z.string().min(1),
    group: z.enum(['control', 'canary']).nullable(),
    params: ReplayParamsSchema,
    /** The seed string the selection drew from (slotSeed of the card's seed strategy). */
    seed: z.string().min(1),
    /** The selection's clock (recency is measured from it), ISO 8601. */
    now: z.iso.datetime({ offset: true }),
    candidates: z.array(SlotCandidateSchema).min(1),
    /** plan_ids in on-air order. */
    chosen: z.array(z.string().min(1)),
    /** Observed KPI values of the slot, by KPI name. */
    kpis: z.record(z.string(), z.number()),
    /** Optional viewers' reward of each chosen plan, aligned with `chosen`. */
    rewards: z.array(z.number()).optional(),
  })
  .superRefine((r, ctx) => {
    const ids = new Set(r.candidates.map((c) => c.plan_id));
    r.chosen.forEach((id, i) => {
      if (!ids.has(id)) ctx.addIssue({ code: 'custom', path: ['chosen', i], message: `plan ${id} is not among the candidates` });
    });
    if (r.rewards && r.rewards.length !== r.chosen.length)
      ctx.addIssue({ code: 'custom', path: ['rewards'], message: `expected ${r.chosen.length} rewards (one per chosen plan)` });
  });
export type SlotRecord = z.infer<typeof SlotRecordSchema>;

/**
 * The selection the replay re-runs: the reference selection (src/adapters/selection, selectPlans)
 * or a planner's own engine. It must be deterministic for (candidates, params, seed, now) and
 * report every candidate's score (the logit is score / temperature).
 */
export interface SelectionEngine {
  select(
    candidates: readonly SlotCandidate[],
    params: ReplayParams,
    opts: { seed: string; now: Date },
  ): { order: string[]; scores: Record<string, number> };
}
