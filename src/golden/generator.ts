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
  const doc = new YAML.Document(stripDefaults(set), { aliasDuplicateObjects: false });
  const FLOW_KEYS = new Set(['config_overrides', 'base_params', 'generate', 'expected_order', 'tags', 'kinds', 'signal_range']);
  const pools = new Map<string, YAML.YAMLSeq>();
  YAML.visit(doc, {
    Pair(_key, pair) {
      if (!YAML.isScalar(pair.key)) return;
      const name = String(pair.key.value);
      if (FLOW_KEYS.has(name) && YAML.isCollection(pair.value)) pair.value.flow = true;
      if ((name === 'candidates' || name === 'checks') && YAML.isSeq(pair.value)) {
        for (const item of pair.value.items) if (YAML.isMap(item)) item.flow = true;
      }
      if (name === 'candidates' && YAML.isSeq(pair.value) && pair.value.items.length > 0) {
        const key = canonicalJson(pair.value.toJSON());
        const first = pools.get(key);
        if (first) {
          pair.value = doc.createAlias(first, first.anchor);
        } else {
          pair.value.anchor = `pool${pools.size + 1}`;
          pools.set(key, pair.value);
        }
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
  return { ...set, cases: set.cases.map(clean), invariants: set.invariants.map(clean) };
}
