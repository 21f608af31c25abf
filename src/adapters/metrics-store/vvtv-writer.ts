import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { VVTV_BUSINESS_METRICS_DDL } from './vvtv-format';

/** One business_metrics row exactly as VVTV stores it. */
export interface VvtvMetricRow {
  /** chrono rfc3339: `2026-12-02T03:00:00.123456789+00:00` (vvtv-format.ts `rfc3339`). */
  timestamp: string;
  /** The lower-cased variant name: `selectionentropy`. */
  metric_type: string;
  value: number;
  /** serde_json of the row's context: an object, or `null` (stored as the text `null`). */
  context: unknown;
}

/**
 * Writes business_metrics the way VVTV's monitor does: its DDL and pragmas (WAL), one INSERT of
 * (timestamp, metric_type, value, context) per row with `created_at` left to its default. This is
 * the simulator's side (the planner stand-in) and the tests'; the autopilot itself only reads.
 */
export class VvtvMetricsWriter {
  private readonly db: Database.Database;
  private readonly insertStmt: Database.Statement;

  constructor(readonly path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(VVTV_BUSINESS_METRICS_DDL);
    this.insertStmt = this.db.prepare('INSERT INTO business_metrics (timestamp, metric_type, value, context) VALUES (?, ?, ?, ?)');
  }

  insert(rows: readonly VvtvMetricRow[]): void {
    const tx = this.db.transaction((batch: readonly VvtvMetricRow[]) => {
      for (const r of batch) this.insertStmt.run(r.timestamp, r.metric_type, r.value, JSON.stringify(r.context ?? null));
    });
    tx(rows);
  }

  /** Rows stored so far (the simulator backfills an empty store). */
  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM business_metrics').get() as { n: number }).n;
  }

  close(): void {
    this.db.close();
  }
}
