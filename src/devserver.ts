import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Connection } from '@temporalio/client';
import { CUSTOM_SEARCH_ATTRIBUTES } from './connection';

/** Search attributes the autopilot writes so the Web UI can filter runs (`--search-attribute` form). */
export const SEARCH_ATTRIBUTES = CUSTOM_SEARCH_ATTRIBUTES.map((a) => `${a.name}=${a.type}`);

export interface DevServerOptions {
  /** SQLite file for persistence; omit for in-memory. */
  dbFile?: string;
  /** 0 or undefined = a random free port. */
  port?: number;
  uiPort?: number;
  headless?: boolean;
  namespace?: string;
  /** Where the server's own output goes (appended). */
  logFile?: string;
  readyTimeoutMs?: number;
  /**
   * SQLite pragmas of the server's database file (`--sqlite-pragma`). Default WAL with
   * synchronous=NORMAL: a killed server loses nothing (only an OS crash can lose the last
   * transactions), and the server's own writes stop queueing behind full fsyncs, which is what
   * limits the dev server when many cycles run at once (bench/channels.ts). [] keeps SQLite's defaults.
   */
  sqlitePragmas?: string[];
}

export const DEFAULT_DEV_SQLITE_PRAGMAS = ['journal_mode=wal', 'synchronous=normal'];

export interface DevServer {
  address: string;
  port: number;
  uiUrl: string | null;
  pid: number;
  stop(): Promise<void>;
}

/** The Temporal CLI: $TEMPORAL_CLI, then `temporal` on PATH, then the one scripts/setup.sh built. */
export function temporalCli(): string {
  if (process.env.TEMPORAL_CLI) return process.env.TEMPORAL_CLI;
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(`${dir}/temporal`)) return `${dir}/temporal`;
  }
  const cache = process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache');
  const candidates = [
    process.env.VVTV_TOOLS_DIR && join(process.env.VVTV_TOOLS_DIR, 'bin', 'temporal'),
    join(cache, 'vvtv-autopilot', 'tools', 'bin', 'temporal'),
    resolve(__dirname, '..', '.tools', 'bin', 'temporal'),
  ];
  for (const c of candidates) if (c && existsSync(c)) return c;
  throw new Error('Temporal CLI not found: run `npm run setup` (or set TEMPORAL_CLI)');
}

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => res(port));
    });
  });
}

/** True when something accepts TCP connections on host:port. */
export async function isListening(port: number, host = '127.0.0.1'): Promise<boolean> {
  const { connect } = await import('node:net');
  return new Promise((res) => {
    const s = connect({ port, host });
    s.once('connect', () => {
      s.destroy();
      res(true);
    });
    s.once('error', () => res(false));
  });
}

/**
 * Starts `temporal server start-dev` and waits until the frontend answers a real RPC (not just an
 * open port), with a generous timeout for a cold SQLite file.
 */
export async function startDevServer(opts: DevServerOptions = {}): Promise<DevServer> {
  const port = opts.port || (await freePort());
  const uiPort = opts.headless ? undefined : opts.uiPort || (await freePort());
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--log-level', 'warn'];
  if (opts.headless) args.push('--headless');
  else args.push('--ui-port', String(uiPort));
  if (opts.dbFile) {
    mkdirSync(dirname(opts.dbFile), { recursive: true });
    args.push('--db-filename', opts.dbFile);
    for (const p of opts.sqlitePragmas ?? DEFAULT_DEV_SQLITE_PRAGMAS) args.push('--sqlite-pragma', p);
  }
  if (opts.namespace) args.push('--namespace', opts.namespace);
  for (const sa of SEARCH_ATTRIBUTES) args.push('--search-attribute', sa);
  // Short workflow-task timeouts are fine locally; the dev server defaults are already small.
  const out = opts.logFile ? openSync(opts.logFile, 'a') : 'ignore';
  const child: ChildProcess = spawn(temporalCli(), args, { stdio: ['ignore', out, out], detached: false });
  let exited: number | null = null;
  child.once('exit', (code) => (exited = code ?? -1));

  const address = `127.0.0.1:${port}`;
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 60_000);
  for (;;) {
    if (exited !== null) throw new Error(`temporal server start-dev exited with code ${exited} (args: ${args.join(' ')})`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`Temporal dev server did not become ready on ${address} within ${opts.readyTimeoutMs ?? 60_000} ms`);
    }
    if (await isListening(port)) {
      try {
        const conn = await Connection.connect({ address, connectTimeout: 2000 });
        await conn.workflowService.getSystemInfo({});
        await conn.workflowService.describeNamespace({ namespace: opts.namespace ?? 'default' });
        await conn.close();
        break;
      } catch {
        /* not ready yet */
      }
    }
    await new Promise((r) => setTimeout(r, 250));
  }

  return {
    address,
    port,
    uiUrl: uiPort ? `http://127.0.0.1:${uiPort}` : null,
    pid: child.pid ?? -1,
    stop: () =>
      new Promise<void>((res) => {
        if (exited !== null) return res();
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(timer);
          res();
        });
        child.kill('SIGTERM');
      }),
  };
}
