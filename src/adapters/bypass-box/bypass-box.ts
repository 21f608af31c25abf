import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { storePath } from '../../config/load';
import type { AutopilotConfig } from '../../config/schema';
import { writeFileAtomicSync } from '../fs-atomic';

/**
 * A drop box for golden-set bypass tokens. The operator's CLI deposits the token for one cycle id
 * (file mode 0600 under the data dir) and the golden activity takes it once (read, then delete).
 * The token therefore never travels through workflow inputs, so it never reaches Temporal's
 * history, the Web UI or a log.
 */
function boxPath(config: AutopilotConfig, cycleId: string): string {
  return join(storePath(config, 'bypass'), `${createHash('sha256').update(cycleId).digest('hex').slice(0, 32)}.token`);
}

export function depositBypassToken(config: AutopilotConfig, cycleId: string, token: string): void {
  mkdirSync(storePath(config, 'bypass'), { recursive: true, mode: 0o700 });
  writeFileAtomicSync(boxPath(config, cycleId), token, 0o600);
}

export function takeBypassToken(config: AutopilotConfig, cycleId: string): string | undefined {
  const p = boxPath(config, cycleId);
  if (!existsSync(p)) return undefined;
  const token = readFileSync(p, 'utf8');
  rmSync(p, { force: true });
  return token;
}
