import type { Alert, AlertContext, AlertSink } from './types';

export const SERVICE = 'vvtv-autopilot';

export interface HttpSinkOptions {
  timeoutMs?: number;
  /** Injected in tests; the global fetch (Node 20) otherwise. */
  fetch?: typeof fetch;
}

/**
 * A URL's `user:password@` moved into a Basic `authorization` header: fetch refuses a URL with
 * credentials, and the header is a field the logger redacts.
 */
export function splitCredentials(url: string): { url: string; headers: Record<string, string> } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { url, headers: {} };
  }
  if (!u.username && !u.password) return { url, headers: {} };
  const basic = Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64');
  u.username = '';
  u.password = '';
  return { url: u.toString(), headers: { authorization: `Basic ${basic}` } };
}

async function postJson(target: string, body: unknown, opts: HttpSinkOptions, sink: string): Promise<void> {
  const { url, headers } = splitCredentials(target);
  let res: Response;
  try {
    res = await (opts.fetch ?? fetch)(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(opts.timeoutMs ?? 5000),
    });
  } catch (err) {
    // fetch's own errors may quote the URL: only their kind goes on.
    const e = err as Error & { cause?: { code?: string } };
    // No `cause`: it would carry the URL (and its credentials) along to whoever logs the error.
    // eslint-disable-next-line preserve-caught-error
    throw new Error(`${sink}: request failed: ${e.name === 'TimeoutError' ? 'timed out' : (e.cause?.code ?? e.name)}`);
  }
  if (!res.ok) {
    const text = await res.text().catch(() => '');
    // The URL is not repeated: webhook URLs carry secrets.
    throw new Error(`${sink}: HTTP ${res.status} ${text.slice(0, 200)}`);
  }
}

const ICON: Record<Alert['severity'], string> = { info: ':information_source:', warning: ':warning:', critical: ':rotating_light:' };

/** The Slack-style webhook body: `text` for humans, the alert as data beside it. */
export function webhookBody(alert: Alert, ctx: AlertContext): Record<string, unknown> {
  const repeat = ctx.suppressedSinceLast ? ` (${ctx.suppressedSinceLast} duplicate(s) suppressed)` : '';
  return {
    text: `${ICON[alert.severity]} [${alert.severity.toUpperCase()}] ${SERVICE} ${alert.channel}: ${alert.name}: ${alert.summary}${repeat}`,
    service: SERVICE,
    severity: alert.severity,
    channel: alert.channel,
    alertname: alert.name,
    summary: alert.summary,
    details: alert.details ?? {},
    suppressed_since_last: ctx.suppressedSinceLast,
    at: ctx.at.toISOString(),
  };
}

/** A JSON webhook (Slack incoming webhook or anything that accepts `{text, …}`). */
export class WebhookSink implements AlertSink {
  readonly name = 'webhook';
  constructor(
    private readonly url: string,
    private readonly opts: HttpSinkOptions = {},
  ) {}
  async send(alert: Alert, ctx: AlertContext): Promise<void> {
    await postJson(this.url, webhookBody(alert, ctx), this.opts, this.name);
  }
}

/** One Alertmanager v2 alert: string labels and annotations, and an endsAt so it resolves itself. */
export function alertmanagerAlert(alert: Alert, ctx: AlertContext, ttlMs: number): Record<string, unknown> {
  const details = alert.details ? JSON.stringify(alert.details) : '';
  return {
    labels: { alertname: alert.name, severity: alert.severity, channel: alert.channel, service: SERVICE },
    annotations: {
      summary: alert.summary,
      ...(details ? { details: details.length > 4000 ? `${details.slice(0, 4000)}…` : details } : {}),
      ...(ctx.suppressedSinceLast ? { suppressed_since_last: String(ctx.suppressedSinceLast) } : {}),
    },
    startsAt: ctx.at.toISOString(),
    endsAt: new Date(ctx.at.getTime() + ttlMs).toISOString(),
  };
}

/** The Alertmanager v2 API: `POST <base>/api/v2/alerts` with a list of alerts. */
export class AlertmanagerSink implements AlertSink {
  readonly name = 'alertmanager';
  constructor(
    private readonly baseUrl: string,
    private readonly opts: HttpSinkOptions & { ttlMs?: number } = {},
  ) {}
  async send(alert: Alert, ctx: AlertContext): Promise<void> {
    const url = `${this.baseUrl.replace(/\/+$/, '')}/api/v2/alerts`;
    await postJson(url, [alertmanagerAlert(alert, ctx, this.opts.ttlMs ?? 3_600_000)], this.opts, this.name);
  }
}
