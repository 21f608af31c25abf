import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCard } from '../../../src/adapters/card-store';
import { loadConfig } from '../../../src/config/load';
import {
  analyzeCoverage,
  buildDefaultGoldenSet,
  defaultGoldenPath,
  loadGoldenSets,
  parseGoldenSet,
  regenerateExpectations,
  runGolden,
  writeRegenerationReview,
  type GoldenSet,
} from '../../../src/golden';
import { ROOT } from './fixtures';

const set = buildDefaultGoldenSet();
const exampleCard = parseCard(readFileSync(join(ROOT, 'config', 'business_logic.example.yaml'), 'utf8'), 'example').card;

describe('golden set maintenance (6.5)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vvtv-golden-maint-'));
    copyFileSync(join(defaultGoldenPath(), 'default.yaml'), join(dir, 'default.yaml'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('regenerates pinned expectations for a new selection method into a reviewable diff, leaving the set untouched', async () => {
    const before = readFileSync(join(dir, 'default.yaml'), 'utf8');
    const newCard = { ...exampleCard, selection: { ...exampleCard.selection, method: 'softmax' as const } };
    const r = regenerateExpectations(set, { oldSelection: exampleCard, newSelection: newCard });
    expect(r.staleBefore).toEqual([]);
    expect(r.newBase.method).toBe('softmax');
    // cases that pin their own method keep their expectation; the others change
    expect(r.changed.length).toBeGreaterThan(5);
    expect(r.changed.map((c) => c.case)).not.toContain('pin-softmax-t0.1');
    expect(r.changed.map((c) => c.case)).not.toContain('pin-greedy-bias-max');

    const { proposedPath, diffPath } = writeRegenerationReview(dir, r);
    expect(readFileSync(join(dir, 'default.yaml'), 'utf8')).toBe(before);
    expect(readdirSync(dir).sort()).toEqual(['default.expectations.diff.md', 'default.proposed.yaml', 'default.yaml']);
    const diff = readFileSync(diffPath, 'utf8');
    expect(diff).toContain('| method | gumbel_top_k | softmax ⟵ |');
    expect(diff).toContain(`## ${r.changed[0].case}`);
    expect(diff).toMatch(/```diff\n[-+ ] \d+\. /);

    // The loader skips the proposal until someone adopts it …
    expect(loadGoldenSets(dir)).toEqual([set]);
    // … and the proposal is a valid set whose pinned cases pass on the reference.
    const proposed: GoldenSet = parseGoldenSet(readFileSync(proposedPath, 'utf8'), proposedPath);
    expect(proposed.base_params.method).toBe('softmax');
    const run = await runGolden(proposed, r.newBase, { poolSize: 1 });
    expect(run.passed).toBe(true);
    // while the current set fails under the new structure: that is what the review is for
    expect((await runGolden({ ...set, base_params: r.newBase }, r.newBase, { poolSize: 1 })).passed).toBe(false);
  });

  it('reports no change when the selection config is unchanged, and flags expectations already stale', () => {
    expect(regenerateExpectations(set, { oldSelection: set.base_params, newSelection: set.base_params }).changed).toEqual([]);
    const tampered = structuredClone(set);
    tampered.cases[0].expected_order = [...tampered.cases[0].expected_order].reverse();
    const r = regenerateExpectations(tampered, { oldSelection: set.base_params, newSelection: set.base_params });
    expect(r.staleBefore).toEqual(['pin-base']);
    expect(r.changed.map((c) => c.case)).toEqual(['pin-base']);
  });

  it('says which parameter ranges, methods, checks and edge cases a thin set leaves uncovered', () => {
    const params = loadConfig(join(ROOT, 'config', 'autopilot.yaml'), {}).config.parameters;
    const thin: GoldenSet = {
      ...set,
      cases: set.cases.filter((c) => c.name === 'pin-base'),
      invariants: set.invariants.filter((c) => c.name === 'edge-empty'),
    };
    const report = analyzeCoverage([thin], params);
    expect(report.gaps).toEqual(
      expect.arrayContaining([
        'temperature: no case at the hard min 0.1',
        'temperature: no case at the hard max 2',
        'top_k: no case in [15.5, 22.75]',
        'epsilon: no case at the hard max 0.3',
        'edge case huge_list: no case',
        'edge case ties: no case',
        'method softmax: no case pins it',
        'check hd_missing_first_rate: no invariant case uses it',
      ]),
    );
    expect(report.edgeCases.empty).toEqual(['edge-empty']);
    expect(report.gaps).not.toContain('edge case empty: no case');
  });
});
