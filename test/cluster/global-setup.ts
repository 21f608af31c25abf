import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { ROOT } from '../support/harness';
import { workflowsPath } from '../../src/runtime';

/**
 * The cluster of scripts/cluster.sh (Temporal server 1.29.1 on PostgreSQL 15) in a run folder of
 * its own, and the workflow bundle the worker processes load.
 */
export default async function globalSetup(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'vvtv-cluster-'));
  chmodSync(dir, 0o755);
  process.env.VVTV_CLUSTER_DIR = dir;
  const started = Date.now();
  const out = execFileSync('bash', [join(ROOT, 'scripts', 'cluster.sh'), 'up'], {
    env: { ...process.env, VVTV_CLUSTER_DIR: dir },
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 1_200_000, // a cold build of the server takes minutes
  });
  const address = out.toString().trim().split('\n').pop()!;
  process.stderr.write(`[cluster] up at ${address} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  process.env.VVTV_TEST_TEMPORAL_ADDRESS = address;
  const { code } = await bundleWorkflowCode({
    workflowsPath,
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} } as never,
  });
  writeFileSync(join(dir, 'workflow-bundle.js'), code);
  process.env.VVTV_TEST_WORKFLOW_BUNDLE = join(dir, 'workflow-bundle.js');
}
