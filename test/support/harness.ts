import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import YAML from 'yaml';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import pino from 'pino';
import { createWorker } from '../../src/worker';
import { openRuntime, cardSource, type Runtime as VvtvRuntime } from '../../src/runtime';
import { Simulator } from '../../src/simulator';
import type { SimulatorOptions } from '../../src/simulator/types';
import type { CardStore } from '../../src/adapters/card-store';
import { VvtvMetricsWriter } from '../../src/adapters/metrics-store';
import { storePath } from '../../src/config/load';
import { governorWorkflowId } from '../../src/workflows/governor-messages';

let runtimeInstalled = false;
/** Quiet SDK logs; once per jest worker process, before any Worker exists. */
export function installRuntime(): void {
  if (runtimeInstalled) return;
  const level = process.env.VVTV_TEST_SDK_LOG === 'warn' ? 'WARN' : 'ERROR'; // expected failures log at WARN
  Runtime.install({ logger: new DefaultLogger(level) });
  runtimeInstalled = true;
}

export const ROOT = resolve(__dirname, '..', '..');
export const EXAMPLE_CARD = join(ROOT, 'config', 'business_logic.example.yaml');

export interface HarnessOptions {
  channel?: string;
  /** Edits the default config (config/autopilot.yaml) before it is written. */
  patchConfig?: (raw: Record<string, any>) => void;
  /** YAML of the live card; the example card by default. */
  cardYaml?: string;
  simulator?: Partial<
    Pick<SimulatorOptions, 'noise' | 'harmfulRegion' | 'seed' | 'drift' | 'honourOverlay' | 'engagement' | 'slotLog' | 'slotLogShare'>
  >;
  /** Hours of simulated history written before the test (0 = none). */
  backfillHours?: number;
  /** Real-time slots per second while the simulator runs. */
  slotsPerSecond?: number;
  /** The worker's logger (silent unless VVTV_TEST_LOG is set). */
  logger?: pino.Logger;
  /** The environment the config reads its overrides from (none by default). */
  env?: NodeJS.ProcessEnv;
}

/**
 * A whole autopilot on the real dev server: temp data dir with config and card, real SQLite
 * stores, a worker on its own task queue, and the simulator writing real metrics rows.
 */
export class Harness {
  readonly dir: string;
  readonly channel: string;
  readonly taskQueue: string;
  readonly configPath: string;
  rt!: VvtvRuntime;
  client!: Client;
  sim!: Simulator;
  /** The planner side: writes VVTV's business_metrics rows into the channel's metrics database. */
  metricsWriter!: VvtvMetricsWriter;
  private nativeConnection!: NativeConnection;
  private worker: Worker | null = null;
  private running: Promise<void> | null = null;

  constructor(readonly opts: HarnessOptions = {}) {
    // A channel of its own: each channel has one governor workflow on the shared test server.
    this.channel = opts.channel ?? `t-${Math.random().toString(36).slice(2, 10)}`;
    this.dir = mkdtempSync(join(tmpdir(), 'vvtv-test-'));
    this.taskQueue = `test-${Math.random().toString(36).slice(2, 10)}`;
    this.configPath = join(this.dir, 'autopilot.yaml');
  }

  get address(): string {
    const a = process.env.VVTV_TEST_TEMPORAL_ADDRESS;
    if (!a) throw new Error('VVTV_TEST_TEMPORAL_ADDRESS is not set: run through jest (globalSetup starts the server)');
    return a;
  }

  get cards(): CardStore {
    return this.rt.deps.cards(this.channel);
  }

  writeConfig(patch?: (raw: Record<string, any>) => void): void {
    const raw = YAML.parse(readFileSync(join(ROOT, 'config', 'autopilot.yaml'), 'utf8'));
    raw.channels = [this.channel];
    raw.data_dir = join(this.dir, 'data');
    raw.temporal = { ...raw.temporal, address: this.address, task_queue: this.taskQueue };
    this.opts.patchConfig?.(raw);
    patch?.(raw);
    writeFileSync(this.configPath, YAML.stringify(raw));
  }

  async start(): Promise<this> {
    installRuntime();
    this.writeConfig();
    const log = this.opts.logger ?? pino({ level: process.env.VVTV_TEST_LOG ?? 'silent' });
    this.rt = openRuntime(this.configPath, { logger: log, env: this.opts.env ?? {} });
    const cardPath = this.cards.path;
    mkdirSync(join(cardPath, '..'), { recursive: true });
    if (this.opts.cardYaml) writeFileSync(cardPath, this.opts.cardYaml);
    else copyFileSync(EXAMPLE_CARD, cardPath);

    const config = this.rt.live.get();
    this.metricsWriter = new VvtvMetricsWriter(storePath(config, config.stores.metrics_db, this.channel));
    this.sim = new Simulator({
      channel: this.channel,
      seed: this.opts.simulator?.seed ?? 7,
      noise: this.opts.simulator?.noise,
      drift: this.opts.simulator?.drift,
      harmfulRegion: this.opts.simulator?.harmfulRegion,
      source: cardSource(this.cards),
      sink: this.metricsWriter,
      honourOverlay: this.opts.simulator?.honourOverlay,
      engagement: this.opts.simulator?.engagement,
      slotLog: this.opts.simulator?.slotLog,
      slotLogShare: this.opts.simulator?.slotLogShare,
      onError: (err) => console.error('simulator error', err),
    });
    const hours = this.opts.backfillHours ?? 24;
    if (hours > 0) {
      const to = new Date();
      this.sim.backfill(new Date(to.getTime() - hours * 3_600_000), to, 120);
    }
    this.client = new Client({ connection: await Connection.connect({ address: this.address }) });
    this.nativeConnection = await NativeConnection.connect({ address: this.address });
    await this.startWorker();
    return this;
  }

  startSimulator(): void {
    this.sim.start(this.opts.slotsPerSecond ?? 60);
  }

  async startWorker(): Promise<void> {
    this.worker = await createWorker({
      deps: this.rt.deps,
      client: this.client,
      connection: this.nativeConnection,
      namespace: 'default',
      taskQueue: this.taskQueue,
      workflowBundle: { codePath: process.env.VVTV_TEST_WORKFLOW_BUNDLE! },
    });
    this.running = this.worker.run();
  }

  async stopWorker(): Promise<void> {
    if (!this.worker) return;
    this.worker.shutdown();
    await this.running;
    this.worker = null;
    this.running = null;
  }

  async close(): Promise<void> {
    this.sim?.stop();
    // The channel's governor is long-lived: end it with this test file.
    await this.client?.workflow
      .getHandle(governorWorkflowId(this.channel))
      .terminate('test finished')
      .catch(() => undefined);
    await this.stopWorker();
    await this.nativeConnection?.close();
    await this.client?.connection.close();
    this.rt?.close();
    this.metricsWriter?.close();
    if (!process.env.VVTV_KEEP_TEST_DIRS) rmSync(this.dir, { recursive: true, force: true });
  }
}
