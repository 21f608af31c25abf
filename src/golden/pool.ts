import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/** The run took longer than its hard limit (6.4); the threads doing it were terminated. */
export class GoldenTimeoutError extends Error {
  override readonly name = 'GoldenTimeoutError';
  constructor(
    readonly timeoutMs: number,
    readonly done: number,
    readonly total: number,
  ) {
    super(`golden set run exceeded its ${timeoutMs} ms limit after ${done} of ${total} tasks`);
  }
}

export class GoldenAbortedError extends Error {
  override readonly name = 'GoldenAbortedError';
}

export interface PoolRunOptions {
  /** Hard limit for the whole run; the threads are terminated when it passes. */
  timeoutMs: number;
  /** Called after each finished task (drive activity heartbeats from it). */
  onProgress?: (done: number, total: number, taskIndex: number) => void;
  signal?: AbortSignal;
}

type Reply<T> = { id: number; ok: true; value: T } | { id: number; ok: false; error: string };

export function defaultPoolSize(): number {
  return Math.max(1, Math.min(2, availableParallelism()));
}

/**
 * A fixed-size pool of worker threads running one script (node:worker_threads directly).
 * The script answers `{ id, payload }` messages with `{ id, ok, value | error }`.
 * A TypeScript script is loaded through tsx's CommonJS hook, so the pool works the same
 * under tsx, jest and compiled JavaScript. Idle threads are unref'd: they never keep the
 * process alive. After a timeout or abort the threads are terminated and fresh ones are
 * started on the next run.
 */
export class WorkerPool<TIn, TOut> {
  private workers: Worker[] = [];
  private closed = false;

  constructor(
    private readonly script: string,
    readonly size: number = defaultPoolSize(),
  ) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`pool size: expected an integer ≥ 1, got ${size}`);
  }

  /** Runs every task; results come back in task order. Rejects on the first failed task. */
  async run(tasks: TIn[], opts: PoolRunOptions): Promise<TOut[]> {
    if (this.closed) throw new Error('worker pool is closed');
    const total = tasks.length;
    const results: TOut[] = new Array(total);
    if (total === 0) return results;
    const threads = this.ensure(Math.min(this.size, total));
    let next = 0;
    let done = 0;

    return new Promise<TOut[]>((resolve, reject) => {
      let finished = false;
      const cleanups: Array<() => void> = [];
      const finish = (err: Error | null) => {
        if (finished) return;
        finished = true;
        for (const c of cleanups) c();
        if (err) {
          void this.terminate();
          reject(err);
        } else {
          for (const w of threads) w.unref();
          resolve(results);
        }
      };
      const timer = setTimeout(() => finish(new GoldenTimeoutError(opts.timeoutMs, done, total)), opts.timeoutMs);
      cleanups.push(() => clearTimeout(timer));
      if (opts.signal) {
        if (opts.signal.aborted) return finish(new GoldenAbortedError('golden set run cancelled'));
        const onAbort = () => finish(new GoldenAbortedError('golden set run cancelled'));
        opts.signal.addEventListener('abort', onAbort, { once: true });
        cleanups.push(() => opts.signal!.removeEventListener('abort', onAbort));
      }

      const feed = (w: Worker) => {
        if (finished || next >= total) return;
        const id = next++;
        w.postMessage({ id, payload: tasks[id] });
      };
      for (const w of threads) {
        w.ref();
        const onMessage = (msg: Reply<TOut>) => {
          if (finished) return;
          if (!msg.ok) return finish(new Error(`golden worker task ${msg.id} failed: ${msg.error}`));
          results[msg.id] = msg.value;
          done++;
          opts.onProgress?.(done, total, msg.id);
          if (done === total) return finish(null);
          feed(w);
        };
        const onError = (err: Error) => finish(new Error(`golden worker crashed: ${err.message}`));
        const onExit = (code: number) => finish(new Error(`golden worker exited with code ${code}`));
        w.on('message', onMessage);
        w.on('error', onError);
        w.on('exit', onExit);
        cleanups.push(() => {
          w.off('message', onMessage);
          w.off('error', onError);
          w.off('exit', onExit);
        });
        feed(w);
      }
    });
  }

  /** Terminates every thread; the pool starts fresh ones on its next run. */
  async terminate(): Promise<void> {
    const ws = this.workers;
    this.workers = [];
    await Promise.all(ws.map((w) => w.terminate().catch(() => 0)));
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.terminate();
  }

  private ensure(n: number): Worker[] {
    while (this.workers.length < n) {
      const w = spawn(this.script);
      // A thread that dies while idle is dropped, so the next run starts a fresh one.
      w.once('exit', () => {
        this.workers = this.workers.filter((x) => x !== w);
      });
      this.workers.push(w);
    }
    return this.workers.slice(0, n);
  }
}

function spawn(script: string): Worker {
  if (/\.ts$/.test(script)) {
    const code = `require('tsx/cjs/api').register();\nrequire(${JSON.stringify(script)});`;
    return new Worker(code, { eval: true, workerData: { vvtvGolden: true } });
  }
  return new Worker(script, { workerData: { vvtvGolden: true } });
}
