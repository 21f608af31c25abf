import { createRng, type Candidate } from '../adapters/selection';
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

function candidatesOf(c: PinnedCase | InvariantCase, now: string): Candidate[] {
  return c.candidates ?? generateCandidates(c.generate!, now);
}

/** Every case of the set with its candidates materialised, pinned cases first. */
export function resolveCases(set: GoldenSet): ResolvedCase[] {
  const pinned: ResolvedCase[] = set.cases.map((c) => ({
    kind: 'pinned',
    name: c.name,
    seed: c.seed,
    candidates: candidatesOf(c, set.now),
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
    candidates: candidatesOf(c, set.now),
    overrides: c.config_overrides,
    now: set.now,
    checks: c.checks,
    description: c.description,
  }));
  return [...pinned, ...invariants];
}
