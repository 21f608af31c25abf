/**
 * Cycle orchestration overhead with many channels at once on ONE worker host (issue 11). Prints
 * one JSON array, a row per channel count. Not part of `npm test`.
 *
 *   npx tsx bench/channels.ts [--counts=1,10,100] [--backend=dev|cluster] [--canary-ms=3000] [--spread-seconds=0]
 *
 * A temp data dir, one in-process worker host (src/host.ts: the worker, the schedules of every
 * channel, /metrics) on the dev server (`dev`, a temp SQLite file) or on the PostgreSQL-backed
 * server of scripts/cluster.sh (`cluster`, a run folder of its own, brought up and down here).
 * For each count N, N fresh channels (a card each, 24 h of simulated history) start a cycle at the
 * same moment (or, with --spread-seconds=S, started evenly over S seconds, as
 * autopilot.schedule.spread_minutes spreads a fleet's daily starts). Overhead of a cycle = its
 * wall time on the server (start → close) minus its canary child's (start → close): analysis,
 * proposal, bounds, golden gate, history, promote/rollback and the queueing between them —
 * everything but the canary wait.
 * Keys: channels, p50OverheadMs, p95OverheadMs, p95RatioToOne, rssMb (the host process, after
 * the round), backend, plus cycles (how many ended), failed (with the first failure) and outcomes,
 * and what limits it: roundS (the round's wall time), hostCpuMsPerCycle and serverCpuMsPerCycle
 * (CPU time the host process and the Temporal server spent per cycle during the round). A round
 * cannot finish faster than cycles × (host + server CPU per cycle) / cores.
 */
import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import YAML from 'yaml';
import pino from 'pino';
import { quantile } from 'simple-statistics';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { benchOptions } from './options';
import { startDevServer, type DevServer } from '../src/devserver';
import { startWorkerHost } from '../src/host';
import { startCycle } from '../src/client';
import { openRuntime, cardSource } from '../src/runtime';
import { Simulator } from '../src/simulator';
import { canaryWorkflowId } from '../src/workflows/messages';
import { VvtvMetricsWriter } from '../src/adapters/metrics-store';
import { storePath } from '../src/config/load';

const ROOT = resolve(__dirname, '..');

/** CPU seconds (user + system) a process has used so far, from /proc; null when it cannot be read. */
function processCpuSeconds(pid: number | null): number | null {
  if (!pid) return null;
  try {
    // Fields after the command's closing parenthesis: utime and stime are the 12th and 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / CLOCK_TICKS;
  } catch {
    return null;
  }
}
/** Linux's USER_HZ, 100 on every architecture Node runs on. */
const CLOCK_TICKS = 100;

interface Backend {
  address: string;
  /** The Temporal server's process, for its CPU share. */
  serverPid: number | null;
  stop(): Promise<void>;
}

