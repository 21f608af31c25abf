import type { AuditLog } from '../../domain/ports';
import type { DecisionRecord } from '../../domain/records';
import { json, type Db } from './database';

type Row = Omit<DecisionRecord, 'payload'> & { payload: string };
const decode = (r: Row): DecisionRecord => ({ ...r, payload: JSON.parse(r.payload) });

/** The decisions table: the audit log (8.4). */
export class SqliteAuditLog implements AuditLog {
  constructor(private readonly db: Db) {}

  record(d: DecisionRecord): number {
    const r = this.db
      .prepare('INSERT INTO decisions (channel, cycle_id, at, kind, summary, payload) VALUES (?, ?, ?, ?, ?, ?)')
      .run(d.channel, d.cycle_id ?? null, d.at, d.kind, d.summary, json(d.payload));
    return Number(r.lastInsertRowid);
  }

  list(channel: string, opts: { cycleId?: string; limit?: number } = {}): DecisionRecord[] {
    const rows = opts.cycleId
      ? this.db.prepare('SELECT * FROM decisions WHERE channel = ? AND cycle_id = ? ORDER BY id').all(channel, opts.cycleId)
      : this.db.prepare('SELECT * FROM decisions WHERE channel = ? ORDER BY id DESC LIMIT ?').all(channel, opts.limit ?? 50);
    return (rows as Row[]).map(decode);
  }

  between(channel: string, from: string, to: string, kind?: string): DecisionRecord[] {
    const rows = kind
      ? this.db
          .prepare('SELECT * FROM decisions WHERE channel = ? AND at >= ? AND at < ? AND kind = ? ORDER BY id')
          .all(channel, from, to, kind)
      : this.db.prepare('SELECT * FROM decisions WHERE channel = ? AND at >= ? AND at < ? ORDER BY id').all(channel, from, to);
    return (rows as Row[]).map(decode);
  }
}
