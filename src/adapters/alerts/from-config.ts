import type { AutopilotConfig } from '../../config/schema';
import type { Logger } from '../../observability/logger';
import { AlertRouter } from './router';
import { AlertmanagerSink, WebhookSink } from './sinks';
import type { AlertSink } from './types';

/** The sinks the `alerts:` section names (none when it names none: the log only). */
export function sinksFromConfig(a: AutopilotConfig['alerts']): AlertSink[] {
  const sinks: AlertSink[] = [];
  if (a.webhook_url) sinks.push(new WebhookSink(a.webhook_url, { timeoutMs: a.timeout_ms }));
  if (a.alertmanager_url)
    sinks.push(new AlertmanagerSink(a.alertmanager_url, { timeoutMs: a.timeout_ms, ttlMs: a.alertmanager_ttl_minutes * 60_000 }));
  return sinks;
}

/** The alerter a worker uses: the log always, plus the configured sinks, re-read with the live config. */
export function createAlerter(config: () => AutopilotConfig, log: Logger): AlertRouter {
  let cachedFor: AutopilotConfig['alerts'] | null = null;
  let cached: AlertSink[] = [];
  return new AlertRouter({
    log,
    sinks: () => {
      const a = config().alerts;
      if (a !== cachedFor) {
        cached = sinksFromConfig(a);
        cachedFor = a;
      }
      return cached;
    },
    dedupWindowMs: () => config().alerts.dedup_window_minutes * 60_000,
    minSeverity: () => config().alerts.min_severity,
  });
}
