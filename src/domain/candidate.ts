import { z } from 'zod';

/**
 * One plan the VVTV planner may put on air: the candidate shape of VVTV's golden cases.
 * `curation_score` is the curator's quality judgement in [0, 1]; trending and engagement are
 * the planner's own signals (any finite number, normally in [0, 1]). Unknown keys are dropped.
 */
export const CandidateSchema = z.object({
  plan_id: z.string().min(1),
  kind: z.string().min(1),
  curation_score: z.number().min(0).max(1),
  trending_score: z.number(),
  engagement_score: z.number(),
  duration_est_s: z.number().positive(),
  tags: z.array(z.string()),
  hd_missing: z.boolean(),
  created_at: z.iso.datetime({ offset: true }),
});

export type Candidate = z.infer<typeof CandidateSchema>;
