import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import YAML from 'yaml';
import { parseCard } from '../../../src/adapters/card-store';
import { loadConfig, parseConfig } from '../../../src/config/load';
import { loadGoldenSets, parseGoldenSet } from '../../../src/golden';
import { mutation, oddValue, pathText, validationProblems } from '../../support/fuzz';

const ROOT = join(__dirname, '../../..');
const CONFIG_TEXT = readFileSync(join(ROOT, 'config/autopilot.yaml'), 'utf8');
const GOLDEN_TEXT = readFileSync(join(ROOT, 'config/golden/default.yaml'), 'utf8');
const CARD_TEXT = readFileSync(join(ROOT, 'config/business_logic.example.yaml'), 'utf8');
const CONFIG = YAML.parse(CONFIG_TEXT);
const GOLDEN = YAML.parse(GOLDEN_TEXT);
const CARD = YAML.parse(CARD_TEXT);
const RUNS = { numRuns: 150 };
/** The card's numbers the schema knows; its other sections are kept as written (10.5). */
const CARD_FIELDS = new Set(['selection.temperature', 'selection.top_k', 'knobs.plan_selection_bias', 'exploration.epsilon']);
const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/**
 * A number replaced by a value of another kind is refused naming exactly that field. (Other
 * mutations may be refused at a field that refers to the mutated one, e.g. a rule naming a removed
 * parameter; those problems still each start with a path.)
 */
function expectNamed(
  problems: string[],
  path: Array<string | number>,
  original: unknown,
  mutated: unknown,
  checked = (_: string) => true,
  nullable: ReadonlySet<string> = new Set(),
): void {
  if (!checked(pathText(path))) return;
  const at = (v: unknown) => path.reduce<unknown>((o, k) => (o as Record<string | number, unknown> | undefined)?.[k], v);
  const before = at(original);
  const after = at(mutated);
  if (after === null && nullable.has(pathText(path))) return; // a field the file may set to null
  if (typeof before === 'number' && after !== undefined && typeof after !== 'number')
    expect(problems.filter((p) => p.startsWith(`${pathText(path)}: `))).not.toEqual([]);
}

/** YAML text derived from a valid file: cut, duplicated or spliced with noise. */
const textMutation = (text: string) =>
  fc.oneof(
    fc.nat(text.length).map((n) => text.slice(0, n)),
    fc.tuple(fc.nat(text.length), fc.string({ maxLength: 20 })).map(([n, s]) => text.slice(0, n) + s + text.slice(n)),
    fc.tuple(fc.nat(text.length), fc.nat(40)).map(([n, k]) => text.slice(0, n) + text.slice(n + k)),
    fc.string({ maxLength: 200 }),
    fc.constantFrom('', '---\n---\n', '[1, 2', '!!binary AAAA', 'a: &x 1\nb: *y\n', 'a: 1\na: 2\n', '\u0000', '? [a]\n: 1\n'),
  );

describe('fuzzing the files we read: a clear ValidationError naming the field, never another exception (10.1)', () => {
  it('config: one field replaced by an odd value or removed', () => {
    fc.assert(
      fc.property(mutation(CONFIG), ({ path, mutated }) => {
        expectNamed(
          validationProblems(() => parseConfig(YAML.stringify(mutated), 'autopilot.yaml')),
          path,
          CONFIG,
          mutated,
        );
      }),
      RUNS,
    );
  });

  it('config: mangled YAML text, and odd environment overrides', () => {
    fc.assert(
      fc.property(textMutation(CONFIG_TEXT), (text) => void validationProblems(() => parseConfig(text, 'autopilot.yaml'))),
      RUNS,
    );
    const names = [
      'TEMPORAL_ADDRESS',
      'TEMPORAL_NAMESPACE',
      'VVTV_DATA_DIR',
      'VVTV_METRICS_PORT',
      'VVTV_ALERT_WEBHOOK_URL',
      'VVTV_ALERTMANAGER_URL',
    ];
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...names), fc.string()), mutation(CONFIG), (env, { mutated }) => {
        validationProblems(() => parseConfig(YAML.stringify(mutated), 'autopilot.yaml', env));
      }),
      RUNS,
    );
  });

  it('golden set: one field replaced or removed, and mangled text', () => {
    fc.assert(
      fc.property(mutation(GOLDEN), ({ path, mutated }) => {
        expectNamed(
          validationProblems(() => parseGoldenSet(YAML.stringify(mutated), 'golden.yaml')),
          path,
          GOLDEN,
          mutated,
        );
      }),
      { numRuns: 20 }, // a golden set parse takes ~0.3 s
    );
    fc.assert(
      fc.property(textMutation(GOLDEN_TEXT), (text) => void validationProblems(() => parseGoldenSet(text, 'golden.yaml'))),
      { numRuns: 20 },
    );
  });

  it('card: one field replaced or removed, and mangled text', () => {
    fc.assert(
      fc.property(mutation(CARD), ({ path, mutated }) => {
        expectNamed(
          validationProblems(() => parseCard(YAML.stringify(mutated), 'card.yaml')),
          path,
          CARD,
          mutated,
          (p) => CARD_FIELDS.has(p),
          // VVTV's top_k is optional: null means the planner's batch size.
          new Set(['selection.top_k']),
        );
      }),
      RUNS,
    );
    fc.assert(
      fc.property(textMutation(CARD_TEXT), (text) => void validationProblems(() => parseCard(text, 'card.yaml'))),
      RUNS,
    );
  });

  it('whole documents of arbitrary values', () => {
    fc.assert(
      fc.property(oddValue(), (v) => {
        const text = YAML.stringify(v) ?? '';
        validationProblems(() => parseConfig(text, 'autopilot.yaml'));
        validationProblems(() => parseGoldenSet(text, 'golden.yaml'));
        validationProblems(() => parseCard(text, 'card.yaml'));
      }),
      RUNS,
    );
  });

  it('loading from disk changes no file, valid or not', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vvtv-fuzz-'));
    const config = join(dir, 'autopilot.yaml');
    const golden = join(dir, 'golden.yaml');
    fc.assert(
      fc.property(textMutation(CONFIG_TEXT), textMutation(GOLDEN_TEXT), (c, g) => {
        writeFileSync(config, c);
        writeFileSync(golden, g);
        const before = [sha(config), sha(golden)];
        validationProblems(() => loadConfig(config, {}));
        validationProblems(() => loadGoldenSets(golden));
        expect([sha(config), sha(golden)]).toEqual(before);
      }),
      { numRuns: 30 },
    );
  });
});
