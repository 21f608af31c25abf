import { createServer, type Server } from 'node:http';
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { AutopilotConfig } from '../config/schema';
import type { StatePorts } from '../domain/ports';
import { periodFigures, storeNumbers } from '../readmodel';

/** What the exporter reads: the live config and the stores' interfaces. */
export interface MetricsSources extends Pick<StatePorts, 'cycleLog' | 'canaryLog' | 'boundsStore' | 'auditLog'> {
  config: () => AutopilotConfig;
}

/**
 * Prometheus metrics, computed from the state store at scrape time so that every worker and the
 * store agree (no counters lost on restart).
 */
export function createRegistry(deps: MetricsSources): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'vvtv_autopilot_process_' });
  const DAY = 86_400_000;
  // Only the period's rows, newest first (the gauges read the newest prediction error).
  const cycles = (channel: string, days: number) =>
    deps.cycleLog.between(channel, new Date(Date.now() - days * DAY).toISOString(), new Date(Date.now() + 1).toISOString()).reverse();

  new Gauge({
    name: 'vvtv_autopilot_cycles_30d',
    help: 'Cycles started in the last 30 days, by outcome',
    labelNames: ['channel', 'outcome'],
    registers: [registry],
    collect() {
      this.reset();
      for (const ch of deps.config().channels) {
        const counts: Record<string, number> = {};
        for (const c of cycles(ch, 30)) counts[c.outcome ?? c.status] = (counts[c.outcome ?? c.status] ?? 0) + 1;
        for (const [outcome, n] of Object.entries(counts)) this.set({ channel: ch, outcome }, n);
      }
    },
  });
  new Gauge({
    name: 'vvtv_autopilot_deployment_success_ratio_30d',
    help: 'Promoted / (promoted + rolled back) over 30 days (target > 0.9, 8.2)',
    labelNames: ['channel'],
    registers: [registry],
    collect() {
      this.reset();
      for (const ch of deps.config().channels) {
        const r = periodFigures(deps, ch, 30).deploymentSuccess;
        if (r !== null) this.set({ channel: ch }, r);
      }
    },
  });
  new Gauge({
    name: 'vvtv_autopilot_rollback_ratio_14d',
    help: 'Rolled back / deployments over 14 days, as the governor computes it (target < 0.05, 4.3)',
    labelNames: ['channel'],
    registers: [registry],
    collect() {
      this.reset();
      for (const ch of deps.config().channels) {
        const r = storeNumbers(deps, ch, Date.now()).rollbackRate14d.rate;
        if (r !== null) this.set({ channel: ch }, r);
      }
    },
  });
  new Gauge({
    name: 'vvtv_autopilot_pred_vs_real_error_p50_14d',
    help: 'p50 of the daily autopilot_pred_vs_real_error over 14 days, as the governor computes it (target < 0.2, 4.1)',
    labelNames: ['channel'],
    registers: [registry],
    collect() {
      this.reset();
      for (const ch of deps.config().channels) {
        const p = storeNumbers(deps, ch, Date.now()).errorP50.p50;
        if (p !== null) this.set({ channel: ch }, p);
      }
    },
  });
  new Gauge({
    name: 'vvtv_autopilot_pred_vs_real_error_last',
    help: 'Last recorded autopilot_pred_vs_real_error (4.1, 8.1)',
    labelNames: ['channel'],
    registers: [registry],
    collect() {
      this.reset();
      for (const ch of deps.config().channels) {
        const c = cycles(ch, 30).find((x) => typeof x.report.predictionError === 'number');
        if (c) this.set({ channel: ch }, c.report.predictionError as number);
      }
    },
  });
  new Gauge({
    name: 'vvtv_autopilot_canary_running',
    help: '1 while a canary runs for the channel',
    labelNames: ['channel'],
    registers: [registry],
    collect() {
      this.reset();
      for (const ch of deps.config().channels)
        this.set({ channel: ch }, deps.canaryLog.list(ch, 5).some((c) => c.status === 'running') ? 1 : 0);
    },
  });
  new Gauge({
    name: 'vvtv_autopilot_bounds',
    help: 'Current sliding bounds per parameter',
    labelNames: ['channel', 'parameter', 'edge'],
    registers: [registry],
    collect() {
      this.reset();
      for (const ch of deps.config().channels)
        for (const b of deps.boundsStore.get(ch)) {
          this.set({ channel: ch, parameter: b.parameter, edge: 'min' }, b.min);
          this.set({ channel: ch, parameter: b.parameter, edge: 'max' }, b.max);
        }
    },
  });
  return registry;
}

/** Serves GET /metrics (and /healthz) on the port. */
export function startMetricsServer(port: number, deps: MetricsSources, host = '127.0.0.1'): Promise<Server> {
  const registry = createRegistry(deps);
  const server = createServer(async (req, res) => {
    if (req.url === '/metrics') {
      try {
        res.setHeader('Content-Type', registry.contentType);
        res.end(await registry.metrics());
      } catch (err) {
        res.statusCode = 500;
        res.end(String(err));
      }
    } else if (req.url === '/healthz') {
      res.end('ok');
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  return new Promise((resolveP, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolveP(server));
  });
}
