import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../support/harness';

export default async function globalTeardown(): Promise<void> {
  const dir = process.env.VVTV_CLUSTER_DIR;
  if (!dir) return;
  const purge = process.env.VVTV_KEEP_TEST_SERVER ? [] : ['--purge'];
  execFileSync('bash', [join(ROOT, 'scripts', 'cluster.sh'), 'down', ...purge], {
    env: { ...process.env, VVTV_CLUSTER_DIR: dir },
    stdio: 'inherit',
  });
}
