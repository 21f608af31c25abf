import type { Logger } from '../../observability/logger';
import { SEVERITY_RANK, type Alert, type Alerter, type AlertSink, type Severity } from './types';

export interface AlertRouterOptions {
  log: Logger;
  /** Read on every alert, so a config reload changes the sinks without a restart. */
  sinks: () => AlertSink[];
  dedupWindowMs: () => number;
  /** Alerts below this severity stay in the log. */
  minSeverity?: () => Severity;
  now?: () => Date;
}

const logLevel = (alert: Alert): 'error' | 'warn' | 'info' =>
  alert.severity === 'critical' ? 'error' : alert.severity === 'warning' ? 'warn' : 'info';

export interface AlertStats {
  raised: number;
  sent: number;
  suppressed: number;
  sinkFailures: number;
}

/**
 * Severity and de-duplication in front of the sinks (8.5): every alert is logged; the same
 * alert (`dedupKey`, by default channel + name) within the window is suppressed and counted, and
 * the count rides on the next one that goes out. A failing sink is logged, never thrown.
 */
export class AlertRouter implements Alerter {
  readonly stats: AlertStats = { raised: 0, sent: 0, suppressed: 0, sinkFailures: 0 };
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(private readonly opts: AlertRouterOptions) {}

  static key(alert: Alert): string {
    return alert.dedupKey ?? `${alert.channel}/${alert.name}`;
  }

  async raise(alert: Alert): Promise<void> {
    this.stats.raised++;
    const at = this.opts.now ? this.opts.now() : new Date();
    const window = this.opts.dedupWindowMs();
    const key = AlertRouter.key(alert);
    this.forgetOlderThan(at.getTime() - window);
    const prev = this.last.get(key);
    if (prev && at.getTime() - prev.at < window) {
      prev.suppressed++;
      this.stats.suppressed++;
      this.opts.log.info({ alert, suppressed: prev.suppressed, dedupKey: key }, `alert suppressed as a duplicate: ${alert.name}`);
      return;
    }
    const suppressedSinceLast = prev?.suppressed ?? 0;
    this.last.set(key, { at: at.getTime(), suppressed: 0 });
    this.opts.log[logLevel(alert)]({ alert, ...(suppressedSinceLast ? { suppressedSinceLast } : {}) }, `alert: ${alert.name}`);
    if (SEVERITY_RANK[alert.severity] < SEVERITY_RANK[this.opts.minSeverity?.() ?? 'info']) return;
    await Promise.all(
      this.opts.sinks().map(async (sink) => {
        try {
          await sink.send(alert, { at, suppressedSinceLast });
          this.stats.sent++;
        } catch (err) {
          this.stats.sinkFailures++;
          this.opts.log.error(
            { sink: sink.name, alert: alert.name, channel: alert.channel, err: (err as Error).message },
            'alert sink failed',
          );
        }
      }),
    );
  }

  /** Duplicates suppressed so far for this alert's key (since it last went out). */
  suppressedCount(alert: Pick<Alert, 'channel' | 'name' | 'dedupKey'>): number {
    return this.last.get(alert.dedupKey ?? `${alert.channel}/${alert.name}`)?.suppressed ?? 0;
  }

  private forgetOlderThan(ms: number): void {
    for (const [k, v] of this.last) if (v.at < ms && v.suppressed === 0) this.last.delete(k);
  }
}
