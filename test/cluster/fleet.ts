import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import YAML from 'yaml';
import pino from 'pino';
import { Client, Connection } from '@temporalio/client';
import { EXAMPLE_CARD, ROOT } from '../support/harness';
import { openRuntime, cardSource, type Runtime } from '../../src/runtime';
import { Simulator } from '../../src/simulator';
import { governorWorkflowId } from '../../src/workflows/governor-messages';
import { dailyScheduleId } from '../../src/workflows/messages';
import { triageScheduleId } from '../../src/workflows/triage-messages';
import { VvtvMetricsWriter } from '../../src/adapters/metrics-store';
import { storePath } from '../../src/config/load';
import { temporalConnectionOptions } from '../../src/connection';
import type { AutopilotConfig } from '../../src/config/schema';

/** One `tsx src/worker.ts` process: the production entry point, as a fleet member. */
export interface HostProcess {
  name: string;
  child: ChildProcess;
  pid: number;
  logFile: string;
  exited: Promise<number | null>;
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`${what}: not met within ${timeoutMs} ms${last ? ` (last error: ${(last as Error).message})` : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * A fleet on the cluster of scripts/cluster.sh: one config and data dir (shared by every host, as
 * a shared volume would be), N channels with their cards and simulators, worker host processes.
 */
export class Fleet {
  readonly dir = mkdtempSync(join(tmpdir(), 'vvtv-fleet-'));
  readonly configPath = join(this.dir, 'autopilot.yaml');
  readonly taskQueue = `cluster-${Math.random().toString(36).slice(2, 8)}`;
  readonly channels: string[];
  rt!: Runtime;
  client!: Client;
  readonly hosts: HostProcess[] = [];
  private sims: Simulator[] = [];

  /**
   * operationTimeoutMinutes: short where a host is killed (its lost activity is retried after it).
   * temporal: another cluster than the suite's (address, namespace, `temporal.tls`), written into
   * the hosts' config file.
   */
  constructor(
    channelCount: number,
    private readonly opts: {
      operationTimeoutMinutes?: number;
      backfillSlotsPerHour?: number;
      temporal?: { address: string; namespace?: string; tls?: AutopilotConfig['temporal']['tls'] };
    } = {},
  ) {
    const tag = Math.random().toString(36).slice(2, 6);
    this.channels = Array.from({ length: channelCount }, (_, i) => `c${tag}-${i}`);
  }

  get address(): string {
    return this.opts.temporal?.address ?? process.env.VVTV_TEST_TEMPORAL_ADDRESS!;
  }

  async start(): Promise<this> {
    const raw = YAML.parse(readFileSync(join(ROOT, 'config', 'autopilot.yaml'), 'utf8'));
    raw.channels = this.channels;
    raw.data_dir = join(this.dir, 'data');
    raw.temporal = { ...raw.temporal, ...this.opts.temporal, address: this.address, task_queue: this.taskQueue };
    raw.metrics_port = 0; // each host's /metrics on a free port
    if (this.opts.operationTimeoutMinutes) raw.autopilot.operation_timeout_minutes = this.opts.operationTimeoutMinutes;
    writeFileSync(this.configPath, YAML.stringify(raw));
    this.rt = openRuntime(this.configPath, { logger: pino({ level: 'silent' }), env: {} });
    const to = new Date();
    for (const ch of this.channels) {
      const cards = this.rt.deps.cards(ch);
      mkdirSync(dirname(cards.path), { recursive: true });
      copyFileSync(EXAMPLE_CARD, cards.path);
      const sim = new Simulator({
        channel: ch,
        seed: `cluster:${ch}`,
        source: cardSource(cards),
        sink: new VvtvMetricsWriter(storePath(this.rt.live.get(), this.rt.live.get().stores.metrics_db, ch)),
        onError: (err) => console.error('simulator error', err),
      });
      sim.backfill(new Date(to.getTime() - 24 * 3_600_000), to, this.opts.backfillSlotsPerHour ?? 120);
      this.sims.push(sim);
    }
    // The hosts' connection settings (address, namespace, TLS), from the config file just written.
    const { namespace, ...conn } = temporalConnectionOptions(this.rt.live.get().temporal, {});
    this.client = new Client({ connection: await Connection.connect(conn), namespace });
    return this;
  }

  /** Real-time metrics for the canaries (slots per second per channel). */
  startSimulators(slotsPerSecond: number): void {
    for (const s of this.sims) s.start(slotsPerSecond);
  }

  /** Starts `tsx src/worker.ts` and waits for its 'worker started' log line. */
  async startHost(name: string): Promise<HostProcess> {
    const host = this.spawnHost(name);
    const { logFile, exited } = host;
    let gone = false;
    void exited.then(() => (gone = true));
    await waitFor(
      `${name} started`,
      async () => {
        if (gone) throw new Error(`${name} exited: ${readFileSync(logFile, 'utf8').slice(-2000)}`);
        return readFileSync(logFile, 'utf8').includes('"worker started"');
      },
      120_000,
    );
    return host;
  }

  /** Starts `tsx src/worker.ts` (with another config file if given) without waiting for it. */
  spawnHost(name: string, configPath = this.configPath): HostProcess {
    const logFile = join(this.dir, `${name}.log`);
    const out = openSync(logFile, 'a');
    // node --import tsx, not the tsx CLI: the worker is this very process (its pid is the worker identity's).
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'worker.ts')], {
      cwd: ROOT,
      env: {
        ...process.env,
        VVTV_CONFIG: configPath,
        VVTV_WORKFLOW_BUNDLE: process.env.VVTV_TEST_WORKFLOW_BUNDLE,
        TEMPORAL_ADDRESS: this.address,
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', out, out],
    });
    const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
    const host: HostProcess = { name, child, pid: child.pid!, logFile, exited };
    this.hosts.push(host);
    return host;
  }

  /** The pid of the worker that completed the workflow's latest task (identities are `pid@host`). */
  async lastWorkerPid(workflowId: string): Promise<number | null> {
    const history = await this.client.workflow.getHandle(workflowId).fetchHistory();
    let pid: number | null = null;
    for (const e of history.events ?? []) {
      const identity = e.workflowTaskCompletedEventAttributes?.identity ?? e.activityTaskStartedEventAttributes?.identity;
      const m = identity ? /^(\d+)@/.exec(identity) : null;
      if (m) pid = Number(m[1]);
    }
    return pid;
  }

  cluster(command: 'stop-server' | 'start-server'): void {
    execFileSync('bash', [join(ROOT, 'scripts', 'cluster.sh'), command], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 180_000 });
  }

  async close(): Promise<void> {
    for (const s of this.sims) s.stop();
    for (const h of this.hosts) {
      if (h.child.exitCode === null && h.child.signalCode === null) h.child.kill('SIGTERM');
      // Wait up to 15 s for the host to exit; the timer is cleared so it holds nothing open after.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([h.exited, new Promise((r) => (timer = setTimeout(r, 15_000)))]);
      clearTimeout(timer);
      if (h.child.exitCode === null && h.child.signalCode === null) h.child.kill('SIGKILL');
    }
    for (const ch of this.channels) {
      await this.client.workflow
        .getHandle(governorWorkflowId(ch))
        .terminate('test finished')
        .catch(() => undefined);
      for (const id of [dailyScheduleId(ch), triageScheduleId(ch)])
        await this.client.schedule
          .getHandle(id)
          .delete()
          .catch(() => undefined);
    }
    await this.client.connection.close();
    this.rt.close();
    if (!process.env.VVTV_KEEP_TEST_DIRS) rmSync(this.dir, { recursive: true, force: true });
  }
}
