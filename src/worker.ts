import { defaultConfigPath } from './config/load';
import { startWorkerHost } from './host';
import { logger } from './observability/logger';
import { openRuntime } from './runtime';

export { createWorker, type StartWorkerOptions } from './host';

/**
 * `npm run worker`: a standalone worker host (scale-out = more of these on the task queue); the
 * same host as `npm start` (worker, config watcher, schedules, /metrics), without the dev server,
 * the simulator or the demo.
 */
async function main(): Promise<void> {
  const rt = openRuntime(defaultConfigPath());
  const c = rt.live.get();
  // VVTV_WORKFLOW_BUNDLE: a bundle built ahead (an image build, a test run) saves bundling at each start.
  const bundle = process.env.VVTV_WORKFLOW_BUNDLE;
  const host = await startWorkerHost({ rt, log: logger, ...(bundle ? { workflowBundle: { codePath: bundle } } : {}) });
  logger.info({ address: c.temporal.address, taskQueue: c.temporal.task_queue }, 'worker started');
  const stop = () => void host.stop();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await host.running;
  await host.stop();
  rt.close();
}

if (require.main === module) {
  main().catch((err) => {
    logger.fatal({ err }, 'worker failed');
    process.exit(1);
  });
}
