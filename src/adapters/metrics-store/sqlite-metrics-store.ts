import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Group } from '../../domain/types';

/** One business_metrics row; `context` is stored as JSON and always names the channel. */
export interface MetricRow {
  timestamp: string;
  metric_type: string;
  value: number;
  context: { channel: string; group?: Group; canary_id?: string; card_sha?: string; [key: string]: unknown };
}

export interface MetricPoint {
  timestamp: string;
  value: number;
}

/** Aggregate of one metric over one UTC hour; enough to analyse a day without loading every row. */
export interface HourBucket {
  /** `YYYY-MM-DDTHH` */
  hour: string;
  n: number;
  sum: number;
  sumSquares: number;
  /** Rows whose value is ±Infinity (NaN cannot be stored: the column is NOT NULL). */
  nonFinite: number;
}

export interface WindowQuery {
  channel: string;
  metricType: string;
  /** Inclusive ISO start, exclusive ISO end. */
  from: string;
  to: string;
  group?: Group;
  canaryId?: string;
}

/** The metrics store as the autopilot sees it, in domain terms. */
export interface MetricsStore {
  insert(rows: MetricRow[]): void;
  window(q: WindowQuery): MetricPoint[];
  hourly(q: WindowQuery): HourBucket[];
  count(channel: string): number;
  close(): void;
}

/**
 * VVTV's P6 metrics store: SQLite with the planner's exact `business_metrics` schema. WAL mode so
 * the planner (simulator) writes while the autopilot reads, from other processes too.
 */
export class SqliteMetricsStore implements MetricsStore {
  private readonly db: Database.Database;
  private readonly insertStmt: Database.Statement;
  private readonly windowStmt: Database.Statement;
  private readonly hourlyStmt: Database.Statement;

  constructor(readonly path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS business_metrics (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        timestamp TEXT NOT NULL,
        metric_type TEXT NOT NULL,
        value REAL NOT NULL,
        context TEXT,
        created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
      );
      CREATE INDEX IF NOT EXISTS idx_business_metrics_type_ts ON business_metrics(metric_type, timestamp);
    `);
    this.insertStmt = this.db.prepare('INSERT INTO business_metrics (timestamp, metric_type, value, context) VALUES (?, ?, ?, ?)');
    this.windowStmt = this.db.prepare(`
      SELECT timestamp, value FROM business_metrics
      WHERE metric_type = @metricType AND timestamp >= @from AND timestamp < @to
        AND json_extract(context, '$.channel') = @channel
        AND (@group IS NULL OR json_extract(context, '$.group') = @group)
        AND (@canaryId IS NULL OR json_extract(context, '$.canary_id') = @canaryId)
      ORDER BY timestamp`);
    this.hourlyStmt = this.db.prepare(`
      SELECT substr(timestamp, 1, 13) AS hour,
             sum(CASE WHEN abs(value) < 1e308 THEN 1 ELSE 0 END) AS n,
             total(CASE WHEN abs(value) < 1e308 THEN value ELSE 0 END) AS sum,
             total(CASE WHEN abs(value) < 1e308 THEN value * value ELSE 0 END) AS sumSquares,
             sum(CASE WHEN abs(value) < 1e308 THEN 0 ELSE 1 END) AS nonFinite
      FROM business_metrics
      WHERE metric_type = @metricType AND timestamp >= @from AND timestamp < @to
        AND json_extract(context, '$.channel') = @channel
        AND (@group IS NULL OR json_extract(context, '$.group') = @group)
        AND (@canaryId IS NULL OR json_extract(context, '$.canary_id') = @canaryId)
      GROUP BY hour ORDER BY hour`);
  }

  insert(rows: MetricRow[]): void {
    const tx = this.db.transaction((batch: MetricRow[]) => {
      for (const r of batch) this.insertStmt.run(r.timestamp, r.metric_type, r.value, JSON.stringify(r.context));
    });
    tx(rows);
  }

  window(q: WindowQuery): MetricPoint[] {
    return this.windowStmt.all({ ...q, group: q.group ?? null, canaryId: q.canaryId ?? null }) as MetricPoint[];
  }

  hourly(q: WindowQuery): HourBucket[] {
    return this.hourlyStmt.all({ ...q, group: q.group ?? null, canaryId: q.canaryId ?? null }) as HourBucket[];
  }

  count(channel: string): number {
    const row = this.db
      .prepare(`SELECT count(*) AS n FROM business_metrics WHERE json_extract(context, '$.channel') = ?`)
      .get(channel) as { n: number };
    return row.n;
  }

  close(): void {
    this.db.close();
  }
}
