import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import zlib from 'node:zlib';
import { HistoryIntegrityError, HistoryStore, type VersionMeta } from '../../../src/adapters/history';
import { ValidationError } from '../../../src/config/errors';
import { readArchiveFile } from '../../../src/adapters/history/retention';
import { cardWithTemperature, input, tempRoot } from './fixtures';

const NOW = new Date('2027-03-01T12:00:00.000Z');
const DAY = 86_400_000;
const daysAgo = (d: number, extraMs = 0) => new Date(NOW.getTime() - d * DAY - extraMs).toISOString();
const done = (status: VersionMeta['deployment']['status'] = 'superseded') => ({ deployment: { status, updated_at: NOW.toISOString() } });

describe('HistoryStore: retention (5.4)', () => {
  let root: string;
  let cleanup: () => void;
  let store: HistoryStore;
  beforeEach(() => {
    ({ root, cleanup } = tempRoot());
    store = new HistoryStore(root, { now: () => NOW });
  });
  afterEach(() => {
    jest.restoreAllMocks();
    cleanup();
  });

  it('refuses an archive that decompresses past the size limit (a gzip bomb) as an integrity error', () => {
    store.storeVersion('main', cardWithTemperature(0.6), input({ created_at: daysAgo(91), ...done() }));
    store.storeVersion('main', cardWithTemperature(0.66), input({ created_at: daysAgo(1), ...done('active') }));
    const result = store.applyRetention('main', { days: 90 });
    const compressed = statSync(result.archive!).size;
    const limit = compressed + 1; // the file itself passes; what it expands to does not
    expect(() => readArchiveFile(result.archive!, limit)).toThrow(/decompresses to more than the .* limit for an archive/);
    expect(() => readArchiveFile(result.archive!, limit)).toThrow(HistoryIntegrityError);
    expect(() => readArchiveFile(result.archive!, compressed - 1)).toThrow(/larger than the .* limit for an archive/);
    expect(readArchiveFile(result.archive!)).toHaveLength(1);
  });

  it('archives 91-day-old versions, keeps 89-day-old ones, and the archive holds them exactly (5.4)', () => {
    const old1 = store.storeVersion('main', cardWithTemperature(0.6), input({ created_at: daysAgo(91, 60_000), ...done() }));
    const old2 = store.storeVersion('main', cardWithTemperature(0.62), input({ created_at: daysAgo(91), ...done('rolled_back') }));
    const young = store.storeVersion('main', cardWithTemperature(0.64), input({ created_at: daysAgo(89), ...done() }));
    const newest = store.storeVersion('main', cardWithTemperature(0.66), input({ created_at: daysAgo(1), ...done('active') }));
    const oldDay = old1.card_file.split('/')[1]!;

    const result = store.applyRetention('main', { days: 90 });

    expect(result.archived).toBe(2);
    expect(result.archive).toBe(join(root, 'main', 'archive', '2027-03-01.jsonl.gz'));
    const archived = store.readArchive(result.archive!);
    expect(archived.map((a) => a.meta)).toEqual([old1, old2]);
    expect(archived.map((a) => a.yaml)).toEqual([cardWithTemperature(0.6), cardWithTemperature(0.62)]);
    expect(store.readArchive('main/archive/2027-03-01.jsonl.gz')).toEqual(archived);

    expect(existsSync(join(root, old1.card_file))).toBe(false);
    expect(existsSync(join(root, 'main', oldDay))).toBe(false); // empty day folder removed
    expect(store.getVersion('main', old2.version_id)).toBeNull();
    expect(store.list('main').items.map((m) => m.version_id)).toEqual([newest.version_id, young.version_id]);
    expect(store.getVersion('main', young.version_id)?.yaml).toBe(cardWithTemperature(0.64));
    expect(store.verifyIntegrity('main')).toEqual({ ok: true, checked: 2, problems: [] });
  });

  it('keeps a version exactly 90 days old: at least 90 days are kept (5.4)', () => {
    const edge = store.storeVersion('main', cardWithTemperature(0.6), input({ created_at: daysAgo(90), ...done() }));
    store.storeVersion('main', cardWithTemperature(0.7), input({ created_at: daysAgo(0), ...done('active') }));
    expect(store.applyRetention('main', { days: 90 })).toEqual({ archived: 0, kept: [] });
    expect(store.getVersion('main', edge.version_id)).not.toBeNull();
    expect(existsSync(join(root, 'main', 'archive'))).toBe(false);
  });

  it('never archives the newest version or a live one (pending, canary, active), and says so (5.4)', () => {
    const active = store.storeVersion('main', cardWithTemperature(0.6), input({ created_at: daysAgo(200), ...done('active') }));
    const gone = store.storeVersion('main', cardWithTemperature(0.62), input({ created_at: daysAgo(150), ...done('rejected') }));
    const newest = store.storeVersion('main', cardWithTemperature(0.64), input({ created_at: daysAgo(120), ...done('superseded') }));

    const result = store.applyRetention('main', { days: 90 });
    expect(result.archived).toBe(1);
    expect(store.readArchive(result.archive!).map((a) => a.meta.version_id)).toEqual([gone.version_id]);
    expect(result.kept).toEqual(
      expect.arrayContaining([
        { version_id: active.version_id, reason: 'deployment status is active' },
        { version_id: newest.version_id, reason: 'newest version of the channel' },
      ]),
    );
    expect(store.verifyIntegrity('main').ok).toBe(true);
  });

  it('leaves a corrupted old version in place instead of archiving or dropping it (5.4)', () => {
    const bad = store.storeVersion('main', cardWithTemperature(0.6), input({ created_at: daysAgo(100), ...done() }));
    store.storeVersion('main', cardWithTemperature(0.7), input({ created_at: daysAgo(1), ...done('active') }));
    writeFileSync(join(root, bad.card_file), cardWithTemperature(0.9));

    const result = store.applyRetention('main', { days: 90 });
    expect(result.archived).toBe(0);
    expect(result.kept).toEqual([{ version_id: bad.version_id, reason: expect.stringMatching(/card bytes changed/) }]);
    expect(existsSync(join(root, bad.card_file))).toBe(true);
  });

  it('writes a second archive beside the first on a second run the same day, never overwriting (5.4)', () => {
    store.storeVersion('main', cardWithTemperature(0.6), input({ created_at: daysAgo(100), ...done() }));
    store.storeVersion('main', cardWithTemperature(0.7), input({ created_at: daysAgo(1), ...done('active') }));
    const first = store.applyRetention('main', { days: 90 });
    store.storeVersion('main', cardWithTemperature(0.65), input({ created_at: daysAgo(95), ...done() }));
    const second = store.applyRetention('main', { days: 90 });

    expect(second.archive).toBe(join(root, 'main', 'archive', '2027-03-01-2.jsonl.gz'));
    expect(store.readArchive(first.archive!)).toHaveLength(1);
    expect(store.readArchive(second.archive!)).toHaveLength(1);
    expect(readdirSync(join(root, 'main', 'archive')).sort()).toEqual(['2027-03-01-2.jsonl.gz', '2027-03-01.jsonl.gz']);
    expect(store.verifyIntegrity('main').ok).toBe(true);
  });

  it('removes nothing when the archive does not read back the same (5.4)', () => {
    const old = store.storeVersion('main', cardWithTemperature(0.6), input({ created_at: daysAgo(100), ...done() }));
    store.storeVersion('main', cardWithTemperature(0.7), input({ created_at: daysAgo(1), ...done('active') }));
    const real = zlib.gzipSync;
    jest
      .spyOn(zlib, 'gzipSync')
      .mockImplementation((buf) => real(Buffer.from(String(buf).replace('temperature: 0.6', 'temperature: 0.61'))));

    expect(() => store.applyRetention('main', { days: 90 })).toThrow(HistoryIntegrityError);
    expect(store.getVersion('main', old.version_id)?.yaml).toBe(cardWithTemperature(0.6));
    expect(readdirSync(join(root, 'main', 'archive'))).toEqual([]);
  });

  it('refuses an unreadable archive and a non-positive retention', () => {
    const path = join(root, 'broken.jsonl.gz');
    writeFileSync(path, 'not gzip');
    expect(() => store.readArchive(path)).toThrow(HistoryIntegrityError);
    expect(() => store.applyRetention('main', { days: 0 })).toThrow(ValidationError);
  });
});
