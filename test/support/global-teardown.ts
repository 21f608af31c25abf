import { rmSync } from 'node:fs';
import type { DevServer } from '../../src/devserver';

export default async function globalTeardown(): Promise<void> {
  const server = (globalThis as { __vvtvServer?: DevServer }).__vvtvServer;
  if (server) await server.stop();
  if (process.env.VVTV_TEST_TEMPORAL_DIR && !process.env.VVTV_KEEP_TEST_SERVER)
    rmSync(process.env.VVTV_TEST_TEMPORAL_DIR, { recursive: true, force: true });
}
