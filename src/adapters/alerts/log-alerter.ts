import type { Logger } from '../../observability/logger';
import type { Alert, Alerter } from './types';

export const logLevel = (alert: Alert): 'error' | 'warn' | 'info' =>
  alert.severity === 'critical' ? 'error' : alert.severity === 'warning' ? 'warn' : 'info';

/** Alerts into the structured log (always on). Other sinks wrap this one. */
export class LogAlerter implements Alerter {
  constructor(private readonly log: Logger) {}
  async raise(alert: Alert): Promise<void> {
    this.log[logLevel(alert)]({ alert }, `alert: ${alert.name}`);
  }
}
