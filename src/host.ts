/**
 * One worker host: the worker on the task queue, the config watcher (9.1), the channels'
 * schedules (daily cycle, weekly triage; idempotent, so several hosts may start at once) and the
 * Prometheus endpoint. `npm start` runs it beside the dev server and the simulator; `npm run
 * worker` (src/worker.ts) runs it alone.
 */
import type { Server } from 'node:http';
import { Connection, Client } from '@temporalio/client';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Logger } from './observability/logger';
import { startMetricsServer } from './observability/metrics';
import { ensureDailySchedule } from './client';
import { connectOrExplain, describeConnection, ensureSearchAttributes, temporalConnectionOptions } from './connection';
import { ConfigWatcher } from './governor';
import type { Runtime } from './runtime';
import { ensureWeeklyTriageSchedule } from './triage-schedule';
import { createActivities, type Deps } from './activities';
import { workflowsPath } from './runtime';

export interface StartWorkerOptions {
  deps: Deps;
  /** Used by activities to reach the governor workflows. */
  client: Client;
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  /** A pre-built bundle (tests bundle once per file); otherwise workflowsPath is bundled. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  identity?: string;
}

/** Registers the workflows and the activities (closed over `deps`) on the task queue. */
export async function createWorker(opts: StartWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    ...(opts.identity ? { identity: opts.identity } : {}),
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath }),
    activities: createActivities(opts.deps, opts.client),
    shutdownGraceTime: '5s',
  });
}

export interface WorkerHost {
  client: Client;
  worker: Worker;
  /** Resolves when the worker has stopped. */
  running: Promise<void>;
  /** Null when the port could not be bound (the host runs on without it, and says so). */
  metricsServer: Server | null;
  stop(): Promise<void>;
}

export interface WorkerHostOptions {
  rt: Runtime;
  /** Overrides `temporal.address` (npm start's dev server may run on another port). */
  address?: string;
  /** Where the API key variable is read (process.env by default). */
  env?: NodeJS.ProcessEnv;
  log: Logger;
  /** Where the host reports its start-up steps (a console line each; the log otherwise). */
  say?: (line: string) => void;
  /** The interface /metrics listens on (VVTV_METRICS_HOST; 0.0.0.0 in a container). */
  metricsHost?: string;
  /** A pre-built workflow bundle (tests); otherwise the workflows are bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

const twoDigits = (n: number) => String(n).padStart(2, '0');

export async function startWorkerHost(o: WorkerHostOptions): Promise<WorkerHost> {
  const { rt, log } = o;
  const say = o.say ?? ((line: string) => log.info(line));
  const config = rt.live.get();
  // Validated before anything connects: a bad address, TLS file or API key variable names its field.
  const section = { ...config.temporal, ...(o.address ? { address: o.address } : {}) };
  const { namespace, ...connOpts } = temporalConnectionOptions(section, o.env ?? process.env);
  log.info({ temporal: describeConnection({ namespace, ...connOpts }, config.temporal) }, 'connecting to Temporal');
  // A failed connect names the cause (TLS handshake, certificate, server name) and the temporal.* field.
  const clientConnection = await connectOrExplain({ namespace, ...connOpts }, section, 'client', () => Connection.connect(connOpts));
  // The workflows write these attributes; a namespace without them would fail every cycle.
  const sa = await ensureSearchAttributes(clientConnection.operatorService, namespace).catch(async (err) => {
    await clientConnection.close();
    throw err;
  });
  say(`• search attributes: ${sa.added.length ? `registered ${sa.added.join(', ')}` : 'present'} (namespace ${namespace})`);
  const connection = await connectOrExplain({ namespace, ...connOpts }, section, 'worker', () => NativeConnection.connect(connOpts));
  const client = new Client({ connection: clientConnection, namespace });
  const worker = await createWorker({
    deps: rt.deps,
    client,
    connection,
    namespace,
    taskQueue: config.temporal.task_queue,
    ...(o.workflowBundle ? { workflowBundle: o.workflowBundle } : {}),
  });
  const running = worker.run();
  // 9.1: flipping `emergency_pause` in the config file reaches each channel's governor within seconds.
  const watcher = new ConfigWatcher({ config: () => rt.live.get(), client, logger: log }).start();
  const daily = config.autopilot.schedule;
  const weekly = config.incident_triage.schedule;
  for (const ch of config.channels) {
    const r = await ensureDailySchedule(client, config, ch);
    say(`• ${ch}: daily schedule ${r} (${twoDigits(daily.hour)}:${twoDigits(daily.minute)} UTC, overlap SKIP)`);
    const t = await ensureWeeklyTriageSchedule(client, config, ch);
    say(`• ${ch}: weekly triage schedule ${t} (${weekly.day_of_week} ${twoDigits(weekly.hour)}:00 UTC)`);
  }
  const host = o.metricsHost ?? process.env.VVTV_METRICS_HOST ?? '127.0.0.1';
  const metricsServer = await startMetricsServer(config.metrics_port, rt.deps, host).catch((err) => {
    say(`• metrics endpoint not started: ${(err as Error).message}`);
    return null;
  });
  if (metricsServer) say(`• Prometheus metrics on http://${host}:${config.metrics_port}/metrics`);
  return {
    client,
    worker,
    running,
    metricsServer,
    async stop() {
      await watcher.stop();
      if (worker.getState() === 'RUNNING') worker.shutdown(); // the SDK may already be draining on the same signal
      await running.catch(() => undefined);
      metricsServer?.close();
      await connection.close();
      await client.connection.close();
    },
  };
}
