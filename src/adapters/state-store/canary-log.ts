import type { CanaryLog } from '../../domain/ports';
import type { CanaryCheck, CanaryRecord, CanaryStatusKind } from '../../domain/records';
import type { CanaryVerdict } from '../../domain/types';
import { json, type Db } from './database';

type Row = Omit<CanaryRecord, 'checks' | 'verdict'> & { checks: string; verdict: string | null };
const decode = (row: Row): CanaryRecord => ({
  ...row,
  checks: JSON.parse(row.checks),
  verdict: row.verdict === null ? null : JSON.parse(row.verdict),
});

export class SqliteCanaryLog implements CanaryLog {
  constructor(private readonly db: Db) {}

  open(c: Omit<CanaryRecord, 'checks' | 'status'>): void {
    this.db
      .prepare(
        `INSERT INTO canaries (canary_id, channel, cycle_id, started_at, status, traffic_percentage, checks)
         VALUES (?, ?, ?, ?, 'running', ?, '[]') ON CONFLICT(canary_id) DO NOTHING`,
      )
      .run(c.canary_id, c.channel, c.cycle_id, c.started_at, c.traffic_percentage);
  }

  get(canaryId: string): CanaryRecord | null {
    const row = this.db.prepare('SELECT * FROM canaries WHERE canary_id = ?').get(canaryId) as Row | undefined;
    return row ? decode(row) : null;
  }

  appendCheck(canaryId: string, check: CanaryCheck): void {
    this.db.transaction(() => {
      const c = this.get(canaryId);
      if (!c) return;
      const checks = c.checks.filter((x) => x.checkIndex !== check.checkIndex);
      checks.push(check);
      checks.sort((a, b) => a.checkIndex - b.checkIndex);
      this.db.prepare('UPDATE canaries SET checks = ? WHERE canary_id = ?').run(json(checks), canaryId);
    })();
  }

  close(
    canaryId: string,
    end: { status: Exclude<CanaryStatusKind, 'running'>; at: string; verdict: CanaryVerdict | null; decidedBy: string },
  ): boolean {
    const r = this.db
      .prepare(`UPDATE canaries SET status = ?, finished_at = ?, verdict = ?, decided_by = ? WHERE canary_id = ? AND status = 'running'`)
      .run(end.status, end.at, json(end.verdict), end.decidedBy, canaryId);
    return r.changes > 0;
  }

  list(channel: string, limit = 20): CanaryRecord[] {
    return (this.db.prepare('SELECT * FROM canaries WHERE channel = ? ORDER BY started_at DESC LIMIT ?').all(channel, limit) as Row[]).map(
      decode,
    );
  }
}
