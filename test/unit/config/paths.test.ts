import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { readFileSync } from 'node:fs';
import { ValidationError } from '../../../src/config/errors';
import { parseConfig, storePath } from '../../../src/config/load';
import { HistoryStore } from '../../../src/adapters/history';

const BASE = YAML.parse(readFileSync(join(__dirname, '../../../config/autopilot.yaml'), 'utf8'));

function configWith(patch: (raw: Record<string, any>) => void) {
  const raw = structuredClone(BASE);
  patch(raw);
  return () => parseConfig(YAML.stringify(raw), 'autopilot.yaml');
}

/** The problems of the ValidationError `fn` throws. */
function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ValidationError) return err.problems;
    throw err;
  }
  throw new Error('no ValidationError');
}

describe('paths from outside stay inside the data folder', () => {
  it.each([
    ['card_path', '../../etc/cards/{channel}.yaml'],
    ['history_dir', 'history/../../elsewhere'],
    ['state_db', '..'],
    ['metrics_db', './../metrics.sqlite'],
  ])('a relative stores.%s climbing out of data_dir is refused by name', (field, value) => {
    expect(problems(configWith((raw) => (raw.stores = { ...raw.stores, [field]: value })))).toEqual([
      `stores.${field}: expected an absolute path or one inside data_dir (no '..' out of it)`,
    ]);
  });

  it('a NUL byte in a store path or data_dir is refused by name', () => {
    expect(problems(configWith((raw) => (raw.stores = { ...raw.stores, history_dir: 'hist\0ory' })))).toEqual([
      'stores.history_dir: expected a path without a NUL byte',
    ]);
    expect(problems(configWith((raw) => (raw.data_dir = '/tmp/x\0y')))).toEqual(['data_dir: expected a path without a NUL byte']);
  });

  it('absolute store paths (an operator pointing at VVTV’s own card) and inner `..` are accepted', () => {
    const c = configWith(
      (raw) => (raw.stores = { ...raw.stores, card_path: '/srv/vvtv/{channel}/card.yaml', history_dir: 'a/../history' }),
    )();
    expect(c.stores.card_path).toBe('/srv/vvtv/{channel}/card.yaml');
    expect(storePath({ ...c, data_dir: '/data' }, c.stores.history_dir)).toBe('/data/history');
  });

  it.each(['../x', 'a/b', '..', '', 'UPPER', 'nul\0', '/etc'])(
    'a channel that is not a channel id (%j) is refused in config and store paths',
    (ch) => {
      expect(problems(configWith((raw) => (raw.channels = [ch])))[0]).toMatch(/^channels\[0\]: /);
      const c = configWith(() => undefined)();
      expect(problems(() => storePath(c, c.stores.card_path, ch))).toEqual([
        `channel: expected a lowercase channel id (got ${JSON.stringify(ch)})`,
      ]);
    },
  );

  it('storePath refuses a relative path that leads out of data_dir even when the config was built in code', () => {
    const c = { ...configWith(() => undefined)(), data_dir: '/data' };
    expect(problems(() => storePath(c, '../../etc/passwd'))).toEqual(['path: "../../etc/passwd" leads out of data_dir /data']);
    expect(problems(() => storePath(c, 'a\0b'))[0]).toMatch(/^path: expected a path without a NUL byte/);
  });

  it('history refuses version ids and channels that would leave its folder, naming the field', () => {
    const root = mkdtempSync(join(tmpdir(), 'vvtv-paths-'));
    const h = new HistoryStore(join(root, 'history'));
    for (const id of ['../../x', '20260101T000000Z_abcdef012345/../../x', '/etc/passwd', '20260101T000000Z_abcdef012345\0'])
      expect(problems(() => h.getVersion('main', id))[0]).toMatch(/^version_id: expected YYYYMMDDTHHMMSSZ_<sha12>\[-n\]/);
    for (const ch of ['..', '../main', 'a/b', 'archive', 'x\0'])
      expect(problems(() => h.list(ch))[0]).toMatch(/^channel: expected letters, digits/);
  });
});
