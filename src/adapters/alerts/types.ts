export type Severity = 'info' | 'warning' | 'critical';

export const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };

export interface Alert {
  severity: Severity;
  channel: string;
  /** Stable name, e.g. `cycle_timeout`, `invalid_card`, `canary_rolled_back`. */
  name: string;
  summary: string;
  details?: Record<string, unknown>;
  /** De-duplication key; `<channel>/<name>` when absent. */
  dedupKey?: string;
  /** The cycle it concerns, when there is one (stored with the alert's audit record). */
  cycleId?: string;
}

export interface Alerter {
  raise(alert: Alert): Promise<void>;
}

/** What a sink is told besides the alert itself. */
export interface AlertContext {
  at: Date;
  /** Duplicates suppressed since the last time this alert went out. */
  suppressedSinceLast: number;
}

/** One destination (webhook, Alertmanager…). `send` may throw; the router catches and logs. */
export interface AlertSink {
  readonly name: string;
  send(alert: Alert, ctx: AlertContext): Promise<void>;
}
