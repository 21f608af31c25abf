import type { Logger } from '../../observability/logger';

export type Severity = 'info' | 'warning' | 'critical';

export interface Alert {
  severity: Severity;
  channel: string;
  /** Stable name, e.g. `cycle_timeout`, `invalid_card`, `canary_rolled_back`. */
  name: string;
  summary: string;
  details?: Record<string, unknown>;
}

export interface Alerter {
  raise(alert: Alert): Promise<void>;
}

/** Alerts into the structured log (always on). Other sinks wrap this one. */
export class LogAlerter implements Alerter {
  constructor(private readonly log: Logger) {}
  async raise(alert: Alert): Promise<void> {
    const level = alert.severity === 'critical' ? 'error' : alert.severity === 'warning' ? 'warn' : 'info';
    this.log[level]({ alert }, `alert: ${alert.name}`);
  }
}
