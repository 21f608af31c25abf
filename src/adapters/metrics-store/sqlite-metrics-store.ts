import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { emptyCovariateMoments, type ArmMoments, type CovariateMoments, type TriggerState } from '../../domain/canary';
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

/** The covariates the store can attach to a canary's rows (canary/adjust.ts), fixed before the canary. */
export const CANARY_COVARIATES = ['daypart', 'control_prediction', 'canary_prediction'] as const;
export type CanaryCovariate = (typeof CANARY_COVARIATES)[number];

/**
 * One KPI of an overlay canary with covariates (issue 12). `daypart`: the KPI's mean over the
 * untagged and control rows of [preFrom, from) in the row's hour of day (UTC). `control_prediction`,
 * `canary_prediction`: the row's context tags of those names (the paired overlay contract).
 */
export interface CanaryCovariateQuery extends CanaryWindowQuery {
  covariates: readonly CanaryCovariate[];
  preFrom: string;
}

/**
 * Per group and per trigger state (the row's `paired_triggered` tag; `untagged` without it), the
 * moments of the finite rows, those with every covariate, and how many rows have each covariate.
 */
export interface CanaryCovariateCells {
  covariates: CanaryCovariate[];
  cells: Record<Group, Record<TriggerState, ArmMoments>>;
  /** Finite rows, and those with each covariate present (all groups and states). */
  rows: number;
  present: Record<CanaryCovariate, number>;
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
  /** Paired overlay (optional, issue 12): tagged rows carrying each of PAIRED_TAGS. */
  pairedTags: Record<string, number>;
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
  /** Overlay mode with covariates and trigger states, aggregated in the store (issue 12). */
  canaryCovariateMoments(q: CanaryCovariateQuery): CanaryCovariateCells;
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

/** The paired overlay's tags (docs/vvtv-integration.md, overlay contract item 5). */
export const PAIRED_TAGS = ['paired_triggered', 'control_prediction', 'canary_prediction'] as const;

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

