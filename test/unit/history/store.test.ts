import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cardSha256, parseCard } from '../../../src/adapters/card-store';
import { HistoryIntegrityError, HistoryStore, VersionNotFoundError } from '../../../src/adapters/history';
import { ValidationError } from '../../../src/config/errors';
import { CARD_YAML, cardWithTemperature, change, input, tempRoot } from './fixtures';

const AT = new Date('2026-11-03T10:15:42.123Z');

describe('HistoryStore: storing versions', () => {
  let root: string;
  let cleanup: () => void;
  let store: HistoryStore;
  beforeEach(() => {
    ({ root, cleanup } = tempRoot());
    store = new HistoryStore(root, { now: () => AT });
  });
  afterEach(() => cleanup());

  it('stores the card with its SHA256, timestamp and rationale, and returns the exact bytes (5.1)', () => {
    const yaml = CARD_YAML.replace('env: dev', 'env: dev   # odd  spacing kept\n\n');
    const meta = store.storeVersion('main', yaml, input({ rationale: 'raise temperature', changes: [change('temperature', 0.6, 0.7)] }));

    expect(meta.sha256).toBe(cardSha256(parseCard(yaml, 't').card));
    expect(meta.created_at).toBe('2026-11-03T10:15:42.123Z');
    expect(meta.rationale).toBe('raise temperature');
    expect(meta.channel).toBe('main');
    expect(readFileSync(join(root, meta.card_file), 'utf8')).toBe(yaml);

    const back = store.getVersion('main', meta.version_id);
    expect(back?.yaml).toBe(yaml);
    expect(back?.meta).toEqual(meta);
  });

  it('lays files out as <channel>/YYYY-MM-DD/<HHMMSS>_<sha12> in UTC with id <YYYYMMDD>T<HHMMSS>Z_<sha12> (5.2)', () => {
    // 23:30 at UTC-02:00 is already the next day in UTC
    const meta = store.storeVersion('main', CARD_YAML, input({ created_at: '2026-11-03T23:30:05-02:00' }));
    const sha12 = meta.sha256.slice(0, 12);

    expect(meta.version_id).toBe(`20261104T013005Z_${sha12}`);
    expect(meta.created_at).toBe('2026-11-04T01:30:05.000Z');
    expect(meta.card_file).toBe(`main/2026-11-04/013005_${sha12}.yaml`);
    expect(readdirSync(join(root, 'main', '2026-11-04')).sort()).toEqual([`013005_${sha12}.json`, `013005_${sha12}.yaml`]);
    const onDisk = JSON.parse(readFileSync(join(root, 'main', '2026-11-04', `013005_${sha12}.json`), 'utf8'));
    expect(onDisk).toEqual(meta);
  });

  it('appends -2, -3 when the id already exists, for the same or different content (5.1)', () => {
    const a = store.storeVersion('main', CARD_YAML, input());
    const b = store.storeVersion('main', CARD_YAML, input());
    const c = store.storeVersion('main', CARD_YAML.replace('# Business Logic Card', '# same card, new comment'), input());

    expect(b.version_id).toBe(`${a.version_id}-2`);
    expect(c.sha256).toBe(a.sha256);
    expect(c.version_id).toBe(`${a.version_id}-3`);
    expect(c.card_file).toMatch(/_[0-9a-f]{12}-3\.yaml$/);
    expect(store.getVersion('main', c.version_id)?.yaml).toContain('# same card, new comment');
    expect(store.getVersion('main', a.version_id)?.yaml).toBe(CARD_YAML);
    expect(store.list('main').items.map((m) => m.version_id)).toEqual([c.version_id, b.version_id, a.version_id]);
  });

  it('rejects invalid YAML with a ValidationError naming the field and writes nothing (5.1)', () => {
    const bad = CARD_YAML.replace('temperature: 0.7', 'temperature: -1');
    expect(() => store.storeVersion('main', bad, input())).toThrow(ValidationError);
    expect(() => store.storeVersion('main', bad, input())).toThrow(/selection\.temperature/);
    expect(() => store.storeVersion('main', 'knobs: [unclosed', input())).toThrow(ValidationError);
    expect(existsSync(join(root, 'main'))).toBe(false);
  });

  it('rejects bad metadata and unsafe channel names before writing anything', () => {
    expect(() => store.storeVersion('main', CARD_YAML, input({ deployment: { status: 'live' as never, updated_at: 'x' } }))).toThrow(
      /deployment\.status/,
    );
    expect(() => store.storeVersion('../escape', CARD_YAML, input())).toThrow(ValidationError);
    expect(readdirSync(root)).toEqual([]);
  });

  it('ignores id, hash and paths carried in by a spread of an older meta (5.1)', () => {
    const old = store.storeVersion('main', cardWithTemperature(0.6), input());
    const restored = store.storeVersion('main', CARD_YAML, { ...old, source: 'rollback', parent: old.version_id, created_at: undefined });

    expect(restored.sha256).toBe(cardSha256(parseCard(CARD_YAML, 't').card));
    expect(restored.version_id).not.toBe(old.version_id);
    expect(restored.version_id.endsWith(restored.sha256.slice(0, 12))).toBe(true);
    expect(store.getVersion('main', restored.version_id)?.yaml).toBe(CARD_YAML);
    expect(store.getVersion('main', old.version_id)?.yaml).toBe(cardWithTemperature(0.6));
    expect(store.verifyIntegrity('main').ok).toBe(true);
  });

  it('persists updateDeployment with the verdict and keeps the rest of the meta', () => {
    const meta = store.storeVersion('main', CARD_YAML, input({ changes: [change('temperature', 0.6, 0.7)] }));
    const deployment = {
      status: 'promoted' as const,
      updated_at: '2026-11-03T12:00:00.000Z',
      note: 'canary passed',
      verdict: {
        decision: 'Proceed' as const,
        rule: 'primary_improved' as const,
        reason: 'retention up',
        confidenceLevel: 0.95,
        nonInferiorityMargin: 0.01,
        kpis: [],
        final: true,
        method: 'welch_fixed_horizon' as const,
      },
    };
    const updated = store.updateDeployment('main', meta.version_id, deployment);

    const fresh = new HistoryStore(root).getVersion('main', meta.version_id);
    expect(fresh?.meta).toEqual(updated);
    expect(fresh?.meta.deployment).toEqual(deployment);
    expect(fresh?.meta.changes).toEqual(meta.changes);
    expect(() => store.updateDeployment('main', '20200101T000000Z_000000000000', deployment)).toThrow(VersionNotFoundError);
  });

  it('finds the latest version by status and a version by sha256', () => {
    let t = AT.getTime();
    const s = new HistoryStore(root, { now: () => new Date((t += 60_000)) });
    const a = s.storeVersion('main', cardWithTemperature(0.6), input({ deployment: { status: 'active', updated_at: AT.toISOString() } }));
    const b = s.storeVersion(
      'main',
      cardWithTemperature(0.8),
      input({ deployment: { status: 'rolled_back', updated_at: AT.toISOString() } }),
    );

    expect(s.latest('main')?.version_id).toBe(b.version_id);
    expect(s.latest('main', { status: ['active', 'promoted'] })?.version_id).toBe(a.version_id);
    expect(s.latest('other')).toBeNull();
    expect(s.findBySha('main', a.sha256.toUpperCase())?.version_id).toBe(a.version_id);
    expect(s.findBySha('main', '0'.repeat(64))).toBeNull();
  });

  it('getVersion returns null for an unknown id and throws HistoryIntegrityError for an altered card (5.1)', () => {
    const meta = store.storeVersion('main', CARD_YAML, input());
    expect(store.getVersion('main', '20261103T101542Z_ffffffffffff')).toBeNull();
    expect(() => store.getVersion('main', 'not-an-id')).toThrow(ValidationError);

    const path = join(root, meta.card_file);
    writeFileSync(path, cardWithTemperature(0.9));
    expect(() => store.getVersion('main', meta.version_id)).toThrow(HistoryIntegrityError);
    expect(() => store.getVersion('main', meta.version_id)).toThrow(/corrupt/);

    rmSync(path);
    expect(() => store.getVersion('main', meta.version_id)).toThrow(/missing card/);
  });

  it('detects a changed comment through the bytes hash even though the card hash is unchanged (5.1)', () => {
    const meta = store.storeVersion('main', CARD_YAML, input());
    writeFileSync(join(root, meta.card_file), CARD_YAML.replace('# Business', '# Edited'));
    expect(() => store.getVersion('main', meta.version_id)).toThrow(/card bytes changed/);
  });
});
