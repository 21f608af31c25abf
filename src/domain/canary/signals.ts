/** The canary's operator signals (3.4, 9.1): one zod schema each, the type inferred from it. */
import { z } from 'zod';
import { shown } from '../payload';

/** An operator's word on a canary (3.4): `reason` is required, it is stored with the verdict. */
export const OperatorDecisionSchema = z.object({
  decision: z.enum(['proceed', 'rollback'], { error: (iss) => `expected proceed or rollback, got ${shown(iss.input)}` }),
  by: z.string({ error: 'expected a string' }),
  reason: z.string({ error: 'expected a non-empty string' }).min(1, { error: 'expected a non-empty string' }),
});
export type OperatorDecision = z.infer<typeof OperatorDecisionSchema>;

/** Roll the canary back now (emergency pause, 9.1). */
export const EmergencyStopSchema = z.object({
  by: z.string({ error: 'expected a string' }),
  reason: z.string({ error: 'expected a string' }),
});
export type EmergencyStop = z.infer<typeof EmergencyStopSchema>;
