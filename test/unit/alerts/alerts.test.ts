import pino from 'pino';
import { AlertRouter, AlertmanagerSink, WebhookSink, createAlerter, type Alert, type AlertSink } from '../../../src/adapters/alerts';
import type { AutopilotConfig } from '../../../src/config/schema';
import { defaultConfig } from '../governor/fixtures';
import { AlertReceiver } from './receiver';

const alert: Alert = {
  severity: 'critical',
  channel: 'main',
  name: 'emergency_pause',
  summary: 'emergency pause by ops: incident',
  details: { by: 'ops' },
};

function memoryLog() {
  const lines: any[] = [];
  const log = pino({ level: 'debug' }, { write: (s: string) => lines.push(JSON.parse(s)) });
  return { log, lines };
}

describe('alerts (8.5)', () => {
  const rx = new AlertReceiver();
  beforeAll(() => rx.start());
  afterAll(() => rx.stop());
  beforeEach(() => {
    rx.requests.length = 0;
    rx.status = 200;
  });

  it('posts a Slack-style JSON body to the webhook', async () => {
    await new WebhookSink(`${rx.url}/hook`).send(alert, { at: new Date('2025-06-15T12:00:00Z'), suppressedSinceLast: 2 });
    const [r] = rx.on('/hook');
    expect(r.method).toBe('POST');
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.body).toMatchObject({
      text:
        ':rotating_light: [CRITICAL] vvtv-autopilot main: emergency_pause: ' +
        'emergency pause by ops: incident (2 duplicate(s) suppressed)',
      severity: 'critical',
      channel: 'main',
      alertname: 'emergency_pause',
      details: { by: 'ops' },
      suppressed_since_last: 2,
      at: '2025-06-15T12:00:00.000Z',
    });
  });

  it('posts Alertmanager v2 alerts with labels, annotations, startsAt and endsAt', async () => {
    await new AlertmanagerSink(`${rx.url}/`, { ttlMs: 3_600_000 }).send(alert, {
      at: new Date('2025-06-15T12:00:00Z'),
      suppressedSinceLast: 0,
    });
    const [r] = rx.on('/api/v2/alerts');
    expect(r.body).toEqual([
      {
        labels: { alertname: 'emergency_pause', severity: 'critical', channel: 'main', service: 'vvtv-autopilot' },
        annotations: { summary: 'emergency pause by ops: incident', details: '{"by":"ops"}' },
        startsAt: '2025-06-15T12:00:00.000Z',
        endsAt: '2025-06-15T13:00:00.000Z',
      },
    ]);
  });

  it('suppresses the same alert for the same channel within the window, counts it, and reports the count on the next one', async () => {
    let now = Date.parse('2025-06-15T12:00:00Z');
    const { log, lines } = memoryLog();
    const router = new AlertRouter({
      log,
      sinks: () => [new WebhookSink(`${rx.url}/hook`)],
      dedupWindowMs: () => 60_000,
      now: () => new Date(now),
    });
    await router.raise(alert);
    await router.raise(alert);
    await router.raise({ ...alert, channel: 'news' });
    await router.raise({ ...alert, name: 'drift_mode_entered' });
    expect(router.suppressedCount(alert)).toBe(1);
    now += 61_000;
    await router.raise(alert);
    const hooks = rx.on('/hook').map((r) => [r.body.channel, r.body.alertname, r.body.suppressed_since_last]);
    expect(hooks).toEqual([
      ['main', 'emergency_pause', 0],
      ['news', 'emergency_pause', 0],
      ['main', 'drift_mode_entered', 0],
      ['main', 'emergency_pause', 1],
    ]);
    expect(router.stats).toMatchObject({ raised: 5, sent: 4, suppressed: 1, sinkFailures: 0 });
    // the log sees every alert, the suppressed one included
    expect(lines.filter((l) => l.alert?.name === 'emergency_pause' && l.alert.channel === 'main')).toHaveLength(3);
  });

  it('never throws when a sink fails: the failure is logged and the other sinks still get the alert', async () => {
    const { log, lines } = memoryLog();
    const broken: AlertSink = {
      name: 'broken',
      send: async () => {
        throw new Error('boom');
      },
    };
    rx.status = 500;
    const router = new AlertRouter({
      log,
      sinks: () => [broken, new AlertmanagerSink(rx.url), new WebhookSink('http://127.0.0.1:1/unreachable', { timeoutMs: 500 })],
      dedupWindowMs: () => 0,
    });
    await expect(router.raise(alert)).resolves.toBeUndefined();
    expect(rx.on('/api/v2/alerts')).toHaveLength(1);
    expect(router.stats.sinkFailures).toBe(3);
    expect(
      lines
        .filter((l) => l.msg === 'alert sink failed')
        .map((l) => l.sink)
        .sort(),
    ).toEqual(['alertmanager', 'broken', 'webhook']);
    expect(JSON.stringify(lines)).not.toContain('unreachable');
  });

  it('builds its sinks from the alerts section of the config and keeps info alerts in the log below min_severity', async () => {
    const base = defaultConfig();
    let config: AutopilotConfig = {
      ...base,
      alerts: { ...base.alerts, webhook_url: `${rx.url}/hook`, alertmanager_url: rx.url, min_severity: 'warning' },
    };
    const router = createAlerter(() => config, pino({ level: 'silent' }));
    await router.raise({ ...alert, severity: 'info', name: 'autopilot_resumed' });
    await router.raise(alert);
    expect(rx.requests.map((r) => r.path).sort()).toEqual(['/api/v2/alerts', '/hook']);
    config = { ...config, alerts: { ...config.alerts, webhook_url: undefined } };
    await router.raise({ ...alert, name: 'drift_mode_entered' });
    expect(rx.requests.map((r) => r.path).sort()).toEqual(['/api/v2/alerts', '/api/v2/alerts', '/hook']);
  });
});
