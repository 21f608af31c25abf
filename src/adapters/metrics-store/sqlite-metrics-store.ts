import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import type { Group, GroupMoments } from '../../domain/types';
import { timestampBound, VVTV_TIMESTAMP } from './vvtv-format';

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
  /** The stored metric_type (`selectionentropy`; domain/metric-names.ts). */
  metricType: string;
  /** Inclusive ISO start, exclusive ISO end. */
  from: string;
  to: string;
  /** Overlay mode: rows whose context.group is this (the overlay contract, docs/vvtv-integration.md). */
  group?: Group;
  canaryId?: string;
}

/** One KPI of a running overlay canary: its own rows against the control group's, over [from, to). */
export interface CanaryWindowQuery {
  channel: string;
  metricType: string;
  from: string;
  to: string;
  canaryId: string;
}

/** One KPI of a switchback canary over [from, to), cut into blocks of `blockMs` from `startMs`. */
export interface BlockQuery {
  channel: string;
  metricType: string;
  from: string;
  to: string;
  startMs: number;
  blockMs: number;
  /** Rows in the first `washoutMs` of a block are reported apart (afterWashout = false). */
  washoutMs: number;
}

/** The finite rows of one block, before or after its wash-out. */
export interface BlockPart {
  block: number;
  afterWashout: boolean;
  n: number;
  sum: number;
  nonFinite: number;
}

/** What a metrics database holds since some instant: for `vvtvctl autopilot check-integration`. */
export interface MetricsInspection {
  path: string;
  rows: number;
  metricTypes: Record<string, number>;
  /** Rows whose timestamp is chrono's `+00:00` rfc3339 form, and a sample of those that are not. */
  vvtvTimestamps: number;
  otherTimestamps: string[];
  contexts: { null: number; object: number; invalid: number };
  /** Overlay contract: rows tagged context.group = control / canary, and the canary ids seen. */
  groups: Record<string, number>;
  canaryIds: string[];
  /** The newest row of each metric type: its timestamp and context (what the planner says it played). */
  latest: Record<string, { timestamp: string; context: unknown }>;
  first: string | null;
  last: string | null;
}

/** The metrics as the autopilot reads them, in domain terms. Read-only: VVTV owns the database. */
export interface MetricsStore {
  window(q: WindowQuery): MetricPoint[];
  hourly(q: WindowQuery): HourBucket[];
  /** Overlay mode: moments of both groups, aggregated in the store (3.2); a group without rows has n = 0. */
  canaryMoments(q: CanaryWindowQuery): Record<Group, GroupMoments>;
  /** Switchback mode: per block, the rows before and after the wash-out. */
  blockParts(q: BlockQuery): BlockPart[];
  count(channel: string): number;
  inspect(channel: string, since: string): MetricsInspection;
  close(): void;
}

export class MetricsUnavailableError extends Error {
  override name = 'MetricsUnavailableError';
}

export interface MetricsSourceOptions {
  /** The database of a channel (one per channel, or one for all). */
  pathFor(channel: string): string;
  /** When set, rows belong to the channel named by this context key; otherwise the database is the channel's. */
  channelKey: string | null;
}

/** Rows of the channel: all of them, or those whose context names it (valid JSON only). */
const CHANNEL = `(@key IS NULL OR json_extract(CASE WHEN json_valid(context) THEN context END, '$.' || @key) = @channel)`;
const CTX = (key: string) => `json_extract(CASE WHEN json_valid(context) THEN context END, '$.${key}')`;

/**
 * Reads VVTV's business_metrics read-only (never its schema, never its journal mode), one
 * connection per database file, opened on first use so a worker starts before the planner has
 * written anything. Timestamp bounds are written in VVTV's own form (vvtv-format.ts) so SQLite
 * uses VVTV's (metric_type, timestamp) index.
 */
export class SqliteMetricsStore implements MetricsStore {
  private readonly dbs = new Map<string, Database.Database>();
  /** Each query is prepared once per database connection, not on every call. */
  private readonly statements = new Map<Database.Database, Map<string, Database.Statement>>();

  constructor(private readonly options: MetricsSourceOptions) {}

  /** A store over one file for every channel (tests, benches, the simulator's own checks). */
  static file(path: string, channelKey: string | null = null): SqliteMetricsStore {
    return new SqliteMetricsStore({ pathFor: () => path, channelKey });
  }

  window(q: WindowQuery): MetricPoint[] {
    return this.all<MetricPoint>(
      q.channel,
      `SELECT timestamp, value FROM business_metrics
       WHERE metric_type = @metricType AND timestamp >= @from AND timestamp < @to AND ${CHANNEL}
         AND (@group IS NULL OR ${CTX('group')} = @group)
         AND (@canaryId IS NULL OR ${CTX('canary_id')} = @canaryId)
       ORDER BY timestamp`,
      this.params(q),
    );
  }

