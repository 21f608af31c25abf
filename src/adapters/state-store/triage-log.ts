import type { TriageLog } from '../../domain/ports';
import type { TriageReportRecord } from '../../domain/records';
import { json, type Db } from './database';

type Row = Omit<TriageReportRecord, 'report'> & { report: string };

/** triage_reports (7.x): one report per (channel, week); a re-run for the same week replaces it. */
export class SqliteTriageLog implements TriageLog {
  constructor(private readonly db: Db) {}

  save(channel: string, weekStart: string, createdAt: string, report: unknown): number {
    const existing = this.db.prepare('SELECT id FROM triage_reports WHERE channel = ? AND week_start = ?').get(channel, weekStart) as
      { id: number } | undefined;
    if (existing) {
      this.db.prepare('UPDATE triage_reports SET created_at = ?, report = ? WHERE id = ?').run(createdAt, json(report), existing.id);
      return existing.id;
    }
    const r = this.db
      .prepare('INSERT INTO triage_reports (channel, week_start, created_at, report) VALUES (?, ?, ?, ?)')
      .run(channel, weekStart, createdAt, json(report));
    return Number(r.lastInsertRowid);
  }

  list(channel: string, limit = 10): TriageReportRecord[] {
    const sql = 'SELECT * FROM triage_reports WHERE channel = ? ORDER BY week_start DESC, id DESC LIMIT ?';
    return (this.db.prepare(sql).all(channel, limit) as Row[]).map((r) => ({ ...r, report: JSON.parse(r.report) }));
  }
}
