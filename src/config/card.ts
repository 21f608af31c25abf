import { z } from 'zod';

/**
 * The parameters the reference selection reads from a card, declared once: the card's sections
 * and the golden set's base parameters and overrides are derived from this schema.
 */
export const SelectionParamsSchema = z.strictObject({
  method: z.enum(['gumbel_top_k', 'softmax', 'greedy']),
  temperature: z.number().gt(0, 'expected a temperature above 0'),
  top_k: z.number().int().min(1),
  plan_selection_bias: z.number().min(-1).max(1),
  epsilon: z.number().min(0).max(1),
});

export type SelectionParams = z.infer<typeof SelectionParamsSchema>;

/**
 * VVTV's Business Logic Card. Known sections are validated; unknown keys are kept
 * (looseObject) so that manual edits and newer planner fields survive a rewrite (10.5).
 */
export const CardSchema = z.looseObject({
  policy_version: z.string().min(1),
  env: z.string().min(1),
  knobs: z.looseObject(SelectionParamsSchema.pick({ plan_selection_bias: true }).shape),
  scheduling: z.looseObject({}).optional(),
  selection: z.looseObject({
    ...SelectionParamsSchema.pick({ method: true, temperature: true, top_k: true }).shape,
    seed_strategy: z.enum(['per_slot', 'fixed', 'random']).default('per_slot'),
  }),
  exploration: z.looseObject(SelectionParamsSchema.pick({ epsilon: true }).shape),
  autopilot: z.looseObject({ enabled: z.boolean().default(true) }).optional(),
  kpis: z.looseObject({}).optional(),
});

export type Card = z.infer<typeof CardSchema>;

export function selectionParams(card: Card): SelectionParams {
  return {
    method: card.selection.method,
    temperature: card.selection.temperature,
    top_k: card.selection.top_k,
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
