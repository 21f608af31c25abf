import { statSync } from 'node:fs';
import type { AutopilotConfig } from './schema';
import { loadConfig } from './load';
import type { Logger } from '../observability/logger';

/**
 * The config file, re-read when its mtime changes (9.1: `emergency_pause: true` takes effect on
 * the next read, no restart). A file that stops validating is reported and the last good
 * config stays in force: bad input never crashes the worker.
 */
export class LiveConfig {
  private current: AutopilotConfig;
  private mtimeMs: number;
  private lastError: string | null = null;

  constructor(
    readonly path: string,
    private readonly log?: Logger,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.current = loadConfig(path, env).config;
    this.mtimeMs = statSync(path).mtimeMs;
  }

  get(): AutopilotConfig {
    try {
      const m = statSync(this.path).mtimeMs;
      if (m !== this.mtimeMs) {
        this.mtimeMs = m;
        this.current = loadConfig(this.path, this.env).config;
        this.lastError = null;
        this.log?.info({ path: this.path }, 'config reloaded');
      }
    } catch (err) {
      const msg = (err as Error).message;
      if (msg !== this.lastError) this.log?.error({ path: this.path, err: msg }, 'config reload failed; keeping the last valid config');
      this.lastError = msg;
    }
    return this.current;
  }
}
