import { mkdirSync, openSync, fsyncSync, closeSync, readdirSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';

/**
 * Where a fault-injection test steps into an atomic write (test/faults): `before-write` runs
 * before anything touches the disk (throw an ENOSPC/EACCES error there), `temp-written` runs once
 * the temporary file holds the data and before the rename (end the process there to leave a
 * crash's leftovers). Production code never sets it.
 */
export type WriteFaultStage = 'before-write' | 'temp-written';
export type WriteFault = (stage: WriteFaultStage, path: string, tmpfile?: string) => void;

let fault: WriteFault | null = null;

/** Installs (or with null removes) the fault hook; tests only. */
export function setWriteFaultForTests(f: WriteFault | null): void {
  fault = f;
}

/**
 * Replaces `path` atomically: temp file in the same directory, fsync, rename, then fsync of the
 * directory so the rename itself survives a crash. Readers see the old or the new file, never
 * a partial one (10.2).
 */
export function writeFileAtomicSync(path: string, data: string | Buffer, mode = 0o644): void {
  const dir = dirname(path);
  fault?.('before-write', path);
  mkdirSync(dir, { recursive: true });
  const hook = fault;
  const tmpfileCreated = hook
    ? (tmp: string) => {
        // write-file-atomic calls this before it writes: write and sync the data here so the hook
        // sees the state a crash just before the rename leaves behind.
        const fd = openSync(tmp, 'w');
        try {
          writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
        hook('temp-written', path, tmp);
      }
    : undefined;
  writeFileAtomic.sync(path, data, { fsync: true, mode, ...(tmpfileCreated ? { tmpfileCreated } : {}) });
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

/** write-file-atomic's temporary name for `file`: `<file>.<a 32-bit number>`. */
const tempNameOf = (file: string) => new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.\\d{1,10}$`);

/**
 * Removes the temporary files an interrupted atomic write of `path` left beside it (a crash
 * between writing the temp file and renaming it). They are never read as the file itself; this
 * only tidies them. Returns the names removed.
 */
export function removeLeftoverTemps(path: string): string[] {
  const dir = dirname(path);
  const re = tempNameOf(basename(path));
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed = names.filter((n) => re.test(n));
  for (const n of removed) rmSync(join(dir, n), { force: true });
  return removed;
}
