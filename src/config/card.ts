import { z } from 'zod';

/**
 * The parameters the reference selection runs with, declared once: the card's sections and the
 * golden set's base parameters and overrides are derived from this schema. Its ranges are what
 * the reference selection can run; the card narrows them to what VVTV's own validate() allows.
 */
export const SelectionParamsSchema = z.strictObject({
  method: z.enum(['gumbel_top_k', 'softmax', 'greedy', 'epsilon_greedy']),
  temperature: z.number().gt(0, 'expected a temperature above 0'),
  top_k: z.number().int().min(1, 'expected an integer of at least 1'),
  plan_selection_bias: z.number().min(-1).max(1),
  epsilon: z.number().min(0, 'expected a number in [0, 1]').max(1, 'expected a number in [0, 1]'),
});

export type SelectionParams = z.infer<typeof SelectionParamsSchema>;

/** VVTV's seed strategies (selection.seed_strategy); src/adapters/selection/seed.ts says what each means here. */
export const SEED_STRATEGIES = ['slot_hash', 'global', 'window'] as const;
export type SeedStrategy = (typeof SEED_STRATEGIES)[number];

/** VVTV's PlannerConfig.selection_batch_size default: the number of picks when the card has no selection.top_k. */
export const VVTV_SELECTION_BATCH_SIZE = 12;

/** VVTV's validate(): plan_selection_bias must lie within [-0.20, 0.20]. */
export const PLAN_SELECTION_BIAS_LIMIT = 0.2;

const P = SelectionParamsSchema.shape;
const U32_MAX = 4_294_967_295;
/** VVTV reads these fields as text, and its YAML reader takes any scalar as text (`policy_version: 2025.10`). */
const text = z.union([z.string(), z.number(), z.boolean()], 'expected text');
const u32 = z.number().int('expected a whole number').min(0).max(U32_MAX);
/** u64 in VVTV; JavaScript reads YAML integers exactly only up to 2^53 − 1. */
const u64 = z.number().int('expected a whole number').min(0);

/**
 * An optional section: absent, it takes VVTV's value for a missing section (`whenAbsent`, run
 * through the section's own defaults); written but empty (`exploration:`), every field takes its
 * field default.
 */
function section<T extends z.ZodType>(schema: T, whenAbsent: Record<string, unknown>) {
  return z.preprocess((v) => (v === undefined ? whenAbsent : v === null ? {} : v), schema);
}

const KnobsSchema = z.looseObject({
  boost_bucket: text,
  music_mood_focus: z.array(text),
  interstitials_ratio: z.number(),
  /** VVTV's range, narrower than the reference selection's (the golden set probes beyond it). */
  plan_selection_bias: z
    .number()
    .min(-PLAN_SELECTION_BIAS_LIMIT, 'expected a number in [-0.20, 0.20]')
    .max(PLAN_SELECTION_BIAS_LIMIT, 'expected a number in [-0.20, 0.20]'),
});

const SchedulingSchema = z.looseObject({
  slot_duration_minutes: u32.min(1, 'expected at least 1').default(15),
  window_id: u64.nullish(),
  global_seed: u64.nullish(),
  lock_curator_applies: z.boolean().default(false),
});

const SelectionSchema = z.looseObject({
  method: P.method.default('gumbel_top_k'),
  temperature: P.temperature.default(0.85),
  /** Absent or null: the planner's batch size (VVTV_SELECTION_BATCH_SIZE unless the config says otherwise). */
  top_k: P.top_k.nullish(),
  seed_strategy: z.enum(SEED_STRATEGIES).default('slot_hash'),
});

const ExplorationSchema = z.looseObject({
  epsilon: P.epsilon.default(0.1),
  max_retries: u32.nullish(),
});

const AutopilotSectionSchema = z.looseObject({
  enabled: z.boolean().default(false),
  max_daily_variation: z.number().min(0, 'expected a number of at least 0').nullish(),
});

const KpisSchema = z.looseObject({
  primary: z.array(text).default([]),
  secondary: z.array(text).default([]),
});

/**
 * VVTV's Business Logic Card as VVTV itself reads it (vvtv-core business_logic: the serde types
 * and validate()), so that every card VVTV accepts is accepted here and every card it refuses is
 * refused, with the field named. Missing optional sections and fields take VVTV's defaults.
 * Deriving `Default` on VVTV's Exploration gives epsilon 0 when the whole section is absent, but
 * 0.1 when the section is written without epsilon; this schema does the same.
 * Unknown keys are kept (looseObject) so that manual edits and newer planner fields survive a
 * rewrite (10.5). Stricter than VVTV only where VVTV would run a broken planner: NaN and infinite
 * numbers are refused.
 */
export const CardSchema = z.looseObject({
  policy_version: text,
  env: text,
  knobs: KnobsSchema,
  scheduling: section(SchedulingSchema, {}),
  selection: SelectionSchema,
  exploration: section(ExplorationSchema, { epsilon: 0 }),
  autopilot: section(AutopilotSectionSchema, {}),
  kpis: section(KpisSchema, {}),
});

export type Card = z.infer<typeof CardSchema>;

/**
 * The parameters the reference selection runs a card with. An absent top_k is the planner's
 * batch size (never below 1, as in VVTV).
 */
export function selectionParams(card: Card, batchSize: number = VVTV_SELECTION_BATCH_SIZE): SelectionParams {
  return {
    method: card.selection.method,
    temperature: card.selection.temperature,
    top_k: card.selection.top_k ?? Math.max(1, Math.floor(batchSize)),
    plan_selection_bias: card.knobs.plan_selection_bias,
    epsilon: card.exploration.epsilon,
  };
}

/** Reads a dotted path (`selection.temperature`) from a plain object. */
export function getPath(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const key of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/** Returns a deep copy of `obj` with the dotted path set to `value`. */
export function setPath<T>(obj: T, path: string, value: unknown): T {
  const copy = structuredClone(obj) as Record<string, unknown>;
  const keys = path.split('.');
  let cur = copy;
  for (const key of keys.slice(0, -1)) {
    if (cur[key] === null || typeof cur[key] !== 'object') cur[key] = {};
    cur = cur[key] as Record<string, unknown>;
  }
  cur[keys[keys.length - 1]] = value;
  return copy as T;
}

/** JSON with object keys sorted at every depth: the input of the card's SHA256. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value as object)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}
