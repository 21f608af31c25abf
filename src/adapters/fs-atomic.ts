import { mkdirSync, openSync, fsyncSync, closeSync } from 'node:fs';
import { dirname } from 'node:path';
import writeFileAtomic from 'write-file-atomic';

/**
 * Replaces `path` atomically: temp file in the same directory, fsync, rename, then fsync of the
 * directory so the rename itself survives a crash. Readers see the old or the new file, never
 * a partial one (10.2).
 */
export function writeFileAtomicSync(path: string, data: string | Buffer, mode = 0o644): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  writeFileAtomic.sync(path, data, { fsync: true, mode });
  fsyncDir(dir);
}

export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