  hourly(q: WindowQuery): HourBucket[] {
    return this.all<HourBucket>(
      q.channel,
      `SELECT substr(timestamp, 1, 13) AS hour,
              sum(CASE WHEN abs(value) < 9e999 THEN 1 ELSE 0 END) AS n,
              total(CASE WHEN abs(value) < 9e999 THEN value ELSE 0 END) AS sum,
              total(CASE WHEN abs(value) < 9e999 THEN value * value ELSE 0 END) AS sumSquares,
              sum(CASE WHEN abs(value) < 9e999 THEN 0 ELSE 1 END) AS nonFinite
       FROM business_metrics
       WHERE metric_type = @metricType AND timestamp >= @from AND timestamp < @to AND ${CHANNEL}
         AND (@group IS NULL OR ${CTX('group')} = @group)
         AND (@canaryId IS NULL OR ${CTX('canary_id')} = @canaryId)
       GROUP BY hour ORDER BY hour`,
      this.params(q),
    );
  }

  canaryMoments(q: CanaryWindowQuery): Record<Group, GroupMoments> {
    // Two passes over the window's rows, read once: each group's mean, then the squared
    // deviations from it (a one-pass sum of squares loses the variance to cancellation when
    // |mean| ≫ sd). `abs(value) < 9e999` is Number.isFinite: 9e999 reads as +Infinity.
    const group = (g: Group, what: string) => `CASE WHEN grp = '${g}' AND finite THEN ${what} END`;
    const deviation = (g: Group) => group(g, `(v - m.${g}Mean) * (v - m.${g}Mean)`);
    const [r] = this.all<Record<string, number>>(
      q.channel,
      `WITH w AS MATERIALIZED (
         SELECT CASE ${CTX('group')}
                  WHEN 'control' THEN 'control'
                  WHEN 'canary' THEN CASE WHEN ${CTX('canary_id')} = @canaryId THEN 'canary' END
                END AS grp,
                value AS v, abs(value) < 9e999 AS finite
         FROM business_metrics
         WHERE metric_type = @metricType AND timestamp >= @from AND timestamp < @to AND ${CHANNEL}
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
       FROM m LEFT JOIN w`,
      { ...this.params(q), canaryId: q.canaryId },
    );
    const of = (g: Group): GroupMoments => ({ n: r![`${g}N`]!, mean: r![`${g}Mean`]!, m2: r![`${g}M2`]!, nonFinite: r![`${g}NonFinite`]! });
    return { control: of('control'), canary: of('canary') };
  }

  blockParts(q: BlockQuery): BlockPart[] {
    if (!(q.blockMs > 0) || !(q.washoutMs >= 0) || q.washoutMs >= q.blockMs)
      throw new RangeError(`blockParts: expected 0 ≤ washoutMs < blockMs, got ${q.washoutMs} and ${q.blockMs}`);
    const rows = this.all<{ block: number; afterWashout: number; n: number; sum: number; nonFinite: number }>(
      q.channel,
      `WITH w AS MATERIALIZED (
         SELECT unixepoch(timestamp, 'subsec') * 1000 - @startMs AS offset, value AS v, abs(value) < 9e999 AS finite
         FROM business_metrics
         WHERE metric_type = @metricType AND timestamp >= @from AND timestamp < @to AND ${CHANNEL}
       ),
       b AS (SELECT CAST(offset / @blockMs AS INTEGER) AS block, offset, v, finite FROM w WHERE offset >= 0)
       SELECT block, (offset - block * @blockMs) >= @washoutMs AS afterWashout,
              count(CASE WHEN finite THEN 1 END) AS n, total(CASE WHEN finite THEN v END) AS sum,
              count(CASE WHEN NOT finite THEN 1 END) AS nonFinite
       FROM b GROUP BY block, afterWashout ORDER BY block, afterWashout`,
      { ...this.params(q), startMs: q.startMs, blockMs: q.blockMs, washoutMs: q.washoutMs },
    );
    return rows.map((r) => ({ ...r, afterWashout: r.afterWashout === 1 }));
  }

  count(channel: string): number {
    const [r] = this.all<{ n: number }>(channel, `SELECT count(*) AS n FROM business_metrics WHERE ${CHANNEL}`, {
      key: this.options.channelKey,
      channel,
    });
    return r!.n;
  }