  canaryCovariateMoments(q: CanaryCovariateQuery): CanaryCovariateCells {
    const names = CANARY_COVARIATES.filter((c) => q.covariates.includes(c));
    const k = names.length;
    const x = names.map((_, j) => `x${j}`);
    const source: Record<CanaryCovariate, string> = {
      daypart: 'pre.level',
      control_prediction: `CASE WHEN abs(${CTX('control_prediction')}) < 9e999 THEN ${CTX('control_prediction')} END`,
      canary_prediction: `CASE WHEN abs(${CTX('canary_prediction')}) < 9e999 THEN ${CTX('canary_prediction')} END`,
    };
    const hasAll = k === 0 ? '1' : x.map((c) => `${c} IS NOT NULL`).join(' AND ');
    const pairs: Array<[string, string]> = [];
    for (let i = 0; i < k; i++) for (let j = i; j < k; j++) pairs.push([x[i]!, x[j]!]);
    const centred = (a: string, b: string, mb: string) => `total(CASE WHEN hasAll THEN (w.${a} - m.c_${a}) * (w.${b} - m.${mb}) END)`;
    const means = x.map((c) => `, count(${c}) AS p_${c}, avg(CASE WHEN hasAll THEN ${c} END) AS c_${c}`).join('');
    const products = [
      ...x.map((c) => `, ${centred(c, 'v', 'cy')} AS sy_${c}`),
      ...pairs.map(([a, b]) => `, ${centred(a, b, `c_${b}`)} AS s_${a}_${b}`),
    ].join('');
    // Two passes over the window's rows, read once (as canaryMoments): the cells' means, then the
    // centred cross-products. The pre-period's hour-of-day levels come from VVTV's own index
    // (metric_type, timestamp), like every query here: no table or index of ours.
    const sql = `WITH ${
      names.includes('daypart')
        ? `pre AS MATERIALIZED (
         SELECT substr(timestamp, 12, 2) AS hod, avg(value) AS level FROM business_metrics
         WHERE metric_type = @metricType AND timestamp >= @preFrom AND timestamp < @from AND ${CHANNEL}
           AND abs(value) < 9e999 AND coalesce(${CTX('group')}, 'control') = 'control'
         GROUP BY hod
       ),`
        : ''
    }
       r AS MATERIALIZED (
         SELECT CASE ${CTX('group')}
                  WHEN 'control' THEN 'control'
                  WHEN 'canary' THEN CASE WHEN ${CTX('canary_id')} = @canaryId THEN 'canary' END
                END AS grp,
                CASE ${CTX('paired_triggered')} WHEN 1 THEN 'triggered' WHEN 0 THEN 'untriggered' ELSE 'untagged' END AS trig,
                value AS v${names.map((c, j) => `, ${source[c]} AS ${x[j]}`).join('')}
         FROM business_metrics${names.includes('daypart') ? ' LEFT JOIN pre ON pre.hod = substr(timestamp, 12, 2)' : ''}
         WHERE metric_type = @metricType AND timestamp >= @from AND timestamp < @to AND ${CHANNEL} AND abs(value) < 9e999
       ),
       w AS MATERIALIZED (SELECT *, (${hasAll}) AS hasAll FROM r WHERE grp IS NOT NULL),
       m AS MATERIALIZED (
         SELECT grp, trig, count(*) AS n, avg(v) AS my, count(CASE WHEN hasAll THEN 1 END) AS nc,
                avg(CASE WHEN hasAll THEN v END) AS cy${means}
         FROM w GROUP BY grp, trig
       )
       SELECT m.*, total((w.v - m.my) * (w.v - m.my)) AS m2,
              total(CASE WHEN hasAll THEN (w.v - m.cy) * (w.v - m.cy) END) AS syy${products}
       FROM m JOIN w ON w.grp = m.grp AND w.trig = m.trig
       GROUP BY m.grp, m.trig`;
    const rows = this.all<Record<string, number | string | null>>(q.channel, sql, {
      ...this.params(q),
      canaryId: q.canaryId,
      ...(names.includes('daypart') ? { preFrom: timestampBound(q.preFrom) } : {}),
    });
    const empty = (): ArmMoments => ({ raw: { n: 0, mean: 0, m2: 0 }, cov: emptyCovariateMoments(k) });
    const cells = {
      control: { triggered: empty(), untriggered: empty(), untagged: empty() },
      canary: { triggered: empty(), untriggered: empty(), untagged: empty() },
    } as Record<Group, Record<TriggerState, ArmMoments>>;
    const present = Object.fromEntries(CANARY_COVARIATES.map((c) => [c, 0])) as Record<CanaryCovariate, number>;
    let total = 0;
    const n = (v: number | string | null | undefined): number => (typeof v === 'number' ? v : 0);
    for (const r of rows) {
      const cov: CovariateMoments = {
        n: n(r.nc),
        meanY: n(r.cy),
        meanX: x.map((c) => n(r[`c_${c}`])),
        syy: n(r.syy),
        sxy: x.map((c) => n(r[`sy_${c}`])),
        sxx: x.map((a, i) => x.map((b, j) => n(r[i <= j ? `s_${a}_${b}` : `s_${b}_${a}`]))),
      };
      cells[r.grp as Group][r.trig as TriggerState] = { raw: { n: n(r.n), mean: n(r.my), m2: n(r.m2) }, cov };
      total += n(r.n);
      names.forEach((c, j) => (present[c] += n(r[`p_${x[j]}`])));
    }
    return { covariates: names, cells, rows: total, present };
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
    const [paired] = this.all<Record<string, number>>(
      channel,
      `SELECT ${PAIRED_TAGS.map((t) => `count(${CTX(t)}) AS ${t}`).join(', ')}
       FROM business_metrics WHERE ${where} AND ${CTX('group')} IS NOT NULL`,
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
      pairedTags: Object.fromEntries(PAIRED_TAGS.map((t) => [t, paired![t] ?? 0])),
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
