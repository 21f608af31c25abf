import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomicSync } from '../adapters/fs-atomic';
import { canonicalJson } from '../config/card';

export function sha256Of(value: unknown): string {
  return createHash('sha256')
    .update(typeof value === 'string' ? value : canonicalJson(value))
    .digest('hex');
}

export interface CacheKey {
  setHash: string;
  paramsHash: string;
  engine: string;
}

/**
 * Finished golden runs on disk, one JSON file per (set hash, parameters hash, engine version).
 * A file that cannot be read counts as a miss and is removed; the oldest files beyond
 * `maxEntries` are pruned on write.
 */
export class GoldenCache<T = unknown> {
  constructor(
    readonly dir: string,
    private readonly maxEntries = 200,
  ) {}

  static keyOf(k: CacheKey): string {
    return sha256Of({ v: 1, ...k });
  }

  get(key: CacheKey): T | null {
    const file = this.file(key);
    if (!existsSync(file)) return null;
    try {
      const entry = JSON.parse(readFileSync(file, 'utf8')) as { key: CacheKey; value: T };
      if (entry.key.setHash !== key.setHash || entry.key.paramsHash !== key.paramsHash || entry.key.engine !== key.engine) return null;
      return entry.value;
    } catch {
      rmSync(file, { force: true });
      return null;
    }
  }

  put(key: CacheKey, value: T, at = new Date()): void {
    mkdirSync(this.dir, { recursive: true });
    writeFileAtomicSync(this.file(key), JSON.stringify({ key, created_at: at.toISOString(), value }));
    this.prune();
  }

  private file(key: CacheKey): string {
    return join(this.dir, `${GoldenCache.keyOf(key)}.json`);
  }

  private prune(): void {
    const files = readdirSync(this.dir).filter((f) => f.endsWith('.json'));
    if (files.length <= this.maxEntries) return;
    const aged = files
      .map((f) => {
        try {
          return { f, t: statSync(join(this.dir, f)).mtimeMs };
        } catch {
          return { f, t: 0 };
        }
      })
      .sort((a, b) => a.t - b.t);
    for (const { f } of aged.slice(0, files.length - this.maxEntries)) rmSync(join(this.dir, f), { force: true });
  }
}
