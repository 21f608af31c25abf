/**
 * `npm start`: the whole autopilot on one machine — Temporal dev server (SQLite under the data
 * dir, Web UI), the worker, the built-in VVTV simulator, the daily schedules — then one demo
 * cycle with a short canary whose verdict is printed with its Web UI link. Ctrl-C stops it all.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import pino from 'pino';
import type { Client } from '@temporalio/client';
import { defaultConfigPath, loadConfig, storePath } from './config/load';
import { VvtvMetricsWriter } from './adapters/metrics-store';
import { JsonlSlotLog } from './adapters/slot-log';
import { ValidationError } from './config/errors';
import { isListening, startDevServer, type DevServer } from './devserver';
import { startCycle, uiLink, canaryStatus, cycleStatus } from './client';
import { startWorkerHost } from './host';
import { openRuntime, cardSource, type Runtime as AppRuntime } from './runtime';
import type { AutopilotConfig } from './config/schema';
import { Simulator } from './simulator';
import type { HarmfulRegion } from './simulator/types';
import { canaryWorkflowId, type CycleResult } from './workflows/messages';
import { logger } from './observability/logger';
import { verdictRows, verdictTable } from './readmodel';

const ROOT = resolve(__dirname, '..');
const say = (msg: string) => process.stdout.write(`${msg}\n`);

/** 1. Temporal: the configured server if one answers there, else the dev server (SQLite under the data dir, Web UI). */
async function ensureTemporal(config: AutopilotConfig): Promise<{ server: DevServer | null; address: string; uiUrl: string }> {
  const [host, portText] = config.temporal.address.split(':');
  if (await isListening(Number(portText), host === 'localhost' ? '127.0.0.1' : host)) {
    say(`• Temporal: using the server already listening at ${config.temporal.address}`);
    return { server: null, address: config.temporal.address, uiUrl: config.temporal.ui_url };
  }
  if (process.env.TEMPORAL_ADDRESS) throw new Error(`TEMPORAL_ADDRESS=${config.temporal.address} does not answer`);
  say('• Temporal: starting the dev server (SQLite under the data dir)…');
  const port = Number(portText) || 7233;
  const server = await startDevServer({
    dbFile: join(config.data_dir, 'temporal.sqlite'),
    port,
    uiPort: port + 1000,
    logFile: join(config.data_dir, 'temporal-server.log'),
    readyTimeoutMs: 120_000,
  });
  say(`  ready at ${server.address}; Web UI ${server.uiUrl ?? config.temporal.ui_url}`);
  return { server, address: server.address, uiUrl: server.uiUrl ?? config.temporal.ui_url };
}

/** 2. Cards: a channel without a card starts from the example card. */
function ensureCards(rt: AppRuntime, channels: string[]): void {
  for (const ch of channels) {
    const store = rt.deps.cards(ch);
    if (!store.exists()) {
      mkdirSync(dirname(store.path), { recursive: true });
      copyFileSync(join(ROOT, 'config', 'business_logic.example.yaml'), store.path);
      say(`• ${ch}: card created from the example at ${store.path}`);
    }
  }
}

/** 3. The simulator (the VVTV planner stand-in) per channel, with 24 h of history when the store is empty. */
function startSimulators(rt: AppRuntime, config: AutopilotConfig, log: pino.Logger): Simulator[] {
  if (!config.simulator.enabled) return [];
  const s = config.simulator;
  const sims = config.channels.map((ch) => {
    // The planner stand-in writes VVTV's database the way VVTV does; the autopilot reads it read-only.
    const writer = new VvtvMetricsWriter(storePath(config, config.stores.metrics_db, ch));
    const sim = new Simulator({
      channel: ch,
      seed: `${s.seed}:${ch}`,
      catalogSize: s.catalog_size,
      candidatesPerSlot: s.candidates_per_slot,
      batchSize: config.planner.selection_batch_size,
      noise: s.noise,
      harmfulRegion: s.harmful_region as HarmfulRegion | undefined,
      slotsPerHour: 3600 * s.slots_per_second,
      source: cardSource(rt.deps.cards(ch)),
      sink: writer,
      channelKey: config.stores.metrics_channel_key,
      // The slot log (optional extension of the overlay contract): what the offline replay reads.
      // A share of slots sized to what a replay reads (4 × max_slots per window), not every slot (about 15 kB each).
      ...(config.stores.slot_log
        ? {
            slotLog: new JsonlSlotLog(storePath(config, config.stores.slot_log, ch)),
            slotLogShare: Math.min(
              1,
              (4 * config.optimizer.replay.max_slots) / (config.optimizer.replay.window_hours * 3600 * s.slots_per_second),
            ),
          }
        : {}),
      onError: (err) => log.error({ err, channel: ch }, 'simulator tick failed'),
    });
    if (writer.count() === 0) {
      const to = new Date();
      const r = sim.backfill(new Date(to.getTime() - 24 * 3_600_000), to, 600);
      say(`• ${ch}: backfilled 24 h of simulated metrics (${r.rows} rows)`);
    }
    sim.start(s.slots_per_second);
    return sim;
  });
  const canaryShare = Math.round(config.canary.traffic_percentage * 100);
  say(`• simulator: ${s.slots_per_second} slots/s per channel, ${canaryShare} % canary share during canaries`);
  return sims;
}

