import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import {
  MetricsUnavailableError,
  rfc3339,
  SqliteMetricsStore,
  timestampBound,
  VVTV_BUSINESS_METRICS_DDL,
  VVTV_TIMESTAMP,
  VvtvMetricsWriter,
} from '../../../src/adapters/metrics-store';
import { storedMetricType, vvtvMetricType } from '../../../src/domain/metric-names';

const tmp = () => mkdtempSync(join(tmpdir(), 'vvtv-metrics-'));

/** A database exactly as VVTV's monitor leaves it: its DDL, default journal mode, rows inserted by hand. */
function vvtvDatabase(rows: Array<[string, string, number, string | null]>): string {
  const path = join(tmp(), 'metrics.sqlite');
  const db = new Database(path);
  db.exec(VVTV_BUSINESS_METRICS_DDL);
  const ins = db.prepare('INSERT INTO business_metrics (timestamp, metric_type, value, context) VALUES (?, ?, ?, ?)');
  for (const r of rows) ins.run(...r);
  db.close();
  return path;
}

describe("VVTV's metric names and timestamps", () => {
  it('stores a KPI under its lower-cased variant name, unless the KPI names its own', () => {
    expect(vvtvMetricType('selection_entropy')).toBe('selectionentropy');
    expect(vvtvMetricType('curator_apply_budget_used_pct')).toBe('curatorapplybudgetusedpct');
    expect(vvtvMetricType('autopilot_pred_vs_real_error')).toBe('autopilotpredvsrealerror');
    expect(storedMetricType({ name: 'engagement', metric_type: 'viewer_minutes' })).toBe('viewer_minutes');
  });

  it("writes chrono's rfc3339: +00:00 and 0, 3, 6 or 9 fractional digits", () => {
    const t = Date.parse('2026-12-02T03:04:05.000Z');
    expect(rfc3339(t)).toBe('2026-12-02T03:04:05+00:00');
    expect(rfc3339(t + 120)).toBe('2026-12-02T03:04:05.120+00:00');
    expect(rfc3339(t + 120, 500_000)).toBe('2026-12-02T03:04:05.120500+00:00');
    expect(rfc3339(t + 120, 1)).toBe('2026-12-02T03:04:05.120000001+00:00');
    expect(rfc3339(t, 7)).toBe('2026-12-02T03:04:05.000000007+00:00');
    for (const s of [rfc3339(t), rfc3339(t + 1), rfc3339(t, 1000), rfc3339(t, 1)]) expect(s).toMatch(VVTV_TIMESTAMP);
    expect(VVTV_TIMESTAMP.test('2026-12-02T03:04:05Z')).toBe(false);
    expect(VVTV_TIMESTAMP.test('2026-12-02T03:04:05.12+00:00')).toBe(false);
    expect(() => timestampBound('yesterday')).toThrow(/expected an ISO 8601 instant, got "yesterday"/);
  });
});

