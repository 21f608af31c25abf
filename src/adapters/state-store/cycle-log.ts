import type { CycleLog } from '../../domain/ports';
import type { CycleRecord } from '../../domain/records';
import { json, type Db } from './database';

type Row = Omit<CycleRecord, 'report'> & { report: string };
const decode = (row: Row): CycleRecord => ({ ...row, report: JSON.parse(row.report) });

export class SqliteCycleLog implements CycleLog {
  constructor(private readonly db: Db) {}

  save(c: CycleRecord): void {
    this.db
      .prepare(
        `INSERT INTO cycles (cycle_id, channel, started_at, finished_at, status, outcome, version_id, canary_id, report, error)
         VALUES (@cycle_id, @channel, @started_at, @finished_at, @status, @outcome, @version_id, @canary_id, @report, @error)
         ON CONFLICT(cycle_id) DO UPDATE SET finished_at=excluded.finished_at, status=excluded.status, outcome=excluded.outcome,
           version_id=excluded.version_id, canary_id=excluded.canary_id, report=excluded.report, error=excluded.error`,
      )
      .run({ finished_at: null, outcome: null, version_id: null, canary_id: null, error: null, ...c, report: json(c.report) });
  }

  get(cycleId: string): CycleRecord | null {
    const row = this.db.prepare('SELECT * FROM cycles WHERE cycle_id = ?').get(cycleId) as Row | undefined;
    return row ? decode(row) : null;
  }

  list(channel: string, limit = 20): CycleRecord[] {
    return (this.db.prepare('SELECT * FROM cycles WHERE channel = ? ORDER BY started_at DESC LIMIT ?').all(channel, limit) as Row[]).map(
      decode,
    );
  }

  between(channel: string, from: string, to: string): CycleRecord[] {
    const sql = 'SELECT * FROM cycles WHERE channel = ? AND started_at >= ? AND started_at < ? ORDER BY started_at';
    return (this.db.prepare(sql).all(channel, from, to) as Row[]).map(decode);
  }
}
