import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { BoundsAdjustmentRecord, CanaryVerdict, ParameterBounds } from '../../domain/types';

export type CycleStatus = 'running' | 'completed' | 'failed';
export type CycleOutcome =
  | 'promoted'
  | 'rolled_back'
  | 'no_change'
  | 'rejected_by_bounds'
  | 'skipped_paused'
  | 'skipped_bad_data'
  | 'invalid_card'
  | 'golden_failed'
  | 'invalid_input'
  | 'failed';

export interface CycleRecord {
  cycle_id: string;
  channel: string;
  started_at: string;
  finished_at?: string | null;
  status: CycleStatus;
  outcome?: CycleOutcome | null;
  version_id?: string | null;
  canary_id?: string | null;
  /** Everything the cycle decided, as stored JSON: analysis, proposals, bounds decisions, verdict… */
  report: Record<string, unknown>;
  error?: string | null;
}

export interface CanaryRecord {
  canary_id: string;
  channel: string;
  cycle_id: string;
  started_at: string;
  finished_at?: string | null;
  status: 'running' | 'promoted' | 'rolled_back';
  traffic_percentage: number;
  /** Every interim and final check, in order, each with its index. */
  checks: CanaryCheck[];
  verdict?: CanaryVerdict | null;
  decided_by?: string | null;
}

export type CanaryCheck = CanaryVerdict & { checkIndex: number };

export interface DecisionRecord {
  id?: number;
  channel: string;
  cycle_id?: string | null;
  at: string;
  /** e.g. `analysis`, `proposal`, `bounds`, `canary_verdict`, `promotion`, `rollback`. */
  kind: string;
  summary: string;
  payload: unknown;
}

/** A bounds_adjustments row: the domain's record of one change of a sliding range. */
export type BoundsAdjustment = BoundsAdjustmentRecord;

/** A row of triage_reports: one weekly triage report per (channel, week_start). */
export interface TriageReportRecord {
  id: number;
  channel: string;
  week_start: string;
  created_at: string;
  report: unknown;
}

/** A row of drift_events: the rule (`kind`), its numbers, the action taken, and when it was resolved. */
export interface DriftEventRecord {
  id?: number;
  channel: string;
  at: string;
  kind: string;
  numbers: unknown;
  action: string;
  resolved_at?: string | null;
}

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

const json = (v: unknown) => JSON.stringify(v ?? null);

/** The autopilot's own state: cycles, canaries, decisions (audit), bounds and their adjustments. */
export class SqliteStateStore {
  private readonly db: Database.Database;

  constructor(readonly path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    this.migrate();
  }

