import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

const MIGRATIONS: string[] = [
  `CREATE TABLE cycles (
     cycle_id TEXT PRIMARY KEY, channel TEXT NOT NULL, started_at TEXT NOT NULL, finished_at TEXT,
     status TEXT NOT NULL, outcome TEXT, version_id TEXT, canary_id TEXT, report TEXT NOT NULL DEFAULT '{}', error TEXT);
   CREATE INDEX idx_cycles_channel ON cycles(channel, started_at);
   CREATE TABLE canaries (
     canary_id TEXT PRIMARY KEY, channel TEXT NOT NULL, cycle_id TEXT NOT NULL, started_at TEXT NOT NULL,
     finished_at TEXT, status TEXT NOT NULL, traffic_percentage REAL NOT NULL, checks TEXT NOT NULL DEFAULT '[]',
     verdict TEXT, decided_by TEXT);
   CREATE TABLE decisions (
     id INTEGER PRIMARY KEY AUTOINCREMENT, channel TEXT NOT NULL, cycle_id TEXT, at TEXT NOT NULL,
     kind TEXT NOT NULL, summary TEXT NOT NULL, payload TEXT NOT NULL);
   CREATE INDEX idx_decisions_channel ON decisions(channel, at);
   CREATE TABLE bounds (
     channel TEXT NOT NULL, parameter TEXT NOT NULL, min REAL NOT NULL, max REAL NOT NULL,
     hard_min REAL NOT NULL, hard_max REAL NOT NULL, rollback_count INTEGER NOT NULL DEFAULT 0,
     updated_at TEXT NOT NULL, PRIMARY KEY (channel, parameter));
   CREATE TABLE bounds_adjustments (
     id INTEGER PRIMARY KEY AUTOINCREMENT, channel TEXT NOT NULL, parameter TEXT NOT NULL, at TEXT NOT NULL,
     kind TEXT NOT NULL, old_min REAL, old_max REAL, new_min REAL NOT NULL, new_max REAL NOT NULL, rationale TEXT NOT NULL);
   CREATE TABLE drift_events (
     id INTEGER PRIMARY KEY AUTOINCREMENT, channel TEXT NOT NULL, at TEXT NOT NULL, kind TEXT NOT NULL,
     numbers TEXT NOT NULL, action TEXT NOT NULL, resolved_at TEXT);
   CREATE TABLE triage_reports (
     id INTEGER PRIMARY KEY AUTOINCREMENT, channel TEXT NOT NULL, week_start TEXT NOT NULL,
     created_at TEXT NOT NULL, report TEXT NOT NULL);`,
];

/** JSON for a TEXT column (null stays null). */
export const json = (v: unknown): string => JSON.stringify(v ?? null);

/** Opens (and migrates) the state database: WAL, so the CLI reads while the worker writes. */
export function openStateDatabase(path: string): Database.Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  const current = db.pragma('user_version', { simple: true }) as number;
  for (let v = current; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
  return db;
}

export type Db = Database.Database;
