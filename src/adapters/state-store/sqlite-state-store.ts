import type { StatePorts } from '../../domain/ports';
import { openStateDatabase, type Db } from './database';
import { SqliteCycleLog } from './cycle-log';
import { SqliteCanaryLog } from './canary-log';
import { SqliteAuditLog } from './audit-log';
import { SqliteBoundsStore } from './bounds-store';
import { SqliteDriftLog } from './drift-log';
import { SqliteTriageLog } from './triage-log';

/** The autopilot's own state in one SQLite file, one port per concern. */
export class SqliteStateStore implements StatePorts {
  private readonly db: Db;
  readonly cycleLog: SqliteCycleLog;
  readonly canaryLog: SqliteCanaryLog;
  readonly auditLog: SqliteAuditLog;
  readonly boundsStore: SqliteBoundsStore;
  readonly driftLog: SqliteDriftLog;
  readonly triageLog: SqliteTriageLog;

  constructor(readonly path: string) {
    this.db = openStateDatabase(path);
    this.cycleLog = new SqliteCycleLog(this.db);
    this.canaryLog = new SqliteCanaryLog(this.db);
    this.auditLog = new SqliteAuditLog(this.db);
    this.boundsStore = new SqliteBoundsStore(this.db);
    this.driftLog = new SqliteDriftLog(this.db);
    this.triageLog = new SqliteTriageLog(this.db);
  }

  close(): void {
    this.db.close();
  }
}