describe("the metrics store reads VVTV's database as VVTV writes it", () => {
  // Rows around an hour's edges in every form chrono writes (and a `null` context, as VVTV stores it).
  const rows: Array<[string, string, number, string | null]> = [
    ['2026-11-25T09:59:59.999999999+00:00', 'selectionentropy', 1, 'null'],
    ['2026-11-25T10:00:00+00:00', 'selectionentropy', 2, '{"method":"GumbelTopK","selected_count":12,"temperature":0.85,"top_k":12}'],
    ['2026-11-25T10:00:00.000001+00:00', 'selectionentropy', 3, 'null'],
    ['2026-11-25T10:00:00.499999999+00:00', 'selectionentropy', 4, 'null'],
    ['2026-11-25T10:00:00.500+00:00', 'selectionentropy', 5, 'null'],
    ['2026-11-25T10:59:59.999+00:00', 'selectionentropy', 6, 'not json'],
    ['2026-11-25T11:00:00+00:00', 'selectionentropy', 7, 'null'],
    [
      '2026-11-25T10:30:00.123456+00:00',
      'curatorapplybudgetusedpct',
      0.4,
      '{"capacity":120.0,"confidence":0.9,"decision":"Apply","tokens_remaining":72.0}',
    ],
  ];

  it('selects exactly the rows of [from, to) whatever their fraction, reading read-only', () => {
    const path = vvtvDatabase(rows);
    const before = readdirSync(join(path, '..')).sort();
    const m = SqliteMetricsStore.file(path);
    const q = { channel: 'main', metricType: 'selectionentropy', from: '2026-11-25T10:00:00Z', to: '2026-11-25T11:00:00Z' };
    expect(m.window(q).map((p) => p.value)).toEqual([2, 3, 4, 5, 6]);
    expect(m.window({ ...q, from: '2026-11-25T10:00:00.500Z' }).map((p) => p.value)).toEqual([5, 6]);
    expect(m.window({ ...q, to: '2026-11-25T10:00:00.500Z' }).map((p) => p.value)).toEqual([2, 3, 4]);
    expect(m.hourly({ ...q, to: '2026-11-25T12:00:00Z' })).toEqual([
      { hour: '2026-11-25T10', n: 5, sum: 20, sumSquares: 4 + 9 + 16 + 25 + 36, nonFinite: 0 },
      { hour: '2026-11-25T11', n: 1, sum: 7, sumSquares: 49, nonFinite: 0 },
    ]);
    expect(m.count('main')).toBe(rows.length);
    expect(m.inspect('main', '2026-11-25T00:00:00Z')).toMatchObject({
      rows: 8,
      metricTypes: { selectionentropy: 7, curatorapplybudgetusedpct: 1 },
      vvtvTimestamps: 8,
      otherTimestamps: [],
      contexts: { null: 5, object: 2, invalid: 1 },
      groups: {},
      canaryIds: [],
    });
    m.close();
    // Nothing of VVTV's changed: journal mode, schema, files.
    const db = new Database(path, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('delete');
    expect((db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'index'").get() as { n: number }).n).toBe(2);
    db.close();
    expect(readdirSync(join(path, '..')).sort()).toEqual(before);
  });

  it('refuses to write: the connection is read-only', () => {
    const path = vvtvDatabase(rows);
    const m = SqliteMetricsStore.file(path);
    m.count('main');
    const db = (m as unknown as { dbs: Map<string, Database.Database> }).dbs.get(path)!;
    expect(() => db.exec("INSERT INTO business_metrics (timestamp, metric_type, value) VALUES ('x', 'y', 1)")).toThrow(/readonly/);
    m.close();
  });

  it('tells channels apart by a context key when one database holds several', () => {
    const path = vvtvDatabase([
      ['2026-11-25T10:00:00+00:00', 'selectionentropy', 1, '{"channel":"a","top_k":12}'],
      ['2026-11-25T10:00:01+00:00', 'selectionentropy', 2, '{"channel":"b","top_k":12}'],
      ['2026-11-25T10:00:02+00:00', 'selectionentropy', 3, 'null'],
      ['2026-11-25T10:00:03+00:00', 'selectionentropy', 4, 'garbage'],
    ]);
    const q = { metricType: 'selectionentropy', from: '2026-11-25T10:00:00Z', to: '2026-11-25T11:00:00Z' };
    const keyed = SqliteMetricsStore.file(path, 'channel');
    expect(keyed.window({ ...q, channel: 'a' }).map((p) => p.value)).toEqual([1]);
    expect(keyed.window({ ...q, channel: 'b' }).map((p) => p.value)).toEqual([2]);
    expect(keyed.count('a')).toBe(1);
    const whole = SqliteMetricsStore.file(path);
    expect(whole.window({ ...q, channel: 'a' }).map((p) => p.value)).toEqual([1, 2, 3, 4]);
    keyed.close();
    whole.close();
  });

  it('cuts a switchback window into blocks, the wash-out apart', () => {
    const start = Date.parse('2026-11-25T10:00:00Z');
    const at = (s: number) => rfc3339(start + s * 1000, 123);
    // Blocks of 60 s with a 15 s wash-out: rows at 5 s and 20 s of block 0, 10 s into blocks 1 and 2.
    const path = vvtvDatabase([
      [at(-1), 'k', 100, 'null'],
      [at(5), 'k', 1, 'null'],
      [at(20), 'k', 2, 'null'],
      [at(21), 'k', Infinity, 'null'],
      [at(70), 'k', 3, 'null'],
      [at(130), 'k', 4, 'null'],
    ]);
    const m = SqliteMetricsStore.file(path);
    const parts = m.blockParts({
      channel: 'main',
      metricType: 'k',
      from: new Date(start - 60_000).toISOString(),
      to: new Date(start + 180_000).toISOString(),
      startMs: start,
      blockMs: 60_000,
      washoutMs: 15_000,
    });
    expect(parts).toEqual([
      { block: 0, afterWashout: false, n: 1, sum: 1, nonFinite: 0 },
      { block: 0, afterWashout: true, n: 1, sum: 2, nonFinite: 1 },
      { block: 1, afterWashout: false, n: 1, sum: 3, nonFinite: 0 },
      { block: 2, afterWashout: false, n: 1, sum: 4, nonFinite: 0 },
    ]);
    m.close();
  });

  it('says what is wrong with a missing or foreign database, naming the path and the setting', () => {
    const dir = tmp();
    const missing = SqliteMetricsStore.file(join(dir, 'none.sqlite'));
    const q = { channel: 'main', metricType: 'k', from: '2026-11-25T10:00:00Z', to: '2026-11-25T11:00:00Z' };
    expect(() => missing.window(q)).toThrow(MetricsUnavailableError);
    expect(() => missing.window(q)).toThrow(/not found at .*none\.sqlite \(stores\.metrics_db\)/);
    expect(existsSync(join(dir, 'none.sqlite'))).toBe(false);
    const other = join(dir, 'other.sqlite');
    new Database(other).exec('CREATE TABLE t (x)');
    expect(() => SqliteMetricsStore.file(other).window(q)).toThrow(/no business_metrics table/);
    const junk = join(dir, 'junk.sqlite');
    writeFileSync(junk, 'this is not a database, only text long enough to look like a header of some sort');
    expect(() => SqliteMetricsStore.file(junk).window(q)).toThrow(MetricsUnavailableError);
  });

  it("reads what the simulator's writer stores (VVTV's DDL, WAL like VVTV)", () => {
    const path = join(tmp(), 'metrics.sqlite');
    const w = new VvtvMetricsWriter(path);
    w.insert([{ timestamp: rfc3339(Date.parse('2026-11-25T10:00:00Z'), 5), metric_type: 'selectionentropy', value: 2, context: null }]);
    const m = SqliteMetricsStore.file(path);
    expect(m.window({ channel: 'main', metricType: 'selectionentropy', from: '2026-11-25T10:00:00Z', to: '2026-11-25T10:00:01Z' })).toEqual(
      [{ timestamp: '2026-11-25T10:00:00.000000005+00:00', value: 2 }],
    );
    const cols = new Database(path, { readonly: true }).prepare('PRAGMA table_info(business_metrics)').all() as Array<{
      name: string;
      type: string;
    }>;
    expect(cols.map((c) => `${c.name}:${c.type}`)).toEqual([
      'id:INTEGER',
      'timestamp:TEXT',
      'metric_type:TEXT',
      'value:REAL',
      'context:TEXT',
      'created_at:TEXT',
    ]);
    expect(new Database(path, { readonly: true }).prepare('SELECT context FROM business_metrics').get()).toEqual({ context: 'null' });
    m.close();
    w.close();
  });
});
