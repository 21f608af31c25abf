/**
 * An external selection engine: a command (run with `sh -c`) that reads one JSON request on
 * stdin and writes one JSON response on stdout, so the golden cases can test the production
 * planner itself.
 *
 * Request  `{ "protocol": "vvtv-golden/1", "probes": [ { "now": ISO, "candidates": [Candidate…],
 *            "runs": [ { "params": { method, temperature, top_k, plan_selection_bias, epsilon },
 *            "seed": string | number } … ] } … ] }`
 * Response `{ "results": [ [ { "order": [plan_id…] } | { "error": "why" } … ] … ] }` —
 *            one array per probe, one entry per run, in request order.
 *
 * The process runs in its own process group and the whole group is killed (SIGKILL) when the
 * deadline passes or the run is cancelled.
 */
import { spawn } from 'node:child_process';
import { z } from 'zod';
import { GoldenAbortedError, GoldenTimeoutError } from './pool';
import type { Probe, RunOutcome } from './model';

export const EXTERNAL_PROTOCOL = 'vvtv-golden/1';

export interface ExternalEngine {
  command: string;
  /** Engine version for the cache key; results of an unversioned engine are never cached. */
  version?: string;
  /** Cases per invocation. */
  batchSize: number;
}

export interface ExternalProbe extends Probe {
  now: string;
}

const ResponseSchema = z.object({
  results: z.array(z.array(z.union([z.object({ order: z.array(z.string()) }), z.object({ error: z.string() })]))),
});

const MAX_STDOUT = 512 * 1024 * 1024;

/** Sends one request; resolves with the per-run outcomes or rejects with why the engine failed. */
export function callExternal(
  engine: Pick<ExternalEngine, 'command'>,
  probes: ExternalProbe[],
  opts: { timeoutMs: number; signal?: AbortSignal; env?: NodeJS.ProcessEnv },
): Promise<RunOutcome[][]> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', engine.command], { detached: true, stdio: ['pipe', 'pipe', 'pipe'], env: opts.env ?? process.env });
    const out: Buffer[] = [];
    let outBytes = 0;
    let errTail = '';
    let settled = false;
    const killGroup = () => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    };
    const settle = (err: Error | null, value?: RunOutcome[][]) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      if (err) {
        killGroup();
        reject(err);
      } else resolve(value!);
    };
    const timer = setTimeout(() => settle(new GoldenTimeoutError(opts.timeoutMs, 0, probes.length)), Math.max(1, opts.timeoutMs));
    const onAbort = () => settle(new GoldenAbortedError('golden set run cancelled'));
    if (opts.signal?.aborted) return onAbort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    child.stdout.on('data', (b: Buffer) => {
      outBytes += b.length;
      if (outBytes > MAX_STDOUT) return settle(new Error(`external engine wrote more than ${MAX_STDOUT} bytes`));
      out.push(b);
    });
    child.stderr.on('data', (b: Buffer) => {
      errTail = (errTail + b.toString('utf8')).slice(-2000);
    });
    child.on('error', (err) => settle(new Error(`external engine could not start: ${err.message}`)));
    child.on('close', (code, sig) => {
      if (settled) return;
      if (code !== 0) return settle(new Error(`external engine exited with ${code ?? sig}${errTail ? `: ${errTail.trim()}` : ''}`));
      let parsed: z.infer<typeof ResponseSchema>;
      try {
        parsed = ResponseSchema.parse(JSON.parse(Buffer.concat(out).toString('utf8')));
      } catch (err) {
        return settle(
          new Error(`external engine answered something other than the vvtv-golden/1 response: ${(err as Error).message.slice(0, 500)}`),
        );
      }
      settle(null, parsed.results);
    });
    // A command that exits without reading stdin must not crash us with EPIPE.
    child.stdin.on('error', () => undefined);
    child.stdin.end(JSON.stringify({ protocol: EXTERNAL_PROTOCOL, probes }));
  });
}
