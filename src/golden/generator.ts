import YAML from 'yaml';
import { selectPlans } from '../adapters/selection';
import { canonicalJson, type SelectionParams } from '../config/card';
import { applyOverrides, type GoldenSet, type PinnedCase } from './model';
import { generateCandidates } from './resolve';

/**
 * Pinned expectations come from the reference selection, never from a hand: `expectedOrder`
 * is what selectPlans gives for the case under `base ⊕ config_overrides` at the set's clock.
 */
export function expectedOrder(c: Omit<PinnedCase, 'expected_order'>, base: SelectionParams, now: string): string[] {
  const candidates = c.candidates ?? generateCandidates(c.generate!, now);
  return selectPlans(candidates, applyOverrides(base, c.config_overrides), { seed: c.seed, now: new Date(now) }).order;
}

/** A copy of the set with every pinned case's expected_order regenerated under `base` (default: the set's own). */
export function pinExpectations(set: GoldenSet, base: SelectionParams = set.base_params): GoldenSet {
  return {
    ...set,
    base_params: base,
    cases: set.cases.map((c) => ({ ...c, expected_order: expectedOrder(c, base, set.now) })),
  };
}

/**
 * The set as YAML for humans: candidates, orders and overrides on one line each, shared
 * candidate lists written once as anchors (`&pool1`) and referred to by alias.
 */
export function renderGoldenSetYaml(set: GoldenSet, header = ''): string {
  const doc = new YAML.Document(stripDefaults(set), { aliasDuplicateObjects: true, anchorPrefix: 'pool' });
  YAML.visit(doc, {
    Seq(key, node) {
      if (key === 'expected_order' || key === 'tags' || key === 'signal_range' || key === 'kinds') node.flow = true;
    },
    Map(_key, node, path) {
      const parent = path[path.length - 1];
      const grand = path[path.length - 2];
      const inCandidates = YAML.isSeq(parent) && YAML.isPair(grand) && YAML.isScalar(grand.key) && grand.key.value === 'candidates';
      const inChecks = YAML.isSeq(parent) && YAML.isPair(grand) && YAML.isScalar(grand.key) && grand.key.value === 'checks';
      if (inCandidates || inChecks) node.flow = true;
    },
    Pair(_key, node) {
      if (YAML.isScalar(node.key) && ['config_overrides', 'base_params', 'generate'].includes(String(node.key.value)) && YAML.isMap(node.value)) {
        node.value.flow = true;
      }
    },
  });
  const body = doc.toString({ lineWidth: 0, flowCollectionPadding: true });
  return header ? `${header.trimEnd()}\n${body}` : body;
}

/** Leaves out empty defaults so the file stays short (the schema puts them back). */
function stripDefaults(set: GoldenSet): unknown {
  const clean = (c: Record<string, unknown>) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(c)) {
      if (k === 'tags' && Array.isArray(v) && v.length === 0) continue;
      if (k === 'description' && v === '') continue;
      if (k === 'config_overrides' && v && typeof v === 'object' && Object.keys(v).length === 0) continue;
      out[k] = v;
    }
    return out;
  };
  // Equal candidate lists become one object, so YAML writes them once (anchor) and aliases the rest.
  const pools = new Map<string, unknown>();
  const intern = (c: Record<string, unknown>) => {
    if (!Array.isArray(c.candidates)) return c;
    const key = canonicalJson(c.candidates);
    if (!pools.has(key)) pools.set(key, c.candidates);
    return { ...c, candidates: pools.get(key) };
  };
  return { ...set, cases: set.cases.map(clean).map(intern), invariants: set.invariants.map(clean).map(intern) };
}