/** 5. One demo cycle now, with a short canary, its progress every 5 s and its verdict. */
async function runDemo(client: Client, config: AutopilotConfig, uiUrl: string, durationMs: number, checkIntervalMs: number): Promise<void> {
  const handle = await startCycle(client, config.temporal.task_queue, {
    channel: config.channels[0],
    canary: { durationMs, checkIntervalMs, inconclusiveWindowMs: 0 },
    reason: 'npm start demo',
  });
  say(`\n▶ demo cycle ${handle.workflowId}\n  ${uiLink(uiUrl, config.temporal.namespace, handle.workflowId)}`);
  const progress = setInterval(async () => {
    try {
      const st = await cycleStatus(client, handle.workflowId);
      let line = `  … ${st.phase}`;
      if (st.phase === 'canary' && st.canaryId) {
        const c = await canaryStatus(client, st.canaryId).catch(() => null);
        if (c) {
          const last = c.lastVerdict ? `, last: ${c.lastVerdict.decision}/${c.lastVerdict.rule}` : '';
          line += ` (${c.phase}, check ${c.checksDone}/${c.totalChecks}${last})`;
        }
      }
      say(line);
    } catch {
      /* the workflow may be between tasks */
    }
  }, 5000);
  const result: CycleResult = await handle.result().finally(() => clearInterval(progress));
  printResult(result, uiUrl, config.temporal.namespace, handle.workflowId);
}

async function main(): Promise<void> {
  const { values: args } = parseArgs({
    options: {
      config: { type: 'string', default: defaultConfigPath() },
      demo: { type: 'boolean', default: true },
      'no-demo': { type: 'boolean', default: false },
      'canary-seconds': { type: 'string', default: process.env.VVTV_DEMO_CANARY_SECONDS ?? '90' },
      'check-seconds': { type: 'string', default: process.env.VVTV_DEMO_CHECK_SECONDS ?? '15' },
      'exit-after-demo': { type: 'boolean', default: false },
    },
  });
  // Our structured log goes to a file (data dir); the console gets the readable progress lines.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const dataDir = loadConfig(args.config!).config.data_dir;
  mkdirSync(dataDir, { recursive: true });
  const fileLog = pino(
    { name: 'vvtv-autopilot', level: process.env.LOG_LEVEL ?? 'info', redact: ['token', '*.token', 'authorization', '*.authorization'] },
    pino.destination({ dest: join(dataDir, 'autopilot.log'), sync: false }),
  );
  const rt = openRuntime(args.config!, { logger: fileLog });
  const config = rt.live.get();
  say(`• config ${args.config}; data dir ${config.data_dir}; log ${join(dataDir, 'autopilot.log')}`);

  const temporal = await ensureTemporal(config);
  ensureCards(rt, config.channels);
  const sims = startSimulators(rt, config, fileLog);
  const host = await startWorkerHost({ rt, address: temporal.address, log: fileLog, say });

  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    say('\n• shutting down…');
    sims.forEach((s) => s.stop());
    await host.stop();
    rt.close();
    if (temporal.server) await temporal.server.stop();
    say('• stopped cleanly');
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);

  if (args.demo && !args['no-demo']) {
    await runDemo(host.client, config, temporal.uiUrl, Number(args['canary-seconds']) * 1000, Number(args['check-seconds']) * 1000);
    if (args['exit-after-demo']) return shutdown();
  }
  say(`\nThe autopilot is running. Web UI: ${temporal.uiUrl}   (Ctrl-C to stop)`);
  await host.running;
}

function printResult(r: CycleResult, uiUrl: string, namespace: string, workflowId: string): void {
  say(`\n■ outcome: ${r.outcome}${r.verdict ? '' : ` — ${r.message}`}`);
  for (const c of r.changes) say(`  change: ${c.parameter} ${c.oldValue} → ${c.newValue} (${c.rule})`);
  if (r.verdict) {
    say(`  verdict: ${r.verdict.decision} by rule ${r.verdict.rule} (${r.verdict.method}, ${r.verdict.confidenceLevel * 100}% confidence)`);
    say(`  reason: ${r.message.split(';')[0]}`);
    for (const line of verdictTable(verdictRows(r.verdict)).split('\n')) say(`    ${line}`);
  }
  if (r.predictionError !== undefined) say(`  autopilot_pred_vs_real_error: ${r.predictionError.toFixed(3)}`);
  if (r.versionId) say(`  version: ${r.versionId}`);
  say(`  run: ${uiLink(uiUrl, namespace, workflowId)}`);
  if (r.verdict) say(`  canary: ${uiLink(uiUrl, namespace, canaryWorkflowId(r.channel, r.cycleId))}`);
}

main().catch((err) => {
  if (err instanceof ValidationError) process.stderr.write(`${err.message}\n`);
  else logger.fatal({ err }, 'autopilot failed to start');
  process.exit(1);
});
