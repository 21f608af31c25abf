import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type Deps } from './activities';
import { defaultConfigPath } from './config/load';
import { logger } from './observability/logger';
import { openRuntime, workflowsPath } from './runtime';
import { connectClient } from './client';
import { ConfigWatcher } from './governor';
import type { Client } from '@temporalio/client';

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

/** `npm run worker`: a standalone worker process (scale-out = more of these on the task queue). */
async function main(): Promise<void> {
  const rt = openRuntime(defaultConfigPath());
  const c = rt.live.get();
  const connection = await NativeConnection.connect({ address: c.temporal.address });
  const client = await connectClient(c.temporal.address, c.temporal.namespace);
  const worker = await createWorker({
    deps: rt.deps,
    client,
    connection,
    namespace: c.temporal.namespace,
    taskQueue: c.temporal.task_queue,
  });
  // 9.1: `emergency_pause: true` in the config file reaches every channel's governor within seconds.
  const watcher = new ConfigWatcher({ config: () => rt.live.get(), client, logger }).start();
  logger.info({ address: c.temporal.address, taskQueue: c.temporal.task_queue }, 'worker started');
  const stop = () => {
    void watcher.stop();
    if (worker.getState() === 'RUNNING') worker.shutdown(); // the SDK may already be draining on the same signal
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await worker.run();
  await client.connection.close();
  await connection.close();
  rt.close();
}

if (require.main === module) {
  main().catch((err) => {
    logger.fatal({ err }, 'worker failed');
    process.exit(1);
  });
}
