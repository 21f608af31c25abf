import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { parseCard } from '../../../src/adapters/card-store';
import { HistoryIntegrityError, HistoryStore } from '../../../src/adapters/history';
import { ValidationError } from '../../../src/config/errors';
import { FILE_LIMITS, FileTooLargeError, MAX_YAML_ALIASES, parseYaml, readTextFile } from '../../../src/config/files';
import { loadConfig, parseConfig } from '../../../src/config/load';
import { loadGoldenSets, parseGoldenSet } from '../../../src/golden';
import { run } from '../../support/cli';
import { CARD_YAML, input } from '../history/fixtures';

const ROOT = join(__dirname, '../../..');
const CONFIG = readFileSync(join(ROOT, 'config/autopilot.yaml'), 'utf8');
const GOLDEN = readFileSync(join(ROOT, 'config/golden/default.yaml'), 'utf8');
const tmp = () => mkdtempSync(join(tmpdir(), 'vvtv-limits-'));

/** `text` padded with a YAML comment to `bytes` bytes: still valid, just big. */
const padded = (text: string, bytes: number) => `${text}\n#${'x'.repeat(Math.max(0, bytes - text.length - 2))}`;

/** "Billion laughs": ten levels of nine aliases, 9^10 strings once expanded, 1 KiB as text. */
function aliasBomb(key = 'bomb'): string {
  const lines = [`${key}:`, '  a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]'];
  for (let i = 1; i < 10; i++)
    lines.push(
      `  a${i}: &a${i} [${Array(9)
        .fill(`*a${i - 1}`)
        .join(', ')}]`,
    );
  return `${lines.join('\n')}\n`;
}

/** A data dir and config for the CLI; Temporal points at a closed port. */
function cliSetup(): { configPath: string; dir: string } {
  const dir = tmp();
  const raw = YAML.parse(CONFIG);
  raw.data_dir = join(dir, 'data');
  raw.temporal = { ...raw.temporal, address: '127.0.0.1:1' };
  const configPath = join(dir, 'autopilot.yaml');
  writeFileSync(configPath, YAML.stringify(raw));
  const cardPath = join(dir, 'data/cards/main/business_logic.yaml');
  mkdirSync(join(cardPath, '..'), { recursive: true });
  copyFileSync(join(ROOT, 'config/business_logic.example.yaml'), cardPath);
  return { configPath, dir };
}

const thrown = (f: () => unknown): Error => {
  try {
    f();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
};

describe('size limits on the files we read', () => {
  it('refuses a config file past 1 MiB, naming the file and the limit', () => {
    const path = join(tmp(), 'autopilot.yaml');
    writeFileSync(path, padded(CONFIG, FILE_LIMITS.config + 1));
    const err = thrown(() => loadConfig(path, {}));
    expect(err).toBeInstanceOf(FileTooLargeError);
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.message).toBe(`${path}: larger than the 1 MiB limit for a config file`);
    writeFileSync(path, padded(CONFIG, FILE_LIMITS.config)); // exactly at the limit is fine
    expect(loadConfig(path, {}).config.channels).toEqual(['main']);
  });

  it('refuses a golden set file past 8 MiB, naming the file and the limit', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'a.yaml'), padded(GOLDEN, FILE_LIMITS.golden + 10));
    const err = thrown(() => loadGoldenSets(dir));
    expect(err).toBeInstanceOf(FileTooLargeError);
    expect(err.message).toBe(`${join(dir, 'a.yaml')}: larger than the 8 MiB limit for a golden file`);
  });

  it('refuses card text past 1 MiB before parsing it, and the CLI validate says so with exit 2 (10.1)', async () => {
    expect(thrown(() => parseCard(padded(CARD_YAML, FILE_LIMITS.card + 1), 'new card'))).toBeInstanceOf(FileTooLargeError);
    const { configPath, dir } = cliSetup();
    const card = join(dir, 'big.yaml');
    writeFileSync(card, padded(CARD_YAML, FILE_LIMITS.card + 1));
    const r = await run(['--config', configPath, 'autopilot', 'validate', '--card', card]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`vvtvctl: ${card}: larger than the 1 MiB limit for a card file\n`);
  });

  it('reports a history meta past 256 KiB as unreadable, naming the limit, and never parses it (5.x)', () => {
    const root = tmp();
    const store = new HistoryStore(root, { now: () => new Date('2026-11-03T10:15:42Z') });
    const meta = store.storeVersion('main', CARD_YAML, input());
    const metaPath = join(root, meta.card_file.replace(/\.yaml$/, '.json'));
    writeFileSync(metaPath, padded(readFileSync(metaPath, 'utf8'), FILE_LIMITS.meta + 1).replace('\n#', '\n '));
    const err = thrown(() => store.getVersion('main', meta.version_id));
    expect(err).toBeInstanceOf(HistoryIntegrityError);
    expect((err as HistoryIntegrityError).reason).toBe('meta is larger than the 256 KiB limit');
  });

  it('reads a device that reports no size only up to the limit', () => {
    expect(thrown(() => readTextFile('/dev/zero', 'meta'))).toBeInstanceOf(FileTooLargeError);
  });
});

describe('YAML alias bombs are validation errors, quickly', () => {
  const expectAliasError = (f: () => unknown) => {
    const started = Date.now();
    const err = thrown(f);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).problems).toEqual([
      `(root): YAML aliases expand past the limit of ${MAX_YAML_ALIASES} (an alias bomb?)`,
    ]);
  };

  it('in the config', () => expectAliasError(() => parseConfig(`${CONFIG}\n${aliasBomb()}`, 'autopilot.yaml')));
  it('in a card', () => expectAliasError(() => parseCard(`${CARD_YAML}${aliasBomb()}`, 'card.yaml')));
  it('in a golden set', () => expectAliasError(() => parseGoldenSet(`${GOLDEN}\n${aliasBomb()}`, 'golden.yaml')));

  it('the CLI validate answers a card alias bomb with exit 2, not a generic failure (10.1)', async () => {
    const { configPath, dir } = cliSetup();
    const card = join(dir, 'bomb.yaml');
    writeFileSync(card, `${readFileSync(join(ROOT, 'config/business_logic.example.yaml'), 'utf8')}${aliasBomb('extra')}`);
    const r = await run(['--config', configPath, 'autopilot', 'validate', '--card', card]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/bomb\.yaml is invalid:\n {2}- \(root\): YAML aliases expand past the limit/);
  });

  it('the CLI validate answers a config alias bomb with exit 2', async () => {
    const { configPath } = cliSetup();
    writeFileSync(configPath, `${readFileSync(configPath, 'utf8')}${aliasBomb('extra')}`);
    const r = await run(['--config', configPath, 'autopilot', 'validate']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/autopilot\.yaml is invalid:\n {2}- \(root\): YAML aliases expand past the limit/);
  });

  it('a few ordinary aliases still work', () => {
    expect(parseYaml('base: &b { a: 1 }\none: *b\ntwo: *b\n', 'x.yaml')).toEqual({ base: { a: 1 }, one: { a: 1 }, two: { a: 1 } });
  });
});
