import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { MetricsUnavailableError, rfc3339, SqliteMetricsStore, VVTV_BUSINESS_METRICS_DDL } from '../../../src/adapters/metrics-store';

/**
 * The metrics database faults (issue 13): missing, locked by another writer, corrupt. Each read
 * fails with a MetricsUnavailableError naming the file (retryable: the activity retries until the
 * operation timeout), and the store recovers by itself once the database is back.
 */
const T = Date.parse('2026-11-25T10:00:00Z');
const q = { channel: 'main', metricType: 'selectionentropy', from: '2026-11-25T10:00:00Z', to: '2026-11-25T11:00:00Z' };

function vvtvDatabase(path: string, journal: 'wal' | 'delete' = 'delete'): void {
  const db = new Database(path);
  db.pragma(`journal_mode = ${journal}`);
  db.exec(VVTV_BUSINESS_METRICS_DDL);
  const ins = db.prepare('INSERT INTO business_metrics (timestamp, metric_type, value, context) VALUES (?, ?, ?, ?)');
  for (let i = 0; i < 10; i++) ins.run(rfc3339(T + i * 1000), 'selectionentropy', 2 + i / 10, 'null');
  db.close();
}

describe('metrics database faults', () => {
  it('missing: names the file and the setting; reads once the planner has created it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vvtv-mfault-'));
    const path = join(dir, 'metrics.sqlite');
    const store = SqliteMetricsStore.file(path);
    expect(() => store.window(q)).toThrow(MetricsUnavailableError);
    expect(() => store.window(q)).toThrow(path);
    expect(existsSync(path)).toBe(false); // never created by the reader
    vvtvDatabase(path);
    expect(store.window(q)).toHaveLength(10);
    store.close();
  });

  it('locked by another writer: waits its busy timeout, fails retryably, and reads again once released', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'vvtv-mfault-')), 'metrics.sqlite');
    vvtvDatabase(path, 'delete');
    const store = SqliteMetricsStore.file(path);
    expect(store.window(q)).toHaveLength(10);
    const writer = new Database(path);
    writer.exec('BEGIN EXCLUSIVE');
    const started = Date.now();
    expect(() => store.window(q)).toThrow(/metrics database .*metrics\.sqlite: database is locked/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(4000); // it waited, it did not fail at once
    writer.exec('COMMIT');
    writer.close();
    expect(store.window(q)).toHaveLength(10);
    store.close();
  }, 30_000);

  it('a WAL database being written is read without waiting (VVTV runs in WAL mode)', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'vvtv-mfault-')), 'metrics.sqlite');
    vvtvDatabase(path, 'wal');
    const writer = new Database(path);
    writer.exec('BEGIN IMMEDIATE');
    writer
      .prepare('INSERT INTO business_metrics (timestamp, metric_type, value, context) VALUES (?, ?, ?, ?)')
      .run(rfc3339(T + 20_000), 'selectionentropy', 9, 'null');
    const store = SqliteMetricsStore.file(path);
    expect(store.window(q)).toHaveLength(10); // the uncommitted row is not seen
    writer.exec('COMMIT');
    expect(store.window(q)).toHaveLength(11);
    writer.close();
    store.close();
  });

  it('corrupt: fails naming the file, never writes to it, and reads the repaired file after', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vvtv-mfault-'));
    const path = join(dir, 'metrics.sqlite');
    vvtvDatabase(path);
    const store = SqliteMetricsStore.file(path);
    expect(store.window(q)).toHaveLength(10);
    // The file is replaced by garbage (a disk fault, a bad copy).
    store.close();
    renameSync(path, join(dir, 'good.sqlite'));
    writeFileSync(path, Buffer.alloc(8192, 0x5a));
    const broken = SqliteMetricsStore.file(path);
    expect(() => broken.window(q)).toThrow(MetricsUnavailableError);
    expect(() => broken.hourly(q)).toThrow(/metrics\.sqlite/);
    expect(readFileSync(path).equals(Buffer.alloc(8192, 0x5a))).toBe(true);
    rmSync(path);
    renameSync(join(dir, 'good.sqlite'), path);
    expect(broken.window(q)).toHaveLength(10);
    broken.close();
  });
});
