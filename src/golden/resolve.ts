import { createRng, type Candidate } from '../adapters/selection';
import { canonicalJson } from '../config/card';
import { applyOverrides, type GenerateSpec, GoldenSet, InvariantCase, PinnedCase, ResolvedCase } from './model';

const HOUR_MS = 3_600_000;

/**
 * Deterministic candidates for a `generate:` spec: the same spec and clock always give the same
 * list, so a 2,000-candidate case costs four lines of YAML.
 */
export function generateCandidates(spec: GenerateSpec, now: string): Candidate[] {
  const rng = createRng(`golden-gen:${spec.seed}`);
  const t0 = Date.parse(now);
  const [lo, hi] = spec.signal_range;
  const width = String(Math.max(0, spec.count - 1)).length;
  const round = (x: number) => Math.round(x * 1e4) / 1e4;
  const out: Candidate[] = [];
  for (let i = 0; i < spec.count; i++) {
    out.push({
      plan_id: `g${String(i).padStart(width, '0')}`,
      kind: spec.kinds[Math.floor(rng.next() * spec.kinds.length)],
      curation_score: round(rng.next()),
      trending_score: round(lo + (hi - lo) * rng.next()),
      engagement_score: round(lo + (hi - lo) * rng.next()),
      duration_est_s: 300 + Math.floor(rng.next() * 3300),
      tags: [],
      hd_missing: rng.next() < spec.hd_missing_fraction,
      created_at: new Date(t0 - Math.floor(rng.next() * spec.max_age_hours * HOUR_MS)).toISOString(),
    });
  }
  return out;
}

const memo = new Map<string, Candidate[]>();

/** generateCandidates, remembered per (spec, clock): replicated cases share one list. */
export function generatedCandidates(spec: GenerateSpec, now: string): Candidate[] {
  const key = `${now}|${canonicalJson(spec)}`;
  let list = memo.get(key);
  if (!list) {
    if (memo.size >= 32) memo.clear();
    list = generateCandidates(spec, now);
    memo.set(key, list);
  }
  return list;
}

/** The case with its generated candidates filled in (a no-op for listed candidates). */
export function materialize<C extends ResolvedCase>(c: C): C {
  if (!c.generate) return c;
  const { generate, ...rest } = c;
  return { ...rest, candidates: generatedCandidates(generate, c.now) } as C;
}

/**
 * Every case of the set, pinned cases first. With `lazy`, generated candidate lists stay a
 * `generate` spec until `materialize` (a worker thread makes them instead of receiving them).
 */
export function resolveCases(set: GoldenSet, opts: { lazy?: boolean } = {}): ResolvedCase[] {
  const source = (c: PinnedCase | InvariantCase): { candidates: Candidate[]; generate?: GenerateSpec } =>
    c.candidates
      ? { candidates: c.candidates }
      : opts.lazy
        ? { candidates: [], generate: c.generate! }
        : { candidates: generatedCandidates(c.generate!, set.now) };
  const pinned: ResolvedCase[] = set.cases.map((c) => ({
    kind: 'pinned',
    name: c.name,
    seed: c.seed,
    ...source(c),
    overrides: c.config_overrides,
    params: applyOverrides(set.base_params, c.config_overrides),
    now: set.now,
    expected: c.expected_order,
    description: c.description,
  }));
  const invariants: ResolvedCase[] = set.invariants.map((c) => ({
    kind: 'invariant',
    name: c.name,
    seed: c.seed,
    ...source(c),
    overrides: c.config_overrides,
    now: set.now,
    checks: c.checks,
    description: c.description,
  }));
  return [...pinned, ...invariants];
}
