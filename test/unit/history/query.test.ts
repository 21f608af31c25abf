import fc from 'fast-check';
import { HistoryStore, type VersionMeta } from '../../../src/adapters/history';
import { csvField } from '../../../src/adapters/history/query';
import { ValidationError } from '../../../src/config/errors';
import { cardWithTemperature, change, input, tempRoot } from './fixtures';

/** Minimal RFC 4180 reader, to check the export from the outside. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
      } else if (ch === '"') {
        quoted = false;
        i++;
      } else {
        field += ch;
        i++;
      }
    } else if (ch === '"') {
      quoted = true;
      i++;
    } else if (ch === ',') {
      row.push(field);
      field = '';
      i++;
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i += 2;
    } else {
      field += ch;
      i++;
    }
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

describe('HistoryStore: queries and exports (5.1)', () => {
  let cleanup: () => void;
  let store: HistoryStore;
  let v: VersionMeta[];

  beforeEach(() => {
    let root: string;
    ({ root, cleanup } = tempRoot());
    let day = 0;
    store = new HistoryStore(root, { now: () => new Date(Date.UTC(2026, 10, 1 + day++, 9, 0, 0)) });
    const dep = (status: VersionMeta['deployment']['status']) => ({ status, updated_at: '2026-11-20T00:00:00.000Z' });
    v = [
      store.storeVersion('main', cardWithTemperature(0.6), input({ source: 'bootstrap', deployment: dep('superseded') })), // 11-01
      store.storeVersion(
        'main',
        cardWithTemperature(0.65),
        input({ changes: [change('temperature', 0.6, 0.65)], deployment: dep('superseded') }),
      ), // 11-02
      store.storeVersion(
        'main',
        cardWithTemperature(0.7),
        input({ changes: [change('temperature', 0.65, 0.7, 'Exploration'), change('top_k', 8, 9)], deployment: dep('rolled_back') }),
      ), // 11-03
      store.storeVersion(
        'main',
        cardWithTemperature(0.65),
        input({ source: 'rollback', changes: [change('temperature', 0.7, 0.65, 'Rollback')], deployment: dep('active') }),
      ), // 11-04
      store.storeVersion(
        'main',
        cardWithTemperature(0.68),
        input({ changes: [change('epsilon', 0.05, 0.06, 'Exploration')], deployment: dep('canary') }),
      ), // 11-05
    ];
  });
  afterEach(() => cleanup());

  const ids = (items: VersionMeta[]) => items.map((m) => m.version_id);

  it('lists newest first with total, limit and offset', () => {
    const all = store.list('main');
    expect(all.total).toBe(5);
    expect(ids(all.items)).toEqual(ids([...v].reverse()));

    const page = store.list('main', { limit: 2, offset: 1 });
    expect(page.total).toBe(5);
    expect(ids(page.items)).toEqual([v[3]!.version_id, v[2]!.version_id]);
    expect(store.list('main', { offset: 10 }).items).toEqual([]);
    expect(() => store.list('main', { limit: -1 })).toThrow(ValidationError);
  });

  it('filters by date range (inclusive), parameter, change type and status', () => {
    expect(ids(store.list('main', { from: '2026-11-02T09:00:00Z', to: '2026-11-04T09:00:00Z' }).items)).toEqual(
      [v[3]!, v[2]!, v[1]!].map((m) => m.version_id),
    );
    expect(ids(store.list('main', { parameter: 'temperature' }).items)).toEqual([v[3]!, v[2]!, v[1]!].map((m) => m.version_id));
    expect(ids(store.list('main', { changeType: 'Exploration' }).items)).toEqual([v[4]!, v[2]!].map((m) => m.version_id));
    expect(ids(store.list('main', { status: ['active', 'canary'] }).items)).toEqual([v[4]!, v[3]!].map((m) => m.version_id));
    const combined = store.list('main', { parameter: 'temperature', status: ['superseded', 'rolled_back'], limit: 1 });
    expect(combined.total).toBe(2);
    expect(ids(combined.items)).toEqual([v[2]!.version_id]);
    expect(() => store.list('main', { from: 'yesterday' })).toThrow(/from: expected an ISO date-time/);
  });

  it('traces a parameter trajectory oldest first from the changes new values', () => {
    expect(store.trajectory('main', 'temperature')).toEqual([
      { at: v[1]!.created_at, version_id: v[1]!.version_id, value: 0.65, status: 'superseded' },
      { at: v[2]!.created_at, version_id: v[2]!.version_id, value: 0.7, status: 'rolled_back' },
      { at: v[3]!.created_at, version_id: v[3]!.version_id, value: 0.65, status: 'active' },
    ]);
    expect(store.trajectory('main', 'unknown')).toEqual([]);
  });

  it('exports JSON with the same items as list', () => {
    const parsed = JSON.parse(store.exportJson('main', { status: ['active'] }));
    expect(parsed).toEqual({ channel: 'main', total: 1, items: [v[3]] });
  });

  it('exports one CSV row per change and quotes a rationale with commas, quotes and newlines (RFC 4180)', () => {
    const { root, cleanup: done } = tempRoot();
    try {
      const s = new HistoryStore(root, { now: () => new Date('2026-11-03T10:00:00Z') });
      const rationale = 'raise "temperature", because\nentropy fell,\r\nagain';
      const m = s.storeVersion(
        'main',
        cardWithTemperature(0.7),
        input({
          changes: [change('temperature', 0.6, 0.7, 'Correction', rationale), change('top_k', 8, 9, 'Optimization', '')],
          rationale: 'version-level, why',
        }),
      );
      const csv = s.exportCsv('main');

      expect(csv.split('\r\n')[0]).toBe('version_id,created_at,parameter,old,new,change_type,status,rationale');
      expect(csv).toContain('"raise ""temperature"", because\nentropy fell,\r\nagain"');
      expect(parseCsv(csv)).toEqual([
        ['version_id', 'created_at', 'parameter', 'old', 'new', 'change_type', 'status', 'rationale'],
        [m.version_id, m.created_at, 'temperature', '0.6', '0.7', 'Correction', 'pending', rationale],
        [m.version_id, m.created_at, 'top_k', '8', '9', 'Optimization', 'pending', 'version-level, why'],
      ]);
      expect(parseCsv(s.exportCsv('main', { parameter: 'top_k' }))).toHaveLength(2);
    } finally {
      done();
    }
  });

  it('exports only the rows of the versions and changes the query selects', () => {
    const rows = parseCsv(store.exportCsv('main', { changeType: 'Exploration' }));
    expect(rows.slice(1).map((r) => [r[0], r[2]])).toEqual([
      [v[4]!.version_id, 'epsilon'],
      [v[2]!.version_id, 'temperature'],
    ]);
  });

  it('quotes any CSV field so that a reader gets it back unchanged (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: fc.constantFrom('a', ',', '"', '\r', '\n', ' ', 'é') }), { minLength: 1, maxLength: 5 }),
        (fields) => {
          const line = fields.map(csvField).join(',') + '\r\n';
          expect(parseCsv(line)).toEqual([fields]);
        },
      ),
    );
  });
});
