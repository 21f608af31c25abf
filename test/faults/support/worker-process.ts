/**
 * Test-only entry (run with tsx): the real worker host (src/host.ts: worker, config watcher,
 * schedules, /metrics) as its own process, on the config in VVTV_CONFIG and the workflow bundle
 * jest's set-up built. Prints `ready` once the worker polls; a test kills it with SIGKILL.
 */
import pino from 'pino';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { startWorkerHost } from '../../../src/host';
import { openRuntime } from '../../../src/runtime';

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const log = pino({ level: process.env.VVTV_TEST_LOG ?? 'silent' });
  const rt = openRuntime(process.env.VVTV_CONFIG!, { logger: log, env: {} });
  const config = rt.live.get();
  await startWorkerHost({
    rt,
    address: config.temporal.address,
    log,
    say: () => undefined,
    workflowBundle: { codePath: process.env.VVTV_TEST_WORKFLOW_BUNDLE! },
  });
  console.log('ready');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
