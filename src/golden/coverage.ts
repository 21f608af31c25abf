/**
 * 6.5 coverage analysis: which parts of each tuned parameter's hard range, which methods, which
 * checks and which edge cases have no golden case. A parameter value counts as covered by a
 * pinned case (base ⊕ overrides) or by an invariant case that overrides it; invariant cases
 * without an override run at whatever is proposed and cover no fixed range.
 */
import { scoreCandidate, type Candidate } from '../adapters/selection';
import type { SelectionParams } from '../config/card';
import type { ParamDef } from '../domain/types';
import { uniqueCandidates } from './invariants';
import type { CheckType, GoldenSet, ResolvedCase } from './model';
import { resolveCases } from './resolve';

export const EDGE_CASES = [
  'empty',
  'single',
  'ties',
  'negative_scores',
  'huge_list',
  'all_hd_missing',
  'some_hd_missing',
  'duplicate_plan_ids',
  'top_k_above_candidates',
  'temperature_at_hard_min',
  'temperature_at_hard_max',
] as const;
export type EdgeCase = (typeof EDGE_CASES)[number];

const CHECK_TYPES: CheckType[] = [
  'top_k',
  'no_duplicates',
  'deterministic',
  'input_order_independent',
  'hd_missing_not_first',
  'hd_missing_first_rate',
  'diversity_floor',
  'recency_floor',
  'greedy_tie_break',
];
const METHODS: SelectionParams['method'][] = ['gumbel_top_k', 'softmax', 'greedy', 'epsilon_greedy'];
const HUGE = 1000;

export interface RangeBin {
  from: number;
  to: number;
  cases: string[];
}

export interface ParameterCoverage {
  parameter: string;
  hardMin: number;
  hardMax: number;
  atHardMin: string[];
  atHardMax: string[];
  bins: RangeBin[];
}

export interface CoverageReport {
  parameters: ParameterCoverage[];
  edgeCases: Record<EdgeCase, string[]>;
  methods: Record<string, string[]>;
  checks: Record<string, string[]>;
  /** Human-readable list of everything with no case: empty means full coverage. */
  gaps: string[];
}

/** Parameters are read from SelectionParams by the last segment of their card path (selection.top_k → top_k). */
function valueOf(params: SelectionParams, p: ParamDef): number | undefined {
  const v = (params as unknown as Record<string, unknown>)[p.card_path.split('.').pop()!];
  return typeof v === 'number' ? v : undefined;
}

export function analyzeCoverage(sets: GoldenSet[], params: ParamDef[], opts: { bins?: number } = {}): CoverageReport {
  const nBins = opts.bins ?? 4;
  const cases = sets.flatMap((s) => resolveCases(s).map((c) => ({ c, name: sets.length > 1 ? `${s.name}/${c.name}` : c.name })));
  const EPS = 1e-9;

  const parameters: ParameterCoverage[] = params.map((p) => {
    const width = (p.hard_max - p.hard_min) / nBins;
    const bins: RangeBin[] = Array.from({ length: nBins }, (_, i) => ({
      from: p.hard_min + i * width,
      to: p.hard_min + (i + 1) * width,
      cases: [],
    }));
    const cov: ParameterCoverage = { parameter: p.name, hardMin: p.hard_min, hardMax: p.hard_max, atHardMin: [], atHardMax: [], bins };
    for (const { c, name } of cases) {
      const v = fixedValue(c, p);
      if (v === undefined || v < p.hard_min - EPS || v > p.hard_max + EPS) continue;
      if (Math.abs(v - p.hard_min) < EPS) cov.atHardMin.push(name);
      if (Math.abs(v - p.hard_max) < EPS) cov.atHardMax.push(name);
      const i = Math.min(nBins - 1, Math.floor((v - p.hard_min) / width + EPS));
      bins[Math.max(0, i)].cases.push(name);
    }
    return cov;
  });

  const edgeCases = Object.fromEntries(EDGE_CASES.map((e) => [e, [] as string[]])) as Record<EdgeCase, string[]>;
  const methods: Record<string, string[]> = Object.fromEntries(METHODS.map((m) => [m, [] as string[]]));
  const checks: Record<string, string[]> = Object.fromEntries(CHECK_TYPES.map((t) => [t, [] as string[]]));
  const temp = params.find((p) => p.card_path.endsWith('.temperature'));
  for (const { c, name } of cases) {
    for (const e of edgesOf(c, temp)) edgeCases[e].push(name);
    const method = c.kind === 'pinned' ? c.params.method : c.overrides.method;
    if (method) methods[method].push(name);
    if (c.kind === 'invariant') for (const ch of new Set(c.checks.map((x) => x.type))) checks[ch].push(name);
  }

  const gaps: string[] = [];
  const fmt = (x: number) => String(Math.round(x * 1e6) / 1e6);
  for (const p of parameters) {
    if (!p.atHardMin.length) gaps.push(`${p.parameter}: no case at the hard min ${p.hardMin}`);
    if (!p.atHardMax.length) gaps.push(`${p.parameter}: no case at the hard max ${p.hardMax}`);
    for (const b of p.bins) if (!b.cases.length) gaps.push(`${p.parameter}: no case in [${fmt(b.from)}, ${fmt(b.to)}]`);
  }
  for (const [e, names] of Object.entries(edgeCases)) if (!names.length) gaps.push(`edge case ${e}: no case`);
  for (const [m, names] of Object.entries(methods)) if (!names.length) gaps.push(`method ${m}: no case pins it`);
  for (const [t, names] of Object.entries(checks)) if (!names.length) gaps.push(`check ${t}: no invariant case uses it`);
  return { parameters, edgeCases, methods, checks, gaps };
}

function fixedValue(c: ResolvedCase, p: ParamDef): number | undefined {
  if (c.kind === 'pinned') return valueOf(c.params, p);
  const key = p.card_path.split('.').pop()!;
  const v = (c.overrides as Record<string, unknown>)[key];
  return typeof v === 'number' ? v : undefined;
}

function edgesOf(c: ResolvedCase, temp: ParamDef | undefined): EdgeCase[] {
  const out: EdgeCase[] = [];
  const unique = uniqueCandidates(c.candidates);
  const n = unique.length;
  if (n === 0) out.push('empty');
  if (n === 1) out.push('single');
  if (n >= HUGE) out.push('huge_list');
  if (c.candidates.length !== n) out.push('duplicate_plan_ids');
  const hd = unique.filter((x) => x.hd_missing).length;
  if (n > 0 && hd === n) out.push('all_hd_missing');
  if (hd > 0 && hd < n) out.push('some_hd_missing');
  // Scores as the case runs them; invariant cases without a bias override are scored at bias 0.
  const bias = c.kind === 'pinned' ? c.params.plan_selection_bias : (c.overrides.plan_selection_bias ?? 0);
  const scores = unique.map((x: Candidate) => scoreCandidate(x, bias, new Date(c.now)));
  if (scores.some((s) => s < 0)) out.push('negative_scores');
  if (new Set(scores.map((s) => s.toFixed(12))).size < scores.length) out.push('ties');
  const topK = c.kind === 'pinned' ? c.params.top_k : c.overrides.top_k;
  if (topK !== undefined && topK > n && n > 0) out.push('top_k_above_candidates');
  if (temp) {
    const t = c.kind === 'pinned' ? c.params.temperature : c.overrides.temperature;
    if (t !== undefined && Math.abs(t - temp.hard_min) < 1e-9) out.push('temperature_at_hard_min');
    if (t !== undefined && Math.abs(t - temp.hard_max) < 1e-9) out.push('temperature_at_hard_max');
  }
  return out;
}