  inspect(channel: string, since: string): MetricsInspection {
    const p = { key: this.options.channelKey, channel, from: timestampBound(since) };
    const where = `timestamp >= @from AND ${CHANNEL}`;
    const types = this.all<{ metric_type: string; n: number }>(
      channel,
      `SELECT metric_type, count(*) AS n FROM business_metrics WHERE ${where} GROUP BY metric_type ORDER BY metric_type`,
      p,
    );
    const stamps = this.all<{ timestamp: string }>(channel, `SELECT timestamp FROM business_metrics WHERE ${where}`, p);
    const [ctx] = this.all<{ nulls: number; objects: number; invalid: number; first: string | null; last: string | null }>(
      channel,
      `SELECT count(CASE WHEN context IS NULL OR context = 'null' THEN 1 END) AS nulls,
              count(CASE WHEN json_valid(context) AND json_type(context) = 'object' THEN 1 END) AS objects,
              count(CASE WHEN context IS NOT NULL AND context <> 'null'
                          AND NOT (json_valid(context) AND json_type(context) = 'object') THEN 1 END) AS invalid,
              min(timestamp) AS first, max(timestamp) AS last
       FROM business_metrics WHERE ${where}`,
      p,
    );
    const groups = this.all<{ grp: string; n: number }>(
      channel,
      `SELECT ${CTX('group')} AS grp, count(*) AS n FROM business_metrics WHERE ${where} AND ${CTX('group')} IS NOT NULL GROUP BY grp`,
      p,
    );
    const ids = this.all<{ id: string }>(
      channel,
      `SELECT DISTINCT ${CTX('canary_id')} AS id FROM business_metrics WHERE ${where} AND ${CTX('canary_id')} IS NOT NULL LIMIT 20`,
      p,
    );
    const latest = this.all<{ metric_type: string; timestamp: string; context: string | null }>(
      channel,
      `SELECT metric_type, max(timestamp) AS timestamp, context FROM business_metrics WHERE ${where} GROUP BY metric_type`,
      p,
    );
    const parsed = (text: string | null): unknown => {
      try {
        return text === null ? null : JSON.parse(text);
      } catch {
        return text;
      }
    };
    const other = stamps.filter((s) => !VVTV_TIMESTAMP.test(s.timestamp));
    return {
      path: this.options.pathFor(channel),
      rows: stamps.length,
      metricTypes: Object.fromEntries(types.map((t) => [t.metric_type, t.n])),
      vvtvTimestamps: stamps.length - other.length,
      otherTimestamps: other.slice(0, 5).map((s) => s.timestamp),
      contexts: { null: ctx!.nulls, object: ctx!.objects, invalid: ctx!.invalid },
      groups: Object.fromEntries(groups.map((g) => [String(g.grp), g.n])),
      canaryIds: ids.map((i) => String(i.id)),
      latest: Object.fromEntries(latest.map((l) => [l.metric_type, { timestamp: l.timestamp, context: parsed(l.context) }])),
      first: ctx!.first,
      last: ctx!.last,
    };
  }

  close(): void {
    for (const db of this.dbs.values()) db.close();
    this.dbs.clear();
    this.statements.clear();
  }

  private params(q: { channel: string; metricType: string; from: string; to: string; group?: Group; canaryId?: string }) {
    return {
      key: this.options.channelKey,
      channel: q.channel,
      metricType: q.metricType,
      from: timestampBound(q.from),
      to: timestampBound(q.to),
      group: q.group ?? null,
      canaryId: q.canaryId ?? null,
    };
  }

  private all<T>(channel: string, sql: string, params: Record<string, unknown>): T[] {
    const db = this.open(channel);
    try {
      let cache = this.statements.get(db);
      if (!cache) this.statements.set(db, (cache = new Map()));
      let stmt = cache.get(sql);
      if (!stmt) cache.set(sql, (stmt = db.prepare(sql)));
      return stmt.all(params) as T[];
    } catch (err) {
      // A database replaced or corrupted under us: drop the connection so the next call reopens it.
      this.drop(channel);
      throw new MetricsUnavailableError(`metrics database ${this.options.pathFor(channel)}: ${(err as Error).message}`);
    }
  }

  private open(channel: string): Database.Database {
    const path = this.options.pathFor(channel);
    const existing = this.dbs.get(path);
    if (existing) return existing;
    if (path !== ':memory:' && !existsSync(path))
      throw new MetricsUnavailableError(
        `metrics database for channel ${channel} not found at ${path} (stores.metrics_db): is the planner writing there?`,
      );
    let db: Database.Database;
    try {
      db = new Database(path, { readonly: true, fileMustExist: true });
      db.pragma('busy_timeout = 5000');
      const table = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'business_metrics'`).get();
      if (!table) {
        db.close();
        throw new Error('it has no business_metrics table (VVTV creates it from sql/metrics.sql)');
      }
    } catch (err) {
      throw new MetricsUnavailableError(`metrics database for channel ${channel} at ${path}: ${(err as Error).message}`);
    }
    this.dbs.set(path, db);
    return db;
  }

  private drop(channel: string): void {
    const path = this.options.pathFor(channel);
    const db = this.dbs.get(path);
    try {
      db?.close();
    } catch {
      // already unusable
    }
    if (db) this.statements.delete(db);
    this.dbs.delete(path);
  }
}
