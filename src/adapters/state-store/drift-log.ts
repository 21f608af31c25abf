import type { DriftLog } from '../../domain/ports';
import type { DriftEventRecord } from '../../domain/records';
import { json, type Db } from './database';

type Row = Omit<DriftEventRecord, 'numbers'> & { numbers: string };

/** drift_events (4.1-4.5): the rule, its numbers, the action taken, and when it was resolved. */
export class SqliteDriftLog implements DriftLog {
  constructor(private readonly db: Db) {}

  /** Idempotent on (channel, at, kind): an activity retry never stores an event twice. */
  record(e: DriftEventRecord): number {
    const existing = this.db
      .prepare('SELECT id FROM drift_events WHERE channel = ? AND at = ? AND kind = ?')
      .get(e.channel, e.at, e.kind) as { id: number } | undefined;
    if (existing) return existing.id;
    const r = this.db
      .prepare('INSERT INTO drift_events (channel, at, kind, numbers, action, resolved_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(e.channel, e.at, e.kind, json(e.numbers), e.action, e.resolved_at ?? null);
    return Number(r.lastInsertRowid);
  }

  resolve(channel: string, kind: string, at: string, resolvedAt: string): boolean {
    const r = this.db
      .prepare('UPDATE drift_events SET resolved_at = ? WHERE channel = ? AND kind = ? AND at = ? AND resolved_at IS NULL')
      .run(resolvedAt, channel, kind, at);
    return r.changes > 0;
  }

  list(channel: string, opts: { limit?: number; unresolvedOnly?: boolean } = {}): DriftEventRecord[] {
    const where = opts.unresolvedOnly ? 'AND resolved_at IS NULL' : '';
    const rows = this.db
      .prepare(`SELECT * FROM drift_events WHERE channel = ? ${where} ORDER BY id DESC LIMIT ?`)
      .all(channel, opts.limit ?? 100) as Row[];
    return rows.map((r) => ({ ...r, numbers: JSON.parse(r.numbers) }));
  }
}
