import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { startDevServer, type DevServer } from '../../src/devserver';
import { workflowsPath } from '../../src/runtime';

/**
 * One real Temporal dev server for the whole run: random free port, a temp SQLite file, no UI.
 * Its address reaches the test workers through the environment.
 */
export default async function globalSetup(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'vvtv-temporal-'));
  const server = await startDevServer({
    dbFile: join(dir, 'temporal.sqlite'),
    headless: true,
    logFile: join(dir, 'server.log'),
    readyTimeoutMs: 90_000,
  });
  process.env.VVTV_TEST_TEMPORAL_ADDRESS = server.address;
  process.env.VVTV_TEST_TEMPORAL_DIR = dir;
  writeFileSync(join(dir, 'address'), server.address);
  // Bundle the workflow code once for the whole run; each test file's worker loads the file.
  const { code } = await bundleWorkflowCode({
    workflowsPath,
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} } as never,
  });
  writeFileSync(join(dir, 'workflow-bundle.js'), code);
  process.env.VVTV_TEST_WORKFLOW_BUNDLE = join(dir, 'workflow-bundle.js');
  (globalThis as { __vvtvServer?: DevServer }).__vvtvServer = server;
}
