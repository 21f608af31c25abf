import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Group, GroupMoments } from '../../domain/types';

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

/** One KPI of a running canary: its own rows against the control group's, over [from, to). */
export interface CanaryWindowQuery {
  channel: string;
  metricType: string;
  from: string;
  to: string;
  canaryId: string;
}

/** The metrics store as the autopilot sees it, in domain terms. */
export interface MetricsStore {
  insert(rows: MetricRow[]): void;
  window(q: WindowQuery): MetricPoint[];
  hourly(q: WindowQuery): HourBucket[];
  /** Moments of both groups, aggregated in the store (3.2); a group without rows has n = 0. */
  canaryMoments(q: CanaryWindowQuery): Record<Group, GroupMoments>;
  count(channel: string): number;
  close(): void;
}

/**
 * VVTV's metrics store: SQLite with the planner's exact `business_metrics` schema. WAL mode so
 * the planner (simulator) writes while the autopilot reads, from other processes too.
 */
export class SqliteMetricsStore implements MetricsStore {
  private readonly db: Database.Database;
  private readonly insertStmt: Database.Statement;
  private readonly windowStmt: Database.Statement;
  private readonly hourlyStmt: Database.Statement;
  private readonly momentsStmt: Database.Statement;

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
    // Two passes over the window's rows, read once: each group's mean, then the squared
    // deviations from it (a one-pass sum of squares loses the variance to cancellation when
    // |mean| ≫ sd). `abs(value) < 9e999` is Number.isFinite: 9e999 reads as +Infinity.
    const group = (g: Group, what: string) => `CASE WHEN grp = '${g}' AND finite THEN ${what} END`;
    const deviation = (g: Group) => group(g, `(v - m.${g}Mean) * (v - m.${g}Mean)`);
    this.momentsStmt = this.db.prepare(`
      WITH w AS MATERIALIZED (
        SELECT CASE json_extract(context, '$.group')
                 WHEN 'control' THEN 'control'
                 WHEN 'canary' THEN CASE WHEN json_extract(context, '$.canary_id') = @canaryId THEN 'canary' END
               END AS grp,
               value AS v, abs(value) < 9e999 AS finite
        FROM business_metrics
        WHERE metric_type = @metricType AND timestamp >= @from AND timestamp < @to
          AND json_extract(context, '$.channel') = @channel
      ),
      m AS MATERIALIZED (
        SELECT count(${group('control', '1')}) AS controlN, avg(${group('control', 'v')}) AS controlMean,
               count(${group('canary', '1')}) AS canaryN, avg(${group('canary', 'v')}) AS canaryMean,
               count(CASE WHEN grp = 'control' AND NOT finite THEN 1 END) AS controlNonFinite,
               count(CASE WHEN grp = 'canary' AND NOT finite THEN 1 END) AS canaryNonFinite
        FROM w
      )
      SELECT m.controlN, coalesce(m.controlMean, 0) AS controlMean, total(${deviation('control')}) AS controlM2, m.controlNonFinite,
             m.canaryN, coalesce(m.canaryMean, 0) AS canaryMean, total(${deviation('canary')}) AS canaryM2, m.canaryNonFinite
      FROM m LEFT JOIN w`);
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

  canaryMoments(q: CanaryWindowQuery): Record<Group, GroupMoments> {
    const { channel, metricType, from, to, canaryId } = q;
    const r = this.momentsStmt.get({ channel, metricType, from, to, canaryId }) as Record<string, number>;
    const of = (g: Group): GroupMoments => ({ n: r[`${g}N`]!, mean: r[`${g}Mean`]!, m2: r[`${g}M2`]!, nonFinite: r[`${g}NonFinite`]! });
    return { control: of('control'), canary: of('canary') };
  }

  count(channel: string): number {
    const row = this.db.prepare(`SELECT count(*) AS n FROM business_metrics WHERE json_extract(context, '$.channel') = ?`).get(channel) as {
      n: number;
    };
    return row.n;
  }

  close(): void {
    this.db.close();
  }
}