async function temporalBackend(backend: string, dir: string): Promise<Backend> {
  if (backend === 'dev') {
    const server: DevServer = await startDevServer({
      dbFile: join(dir, 'temporal.sqlite'),
      headless: true,
      logFile: join(dir, 'server.log'),
      readyTimeoutMs: 120_000,
    });
    return { address: server.address, serverPid: server.pid, stop: () => server.stop() };
  }
  if (backend !== 'cluster') throw new Error(`--backend: expected dev or cluster, got ${backend}`);
  const runDir = join(dir, 'cluster');
  const env = { ...process.env, VVTV_CLUSTER_DIR: runDir };
  const out = execFileSync('bash', [join(ROOT, 'scripts', 'cluster.sh'), 'up'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const pidFile = join(runDir, 'server.pid');
  return {
    address: out.toString().trim().split('\n').pop()!,
    serverPid: Number(readFileSync(pidFile, 'utf8').trim()) || null,
    stop: async () => void execFileSync('bash', [join(ROOT, 'scripts', 'cluster.sh'), 'down', '--purge'], { env, stdio: 'ignore' }),
  };
}

async function main(): Promise<void> {
  const opt = benchOptions('VVTV_BENCH_CHANNELS');
  const counts = opt
    .text('counts', '1,10,100')
    .split(',')
    .map((c) => {
      const n = Number(c);
      if (!Number.isInteger(n) || n < 1) throw new Error(`--counts: expected positive integers, got ${c}`);
      return n;
    });
  const backend = opt.text('backend', 'dev');
  const canaryMs = opt.num('canary-ms', 3000);
  // Starts spread evenly over this many seconds instead of at once (autopilot.schedule.spread_minutes in small).
  const spreadS = opt.num('spread-seconds', 0);
  if (!(spreadS >= 0)) throw new Error(`--spread-seconds: expected a number ≥ 0, got ${spreadS}`);
  // Core's own warnings (slow workflow tasks under load) go to the TS logger on stderr, not into the JSON.
  Runtime.install({
    logger: new DefaultLogger('ERROR'),
    telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } },
  });

  const dir = mkdtempSync(join(tmpdir(), 'vvtv-channels-bench-'));
  chmodSync(dir, 0o755); // the cluster's PostgreSQL runs as the postgres user, inside this folder
  const temporal = await temporalBackend(backend, dir);
  // Fresh channels for every round: a rolled-back channel is paused by its governor (2.x).
  const rounds = counts.map((n, r) => Array.from({ length: n }, (_, i) => `b${r}-${i}`));
  const raw = YAML.parse(readFileSync(join(ROOT, 'config', 'autopilot.yaml'), 'utf8'));
  raw.channels = rounds.flat();
  raw.data_dir = join(dir, 'data');
  raw.metrics_port = 0;
  raw.temporal = { ...raw.temporal, address: temporal.address, task_queue: 'bench-channels' };
  const configPath = join(dir, 'autopilot.yaml');
  writeFileSync(configPath, YAML.stringify(raw));
  const rt = openRuntime(configPath, { logger: pino({ level: 'silent' }), env: {} });
  const to = new Date();
  for (const ch of raw.channels as string[]) {
    const cards = rt.deps.cards(ch);
    mkdirSync(dirname(cards.path), { recursive: true });
    copyFileSync(join(ROOT, 'config', 'business_logic.example.yaml'), cards.path);
    const writer = new VvtvMetricsWriter(storePath(rt.live.get(), rt.live.get().stores.metrics_db, ch));
    const sim = new Simulator({ channel: ch, seed: `bench:${ch}`, source: cardSource(cards), sink: writer });
    sim.backfill(new Date(to.getTime() - 24 * 3_600_000), to, 60);
  }
  const host = await startWorkerHost({ rt, log: pino({ level: 'silent' }), say: () => undefined });

  const rows: Array<Record<string, unknown>> = [];
  let p95One: number | null = null;
  for (const channels of rounds) {
    const cpu0 = process.cpuUsage();
    const server0 = processCpuSeconds(temporal.serverPid);
    const wall0 = Date.now();
    const handles = await Promise.all(
      channels.map(async (channel, i) => {
        if (spreadS > 0) await sleep((spreadS * 1000 * i) / channels.length);
        return startCycle(host.client, 'bench-channels', {
          channel,
          canary: { durationMs: canaryMs, checkIntervalMs: Math.max(500, canaryMs / 3), inconclusiveWindowMs: 0 },
        });
      }),
    );
    // A cycle that fails (e.g. an activity timing out on an overloaded host) is counted, not measured.
    const settled = await Promise.allSettled(handles.map((h) => h.result()));
    const wallS = (Date.now() - wall0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const hostCpuS = (cpu.user + cpu.system) / 1e6;
    const server1 = processCpuSeconds(temporal.serverPid);
    const serverCpuS = server0 !== null && server1 !== null ? server1 - server0 : null;
    const results = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const failures = settled.flatMap((r) =>
      r.status === 'rejected' ? [String((r.reason as Error).cause ?? (r.reason as Error).message)] : [],
    );
    const overheads: number[] = [];
    for (const [i, h] of handles.entries()) {
      if (settled[i]!.status === 'rejected') continue;
      const cycle = await h.describe();
      const canary = await host.client.workflow
        .getHandle(canaryWorkflowId(channels[i]!, h.workflowId))
        .describe()
        .catch(() => null); // a cycle that ended before its canary has no canary wait
      const canaryWait = canary?.closeTime ? canary.closeTime.getTime() - canary.startTime.getTime() : 0;
      overheads.push(cycle.closeTime!.getTime() - cycle.startTime.getTime() - canaryWait);
    }
    if (!overheads.length) throw new Error(`no cycle of ${channels.length} completed: ${failures[0]}`);
    const p95 = quantile(overheads, 0.95);
    p95One ??= p95;
    const outcomes: Record<string, number> = {};
    for (const r of results) outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
    rows.push({
      channels: channels.length,
      p50OverheadMs: Math.round(quantile(overheads, 0.5)),
      p95OverheadMs: Math.round(p95),
      p95RatioToOne: Number((p95 / p95One).toFixed(2)),
      rssMb: Math.round(process.memoryUsage().rss / 1024 / 1024),
      backend,
      spreadS,
      // What limits it: CPU seconds per cycle in the host (worker + workflows) and in the Temporal
      // server, against the cores there are; the round's wall time.
      roundS: Number(wallS.toFixed(1)),
      hostCpuMsPerCycle: Math.round((hostCpuS * 1000) / channels.length),
      serverCpuMsPerCycle: serverCpuS === null ? null : Math.round((serverCpuS * 1000) / channels.length),
      cycles: results.length,
      failed: failures.length,
      ...(failures.length ? { firstFailure: failures[0] } : {}),
      outcomes,
    });
  }
  await host.stop();
  rt.close();
  await temporal.stop();
  rmSync(dir, { recursive: true, force: true });
  process.stdout.write(
    `${JSON.stringify({ rows, canaryMs, cpus: cpus().length, loadavg1m: Number(loadavg()[0]!.toFixed(2)) }, null, 2)}\n`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
