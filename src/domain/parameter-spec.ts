/**
 * The tuned parameters and the rule table as the config declares them: one zod schema and one
 * type each (STYLE 3). The config (src/config/schema.ts) validates into these; the pure core
 * reads them through parameters.ts. Workflow code imports only the types of this file (zod stays
 * out of the workflow bundle).
 */
import { z } from 'zod';

const positive = z.number().positive();
const snakeCase = z.string().regex(/^[a-z][a-z0-9_]*$/, 'expected a snake_case name');

/** One tunable parameter of the Business Logic Card (2.1-2.5). */
export const ParameterSpecSchema = z
  .strictObject({
    /** Name used in proposals, bounds and history (e.g. `temperature`). */
    name: snakeCase,
    /** Dotted path in the Business Logic Card (e.g. `selection.temperature`). */
    card_path: z.string().regex(/^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)+$/, 'expected a dotted card path such as selection.temperature'),
    type: z.enum(['float', 'int']),
    /** Limits that no history, triage or override may move (2.4). */
    hard_min: z.number(),
    hard_max: z.number(),
    /** Largest change the autopilot may make in one day (2.5). */
    max_daily_delta: positive,
    /** Sliding bounds the first time the parameter is seen (2.1). Defaults to the hard limits. */
    initial_min: z.number().optional(),
    initial_max: z.number().optional(),
    /** Step the rule-based proposer takes when it moves this parameter. */
    step: positive,
    /**
     * The value VVTV uses when the card does not contain `card_path` (for `selection.top_k`, the
     * planner's batch size). With it, a card without the field is tuned from this value and the
     * first change writes the field; without it, the parameter is not tuned while the field is
     * absent (the cycle report lists it as skipped).
     */
    value_when_absent: z.number().optional(),
  })
  .refine((p) => p.hard_min < p.hard_max, { message: 'hard_min must be below hard_max', path: ['hard_max'] })
  .refine((p) => p.step <= p.max_daily_delta, { message: 'step must not exceed max_daily_delta', path: ['step'] })
  .refine((p) => p.value_when_absent === undefined || (p.value_when_absent >= p.hard_min && p.value_when_absent <= p.hard_max), {
    message: 'value_when_absent must lie within the hard limits',
    path: ['value_when_absent'],
  })
  .refine((p) => (p.initial_min ?? p.hard_min) >= p.hard_min && (p.initial_max ?? p.hard_max) <= p.hard_max, {
    message: 'initial bounds must lie within the hard limits',
    path: ['initial_min'],
  });

export type ParameterSpec = z.infer<typeof ParameterSpecSchema>;

/**
 * One row of the rule table (1.3): when `kpi`'s 24 h level is `when` its target band, move
 * `parameter` one step in `direction`. `expected_impact` is the coarse prior of the relative KPI
 * change per step: the cold-start proposer reports it, and the learning optimizer starts from it.
 */
export const ProposalRuleSchema = z.strictObject({
  name: snakeCase,
  /** business_metrics.metric_type of the KPI that triggers the rule. */
  kpi: z.string().min(1),
  when: z.enum(['below', 'above']),
  /** The parameter it moves (a `parameters[].name`). */
  parameter: z.string().min(1),
  direction: z.literal([1, -1], 'expected 1 (up) or -1 (down)'),
  rationale: z.string().min(1),
  /** Relative change per step, by KPI (0.04 = +4 %). */
  expected_impact: z.record(z.string().min(1), z.number()),
});

export type ProposalRule = z.infer<typeof ProposalRuleSchema>;

/** Rule names must be unique (they are recorded with every change they cause). */
export const ProposalRulesSchema = z.array(ProposalRuleSchema).superRefine((rules, ctx) => {
  rules.forEach((r, i) => {
    if (rules.findIndex((x) => x.name === r.name) !== i) {
      ctx.addIssue({ code: 'custom', message: `duplicate rule name ${r.name}`, path: [i, 'name'] });
    }
  });
});
