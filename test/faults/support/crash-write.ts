/**
 * Test-only entry (run with tsx): writes one card version the way the worker does, and is
 * killed with SIGKILL by the fs-atomic seam once the temporary file holds the new bytes and
 * before the rename: what a crash (power cut, OOM kill) at that instant leaves on disk.
 *   tsx crash-write.ts <config> <channel> card|history <new card file>
 */
import { readFileSync } from 'node:fs';
import pino from 'pino';
import { setWriteFaultForTests } from '../../../src/adapters/fs-atomic';
import { openRuntime } from '../../../src/runtime';

async function main(): Promise<void> {
  const [configPath, channel, target, cardFile] = process.argv.slice(2);
  const rt = openRuntime(configPath!, { logger: pino({ level: 'silent' }), env: {} });
  const yaml = readFileSync(cardFile!, 'utf8');
  const store = rt.deps.cards(channel!);
  const watched = target === 'card' ? store.path : rt.deps.history.root;
  setWriteFaultForTests((stage, path) => {
    if (stage === 'temp-written' && path.startsWith(watched)) process.kill(process.pid, 'SIGKILL');
  });
  if (target === 'card') await store.write(yaml);
  else
    rt.deps.history.storeVersion(channel!, yaml, {
      parent: null,
      source: 'manual',
      changes: [],
      rationale: 'crash test',
      deployment: { status: 'superseded', updated_at: new Date().toISOString() },
    });
  console.log('not killed'); // reaching here means the fault did not fire
}

void main();