  private migrate(): void {
    const current = this.db.pragma('user_version', { simple: true }) as number;
    for (let v = current; v < MIGRATIONS.length; v++) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[v]);
        this.db.pragma(`user_version = ${v + 1}`);
      })();
    }
  }

  // ------------------------------------------------------------ cycles
  upsertCycle(c: CycleRecord): void {
    this.db
      .prepare(
        `INSERT INTO cycles (cycle_id, channel, started_at, finished_at, status, outcome, version_id, canary_id, report, error)
         VALUES (@cycle_id, @channel, @started_at, @finished_at, @status, @outcome, @version_id, @canary_id, @report, @error)
         ON CONFLICT(cycle_id) DO UPDATE SET finished_at=excluded.finished_at, status=excluded.status, outcome=excluded.outcome,
           version_id=excluded.version_id, canary_id=excluded.canary_id, report=excluded.report, error=excluded.error`,
      )
      .run({ finished_at: null, outcome: null, version_id: null, canary_id: null, error: null, ...c, report: json(c.report) });
  }

  getCycle(cycleId: string): CycleRecord | null {
    const row = this.db.prepare('SELECT * FROM cycles WHERE cycle_id = ?').get(cycleId) as Record<string, any> | undefined;
    return row ? { ...row, report: JSON.parse(row.report) } as CycleRecord : null;
  }

  listCycles(channel: string, limit = 20): CycleRecord[] {
    return (this.db.prepare('SELECT * FROM cycles WHERE channel = ? ORDER BY started_at DESC LIMIT ?').all(channel, limit) as any[]).map(
      (row) => ({ ...row, report: JSON.parse(row.report) }),
    );
  }

  // ------------------------------------------------------------ canaries
  upsertCanary(c: CanaryRecord): void {
    this.db
      .prepare(
        `INSERT INTO canaries (canary_id, channel, cycle_id, started_at, finished_at, status, traffic_percentage, checks, verdict, decided_by)
         VALUES (@canary_id, @channel, @cycle_id, @started_at, @finished_at, @status, @traffic_percentage, @checks, @verdict, @decided_by)
         ON CONFLICT(canary_id) DO UPDATE SET finished_at=excluded.finished_at, status=excluded.status, checks=excluded.checks,
           verdict=excluded.verdict, decided_by=excluded.decided_by`,
      )
      .run({ finished_at: null, decided_by: null, ...c, checks: json(c.checks), verdict: json(c.verdict) });
  }

  getCanary(canaryId: string): CanaryRecord | null {
    const row = this.db.prepare('SELECT * FROM canaries WHERE canary_id = ?').get(canaryId) as Record<string, any> | undefined;
    return row ? ({ ...row, checks: JSON.parse(row.checks), verdict: JSON.parse(row.verdict) } as CanaryRecord) : null;
  }

  /** Appends one interim verdict to a running canary (idempotent on check index). */
  appendCanaryCheck(canaryId: string, check: CanaryCheck): void {
    const c = this.getCanary(canaryId);
    if (!c) return;
    const checks = c.checks.filter((x) => x.checkIndex !== check.checkIndex);
    checks.push(check);
    this.db.prepare('UPDATE canaries SET checks = ? WHERE canary_id = ?').run(json(checks), canaryId);
  }

  listCanaries(channel: string, limit = 20): CanaryRecord[] {
    return (this.db.prepare('SELECT * FROM canaries WHERE channel = ? ORDER BY started_at DESC LIMIT ?').all(channel, limit) as any[]).map(
      (row) => ({ ...row, checks: JSON.parse(row.checks), verdict: JSON.parse(row.verdict) }),
    );
  }

  // ------------------------------------------------------------ decisions (audit log, 8.4)
  recordDecision(d: DecisionRecord): number {
    const r = this.db
      .prepare('INSERT INTO decisions (channel, cycle_id, at, kind, summary, payload) VALUES (?, ?, ?, ?, ?, ?)')
      .run(d.channel, d.cycle_id ?? null, d.at, d.kind, d.summary, json(d.payload));
    return Number(r.lastInsertRowid);
  }

  listDecisions(channel: string, opts: { cycleId?: string; limit?: number } = {}): DecisionRecord[] {
    const rows = opts.cycleId
      ? this.db.prepare('SELECT * FROM decisions WHERE channel = ? AND cycle_id = ? ORDER BY id').all(channel, opts.cycleId)
      : this.db.prepare('SELECT * FROM decisions WHERE channel = ? ORDER BY id DESC LIMIT ?').all(channel, opts.limit ?? 50);
    return (rows as any[]).map((r) => ({ ...r, payload: JSON.parse(r.payload) }));
  }

  // ------------------------------------------------------------ bounds
  getBounds(channel: string): ParameterBounds[] {
    return (this.db.prepare('SELECT * FROM bounds WHERE channel = ? ORDER BY parameter').all(channel) as any[]).map((r) => ({
      parameter: r.parameter,
      min: r.min,
      max: r.max,
      hardMin: r.hard_min,
      hardMax: r.hard_max,
      rollbackCount: r.rollback_count,
      updatedAt: r.updated_at,
    }));
  }

  /** Saves bounds and their adjustment records in one transaction. */
  saveBounds(channel: string, bounds: ParameterBounds[], adjustments: BoundsAdjustment[] = []): void {
    const put = this.db.prepare(
      `INSERT INTO bounds (channel, parameter, min, max, hard_min, hard_max, rollback_count, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(channel, parameter) DO UPDATE SET min=excluded.min, max=excluded.max, hard_min=excluded.hard_min,
         hard_max=excluded.hard_max, rollback_count=excluded.rollback_count, updated_at=excluded.updated_at`,
    );
    const adj = this.db.prepare(
      `INSERT INTO bounds_adjustments (channel, parameter, at, kind, old_min, old_max, new_min, new_max, rationale)
       VALUES (@channel, @parameter, @at, @kind, @old_min, @old_max, @new_min, @new_max, @rationale)`,
    );
    this.db.transaction(() => {
      for (const b of bounds) put.run(channel, b.parameter, b.min, b.max, b.hardMin, b.hardMax, b.rollbackCount, b.updatedAt);
      for (const a of adjustments) adj.run(a);
    })();
  }

  listBoundsAdjustments(channel: string, limit = 100): BoundsAdjustment[] {
    return this.db.prepare('SELECT * FROM bounds_adjustments WHERE channel = ? ORDER BY id DESC LIMIT ?').all(channel, limit) as BoundsAdjustment[];
  }

  // ------------------------------------------------------------ drift events (4.1-4.5)
  /**
   * Stores one drift event with its numbers and action; idempotent on (channel, at, kind), so an
   * activity retry never stores it twice. Returns the row id.
   */
  recordDriftEvent(e: DriftEventRecord): number {
    const existing = this.db
      .prepare('SELECT id FROM drift_events WHERE channel = ? AND at = ? AND kind = ?')
      .get(e.channel, e.at, e.kind) as { id: number } | undefined;
    if (existing) return existing.id;
    const r = this.db
      .prepare('INSERT INTO drift_events (channel, at, kind, numbers, action, resolved_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(e.channel, e.at, e.kind, json(e.numbers), e.action, e.resolved_at ?? null);
    return Number(r.lastInsertRowid);
  }

  /** Marks the event (channel, kind, at) resolved; false when no such unresolved event exists. */
  resolveDriftEvent(channel: string, kind: string, at: string, resolvedAt: string): boolean {
    const r = this.db
      .prepare('UPDATE drift_events SET resolved_at = ? WHERE channel = ? AND kind = ? AND at = ? AND resolved_at IS NULL')
      .run(resolvedAt, channel, kind, at);
    return r.changes > 0;
  }

  listDriftEvents(channel: string, opts: { limit?: number; unresolvedOnly?: boolean } = {}): DriftEventRecord[] {
    const where = opts.unresolvedOnly ? 'AND resolved_at IS NULL' : '';
    return (this.db.prepare(`SELECT * FROM drift_events WHERE channel = ? ${where} ORDER BY id DESC LIMIT ?`).all(channel, opts.limit ?? 100) as any[]).map(
      (r) => ({ ...r, numbers: JSON.parse(r.numbers) }),
    );
  }

  // ------------------------------------------------------------ weekly triage (7.x)
  /** Cycles started in [from, to), oldest first. */
  listCyclesBetween(channel: string, from: string, to: string): CycleRecord[] {
    return (this.db.prepare('SELECT * FROM cycles WHERE channel = ? AND started_at >= ? AND started_at < ? ORDER BY started_at').all(channel, from, to) as any[]).map(
      (row) => ({ ...row, report: JSON.parse(row.report) }),
    );
  }

  /** Decisions recorded in [from, to), oldest first; only one kind when given (e.g. `alert`). */
  listDecisionsBetween(channel: string, from: string, to: string, kind?: string): DecisionRecord[] {
    const rows = kind
      ? this.db.prepare('SELECT * FROM decisions WHERE channel = ? AND at >= ? AND at < ? AND kind = ? ORDER BY id').all(channel, from, to, kind)
      : this.db.prepare('SELECT * FROM decisions WHERE channel = ? AND at >= ? AND at < ? ORDER BY id').all(channel, from, to);
    return (rows as any[]).map((r) => ({ ...r, payload: JSON.parse(r.payload) }));
  }

  /** Stores the week's report; a re-run for the same week replaces it (idempotent). Returns the row id. */
  saveTriageReport(channel: string, weekStart: string, createdAt: string, report: unknown): number {
    const existing = this.db.prepare('SELECT id FROM triage_reports WHERE channel = ? AND week_start = ?').get(channel, weekStart) as { id: number } | undefined;
    if (existing) {
      this.db.prepare('UPDATE triage_reports SET created_at = ?, report = ? WHERE id = ?').run(createdAt, json(report), existing.id);
      return existing.id;
    }
    const r = this.db.prepare('INSERT INTO triage_reports (channel, week_start, created_at, report) VALUES (?, ?, ?, ?)').run(channel, weekStart, createdAt, json(report));
    return Number(r.lastInsertRowid);
  }

  /** Newest week first. */
  listTriageReports(channel: string, limit = 10): TriageReportRecord[] {
    return (this.db.prepare('SELECT * FROM triage_reports WHERE channel = ? ORDER BY week_start DESC, id DESC LIMIT ?').all(channel, limit) as any[]).map(
      (r) => ({ ...r, report: JSON.parse(r.report) }),
    );
  }

  close(): void {
    this.db.close();
  }
}
