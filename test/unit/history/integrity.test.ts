import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HistoryStore } from '../../../src/adapters/history';
import { CARD_YAML, cardWithTemperature, input, tempRoot } from './fixtures';

describe('HistoryStore: integrity check (5.1)', () => {
  let root: string;
  let cleanup: () => void;
  let store: HistoryStore;
  beforeEach(() => {
    ({ root, cleanup } = tempRoot());
    let t = Date.parse('2026-11-03T10:00:00Z');
    store = new HistoryStore(root, { now: () => new Date((t += 1000)) });
  });
  afterEach(() => cleanup());

  it('reports ok for an untouched history', () => {
    store.storeVersion('main', CARD_YAML, input());
    store.storeVersion('main', cardWithTemperature(0.8), input());
    expect(store.verifyIntegrity('main')).toEqual({ ok: true, checked: 2, problems: [] });
    expect(store.verifyIntegrity('empty')).toEqual({ ok: true, checked: 0, problems: [] });
  });

  it('finds a hand-corrupted card as hash_mismatch', () => {
    const a = store.storeVersion('main', CARD_YAML, input());
    writeFileSync(join(root, a.card_file), cardWithTemperature(0.9));
    const report = store.verifyIntegrity('main');
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([{ kind: 'hash_mismatch', file: a.card_file, detail: expect.stringMatching(/card bytes changed/) }]);
  });

  it('finds a card that no longer parses as hash_mismatch', () => {
    const a = store.storeVersion('main', CARD_YAML, input());
    writeFileSync(join(root, a.card_file), 'knobs: [');
    expect(store.verifyIntegrity('main').problems).toEqual([
      { kind: 'hash_mismatch', file: a.card_file, detail: expect.stringMatching(/no longer parses|bytes changed/) },
    ]);
  });

  it('finds a deleted card as missing_card and a deleted meta as missing_meta', () => {
    const a = store.storeVersion('main', CARD_YAML, input());
    const b = store.storeVersion('main', cardWithTemperature(0.8), input());
    rmSync(join(root, a.card_file));
    rmSync(join(root, b.card_file.replace(/\.yaml$/, '.json')));
    const report = store.verifyIntegrity('main');
    expect(report.ok).toBe(false);
    expect(report.problems.map((p) => [p.kind, p.file])).toEqual(
      expect.arrayContaining([
        ['missing_card', a.card_file],
        ['missing_meta', b.card_file],
      ]),
    );
    expect(report.problems).toHaveLength(2);
  });

  it('finds orphan files: a stray temp file, a foreign file and an unknown folder entry', () => {
    const a = store.storeVersion('main', CARD_YAML, input());
    const day = a.card_file.split('/')[1]!;
    writeFileSync(join(root, 'main', day, 'notes.txt'), 'hi');
    writeFileSync(join(root, a.card_file + '.1234abcd'), 'partial');
    writeFileSync(join(root, 'main', 'README'), 'x');
    const report = store.verifyIntegrity('main');
    expect(report.problems.map((p) => [p.kind, p.file]).sort()).toEqual(
      [
        ['orphan_file', `main/${day}/notes.txt`],
        ['orphan_file', `${a.card_file}.1234abcd`],
        ['orphan_file', 'main/README'],
      ].sort(),
    );
  });

  it('finds an unreadable meta and leaves it out of list', () => {
    const a = store.storeVersion('main', CARD_YAML, input());
    const b = store.storeVersion('main', cardWithTemperature(0.8), input());
    const metaFile = b.card_file.replace(/\.yaml$/, '.json');
    writeFileSync(join(root, metaFile), '{ not json');
    const report = store.verifyIntegrity('main');
    expect(report.checked).toBe(2);
    expect(report.problems).toEqual([{ kind: 'unreadable_meta', file: metaFile, detail: expect.stringMatching(/not valid JSON/) }]);
    expect(store.list('main').items.map((m) => m.version_id)).toEqual([a.version_id]);
    expect(() => store.getVersion('main', b.version_id)).toThrow(/not valid JSON/);
  });

  it('reports a meta copied under another version name as unreadable_meta', () => {
    const a = store.storeVersion('main', CARD_YAML, input());
    const b = store.storeVersion('main', cardWithTemperature(0.8), input());
    const aMeta = join(root, a.card_file.replace(/\.yaml$/, '.json'));
    writeFileSync(join(root, b.card_file.replace(/\.yaml$/, '.json')), readFileSync(aMeta));
    expect(store.verifyIntegrity('main').problems).toEqual([
      expect.objectContaining({ kind: 'unreadable_meta', detail: expect.stringMatching(/names version/) }),
    ]);
  });
});
