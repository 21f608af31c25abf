import { z } from 'zod';
import { CandidateSchema, type Candidate } from '../adapters/selection';
import { SelectionParamsSchema, type SelectionParams } from '../config/card';

/**
 * The golden set (6.2): pinned cases in VVTV's shape, whose `expected_order` the engine must
 * reproduce exactly, and invariant cases checked under the *proposed* parameters.
 *
 * Parameters a case runs with:
 * - pinned:    set.base_params ⊕ case.config_overrides (an engine regression test; it never
 *              depends on the proposal, so its expectation is stable until the card's structure
 *              changes, see maintenance.ts);
 * - invariant: proposed params ⊕ case.config_overrides (overrides pin edge values such as the
 *              extreme temperatures, so every run exercises them whatever the proposal is).
 */

/** Any of the selection parameters (src/config/card.ts), each optional; unknown keys refused. */
export const SelectionOverridesSchema = SelectionParamsSchema.partial();
export type SelectionOverrides = z.infer<typeof SelectionOverridesSchema>;

export { SelectionParamsSchema };

const seed = z.union([z.string().min(1), z.number().int()]);

/** Candidates made by a seeded generator instead of listed (huge lists stay small on disk). */
export const GenerateSchema = z.strictObject({
  count: z.number().int().min(0).max(100_000),
  seed,
  kinds: z.array(z.string().min(1)).min(1).default(['news', 'film', 'music', 'sport', 'documentary']),
  hd_missing_fraction: z.number().min(0).max(1).default(0.1),
  /** Ages are drawn uniformly in [0, max_age_hours] before the set's `now`. */
  max_age_hours: z.number().positive().default(96),
  /** Trending and engagement are drawn in [min, max]; negative values give negative scores. */
  signal_range: z.tuple([z.number(), z.number()]).default([0, 1]),
});
export type GenerateSpec = z.infer<typeof GenerateSchema>;

const caseBase = {
  name: z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/, 'expected a lowercase case name (letters, digits, _ . -)'),
  seed,
  candidates: z.array(CandidateSchema).optional(),
  generate: GenerateSchema.optional(),
  config_overrides: SelectionOverridesSchema.default({}),
  description: z.string().default(''),
  /** Free labels for coverage reports (edge cases are also detected from the data). */
  tags: z.array(z.string()).default([]),
};

const oneSource = (c: { candidates?: unknown; generate?: unknown }) => (c.candidates === undefined) !== (c.generate === undefined);
const sourceIssue = { message: 'expected exactly one of candidates or generate', path: ['candidates'] };

/** A VVTV golden case: the exact order the reference selection gives for this seed. */
export const PinnedCaseSchema = z
  .strictObject({ ...caseBase, expected_order: z.array(z.string().min(1)) })
  .refine(oneSource, sourceIssue)
  .refine((c) => new Set(c.expected_order).size === c.expected_order.length, {
    message: 'expected_order has duplicates',
    path: ['expected_order'],
  })
  .refine((c) => !c.candidates || c.expected_order.every((id) => c.candidates!.some((x) => x.plan_id === id)), {
    message: 'expected_order names a plan_id that is not among the candidates',
    path: ['expected_order'],
  });
export type PinnedCase = z.infer<typeof PinnedCaseSchema>;

/**
 * The checks an invariant case can ask for. Every one holds for a correct engine at any
 * parameters inside the hard ranges; the formulations (and why) are in invariants.ts.
 */
export const CheckSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('top_k') }),
  z.strictObject({ type: z.literal('no_duplicates') }),
  z.strictObject({ type: z.literal('deterministic'), runs: z.number().int().min(2).max(10).default(2) }),
  z.strictObject({ type: z.literal('input_order_independent') }),
  z.strictObject({ type: z.literal('hd_missing_not_first') }),
  z.strictObject({
    type: z.literal('hd_missing_first_rate'),
    seeds: z.number().int().min(20).max(5000).default(400),
    /** Allowed excess over the reference probability, in binomial standard errors. */
    z: z.number().positive().default(5),
  }),
  z.strictObject({ type: z.literal('diversity_floor'), min_kinds: z.number().int().min(1) }),
  z.strictObject({ type: z.literal('recency_floor'), max_age_hours: z.number().positive(), min_fresh: z.number().int().min(1) }),
  z.strictObject({ type: z.literal('greedy_tie_break') }),
]);
export type Check = z.infer<typeof CheckSchema>;
export type CheckType = Check['type'];

export const DEFAULT_CHECKS: Check[] = [{ type: 'top_k' }, { type: 'no_duplicates' }, { type: 'deterministic', runs: 2 }];

export const InvariantCaseSchema = z
  .strictObject({ ...caseBase, checks: z.array(CheckSchema).min(1).default(DEFAULT_CHECKS) })
  .refine(oneSource, sourceIssue);
export type InvariantCase = z.infer<typeof InvariantCaseSchema>;

export const GoldenSetSchema = z
  .strictObject({
    version: z.literal(1).default(1),
    name: z.string().min(1),
    description: z.string().default(''),
    /** The clock the selection sees (recency is measured from it). */
    now: z.iso.datetime({ offset: true }),
    /** Parameters of pinned cases before their overrides (the card's selection config). */
    base_params: SelectionParamsSchema,
    cases: z.array(PinnedCaseSchema).default([]),
    invariants: z.array(InvariantCaseSchema).default([]),
  })
  .refine((s) => new Set([...s.cases, ...s.invariants].map((c) => c.name)).size === s.cases.length + s.invariants.length, {
    message: 'case names must be unique across cases and invariants',
    path: ['cases'],
  });
export type GoldenSet = z.infer<typeof GoldenSetSchema>;

/** A case ready to run: candidates materialised, the set's clock attached. */
export type ResolvedCase =
  | {
      kind: 'pinned';
      name: string;
      seed: string | number;
      candidates: Candidate[];
      /** Set while the candidates are not yet generated (see resolve.ts `materialize`). */
      generate?: GenerateSpec;
      overrides: SelectionOverrides;
      /** base_params ⊕ overrides: what the expectation was generated with. */
      params: SelectionParams;
      now: string;
      expected: string[];
      description: string;
    }
  | {
      kind: 'invariant';
      name: string;
      seed: string | number;
      candidates: Candidate[];
      generate?: GenerateSpec;
      overrides: SelectionOverrides;
      now: string;
      checks: Check[];
      description: string;
    };

export type Order = string[];

/** One selection an engine must make. */
export interface SelectionRun {
  params: SelectionParams;
  seed: string | number;
}

/** Runs that share one candidate list (the unit an external engine receives). */
export interface Probe {
  candidates: Candidate[];
  runs: SelectionRun[];
}

/** What the engine answered for one run: an order, or the error it raised. */
export type RunOutcome = { order: Order } | { error: string };

export function applyOverrides(params: SelectionParams, overrides: SelectionOverrides): SelectionParams {
  const out = { ...params };
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
