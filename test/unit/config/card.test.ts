import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { applyToCardYaml, parseCard } from '../../../src/adapters/card-store';
import { CardSchema, SEED_STRATEGIES, SelectionParamsSchema, selectionParams, setPath } from '../../../src/config/card';
import { ValidationError } from '../../../src/config/errors';

const VVTV_STYLE = readFileSync(join(__dirname, '../../fixtures/cards/vvtv-style.yaml'), 'utf8');
const BASE: Record<string, unknown> = YAML.parse(VVTV_STYLE);

/** The problems parseCard names for the VVTV-style card with `path` set to `value` (undefined removes it). */
function problemsWith(path: string, value: unknown): string[] {
  const raw = setPath(BASE, path, value);
  if (value === undefined) {
    const keys = path.split('.');
    const parent = keys.slice(0, -1).reduce((o, k) => o[k] as Record<string, unknown>, raw);
    delete parent[keys[keys.length - 1]];
  }
  try {
    parseCard(YAML.stringify(raw), 'card');
    return [];
  } catch (err) {
    if (err instanceof ValidationError) return err.problems;
    throw err;
  }
}

describe('the Business Logic Card as VVTV defines it (10.1)', () => {
  it("accepts a card in VVTV's schema: its seed strategies, no top_k, comments and an unknown section", () => {
    const { card } = parseCard(VVTV_STYLE, 'card');
    expect(card.selection).toEqual({ method: 'gumbel_top_k', temperature: 0.5, seed_strategy: 'slot_hash' });
    expect(card.house_rules).toEqual({ quiet_hours: ['02:00', '05:00'], owner: 'ops@example.org' });
    for (const method of SelectionParamsSchema.shape.method.options) {
      for (const strategy of SEED_STRATEGIES) {
        expect(problemsWith('selection', { method, seed_strategy: strategy, temperature: 1 })).toEqual([]);
      }
    }
  });

  it("gives absent optional sections and fields VVTV's defaults", () => {
    const minimal = CardSchema.parse({
      policy_version: 2025.1,
      env: 'production',
      knobs: { boost_bucket: 'music', music_mood_focus: [], interstitials_ratio: 0, plan_selection_bias: 0 },
      selection: {},
    });
    expect(minimal).toEqual({
      policy_version: 2025.1,
      env: 'production',
      knobs: { boost_bucket: 'music', music_mood_focus: [], interstitials_ratio: 0, plan_selection_bias: 0 },
      selection: { method: 'gumbel_top_k', temperature: 0.85, seed_strategy: 'slot_hash' },
      scheduling: { slot_duration_minutes: 15, lock_curator_applies: false },
      // VVTV derives Default for a missing exploration section: epsilon 0, not the field default 0.1.
      exploration: { epsilon: 0 },
      autopilot: { enabled: false },
      kpis: { primary: [], secondary: [] },
    });
    const sectionWithoutEpsilon = parseCard(VVTV_STYLE.replace('  epsilon: 0.04\n', '  max_retries: 2\n'), 'card').card;
    expect(sectionWithoutEpsilon.exploration).toEqual({ epsilon: 0.1, max_retries: 2 });
    const emptySection = parseCard(VVTV_STYLE.replace('  epsilon: 0.04\n', ''), 'card').card;
    expect(emptySection.exploration).toEqual({ epsilon: 0.1 });
  });

  it('an absent top_k is the planner batch size in the reference selection', () => {
    const { card } = parseCard(VVTV_STYLE, 'card');
    expect(selectionParams(card, 12).top_k).toBe(12);
    expect(selectionParams(card, 5).top_k).toBe(5);
    expect(selectionParams(parseCard(VVTV_STYLE.replace('seed_strategy:', 'top_k: 7\n  seed_strategy:'), 'c').card, 12).top_k).toBe(7);
  });

  it.each([
    ['knobs.plan_selection_bias', 0.21, /^knobs\.plan_selection_bias: expected a number in \[-0\.20, 0\.20\]/],
    ['knobs.plan_selection_bias', -0.2001, /^knobs\.plan_selection_bias: /],
    ['selection.temperature', 0, /^selection\.temperature: expected a temperature above 0/],
    ['selection.top_k', 0, /^selection\.top_k: /],
    ['selection.top_k', 2.5, /^selection\.top_k: /],
    ['exploration.epsilon', 1.01, /^exploration\.epsilon: expected a number in \[0, 1\]/],
    ['exploration.epsilon', -0.01, /^exploration\.epsilon: /],
    ['scheduling.slot_duration_minutes', 0, /^scheduling\.slot_duration_minutes: expected at least 1/],
    ['autopilot.max_daily_variation', -0.01, /^autopilot\.max_daily_variation: /],
    ['selection.method', 'thompson', /^selection\.method: /],
    ['selection.seed_strategy', 'per_slot', /^selection\.seed_strategy: /],
    ['knobs.boost_bucket', undefined, /^knobs\.boost_bucket: /],
    ['knobs.music_mood_focus', 'calm', /^knobs\.music_mood_focus: /],
    ['knobs.interstitials_ratio', undefined, /^knobs\.interstitials_ratio: /],
    ['kpis.primary', 'selection_entropy', /^kpis\.primary: /],
    ['scheduling.global_seed', -1, /^scheduling\.global_seed: /],
    ['autopilot.enabled', 'yes', /^autopilot\.enabled: /],
  ])('refuses what VVTV refuses, naming the field: %s = %p', (path, value, message) => {
    const problems = problemsWith(path, value);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
  });

  it('refuses a card without knobs or selection, as VVTV does', () => {
    expect(problemsWith('knobs', undefined)[0]).toMatch(/^knobs: /);
    expect(problemsWith('selection', undefined)[0]).toMatch(/^selection: /);
  });

  it("draws the line exactly where VVTV's validate() does (property)", () => {
    const accepts = (path: string, value: unknown) => problemsWith(path, value).length === 0;
    const finite = fc.double({ min: -3, max: 3, noNaN: true });
    fc.assert(
      fc.property(finite, (b) => accepts('knobs.plan_selection_bias', b) === (b >= -0.2 && b <= 0.2)),
      { numRuns: 200 },
    );
    fc.assert(
      fc.property(finite, (t) => accepts('selection.temperature', t) === t > 0),
      { numRuns: 200 },
    );
    fc.assert(
      fc.property(finite, (e) => accepts('exploration.epsilon', e) === (e >= 0 && e <= 1)),
      { numRuns: 200 },
    );
    fc.assert(
      fc.property(finite, (v) => accepts('autopilot.max_daily_variation', v) === v >= 0),
      { numRuns: 200 },
    );
    fc.assert(
      fc.property(fc.integer({ min: -5, max: 100 }), (k) => accepts('selection.top_k', k) === k >= 1),
      { numRuns: 100 },
    );
    fc.assert(
      fc.property(fc.integer({ min: -5, max: 100 }), (m) => accepts('scheduling.slot_duration_minutes', m) === m >= 1),
      {
        numRuns: 100,
      },
    );
  });

  it('rewrites a tuned number in place: every other byte of the card stays as written (10.5)', () => {
    const r = applyToCardYaml(VVTV_STYLE, [{ cardPath: 'selection.temperature', value: 0.65 }], 'card');
    expect(r.yaml).toBe(VVTV_STYLE.replace('temperature: 0.5', 'temperature: 0.65'));
    expect(r.card.selection.temperature).toBe(0.65);
  });

  it('writes a field the card lacks only for a parameter with value_when_absent', () => {
    expect(() =>
      applyToCardYaml(
        VVTV_STYLE.replace(/^exploration:\n {2}epsilon: 0.04\n/m, ''),
        [{ cardPath: 'exploration.epsilon', value: 0.06 }],
        'c',
      ),
    ).toThrow(/exploration\.epsilon: no such section/);
    const created = applyToCardYaml(VVTV_STYLE, [{ cardPath: 'selection.top_k', value: 10, create: true }], 'c');
    expect(created.card.selection.top_k).toBe(10);
    expect(created.yaml).toContain('# unknown to VVTV and to the autopilot: kept as written');
  });
});
