import type { BoundsStore } from '../../domain/ports';
import type { BoundsAdjustment } from '../../domain/records';
import type { ParameterBounds } from '../../domain/types';
import type { Db } from './database';

interface Row {
  parameter: string;
  min: number;
  max: number;
  hard_min: number;
  hard_max: number;
  rollback_count: number;
  updated_at: string;
}

export class SqliteBoundsStore implements BoundsStore {
  constructor(private readonly db: Db) {}

  get(channel: string): ParameterBounds[] {
    return (this.db.prepare('SELECT * FROM bounds WHERE channel = ? ORDER BY parameter').all(channel) as Row[]).map((r) => ({
      parameter: r.parameter,
      min: r.min,
      max: r.max,
      hardMin: r.hard_min,
      hardMax: r.hard_max,
      rollbackCount: r.rollback_count,
      updatedAt: r.updated_at,
    }));
  }

  save(channel: string, bounds: ParameterBounds[], adjustments: BoundsAdjustment[] = []): void {
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

  adjustments(channel: string, limit = 100): BoundsAdjustment[] {
    return this.db
      .prepare('SELECT * FROM bounds_adjustments WHERE channel = ? ORDER BY id DESC LIMIT ?')
      .all(channel, limit) as BoundsAdjustment[];
  }
}
