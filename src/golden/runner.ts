import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SelectionParams } from '../config/card';
import { GoldenCache, sha256Of } from './cache';
import { judgeCase, planCase, type CaseResult } from './evaluate';
import { callExternal, type ExternalEngine, type ExternalProbe } from './external';
import type { CheckFailure } from './invariants';
import { goldenSetHash } from './load';
import type { GoldenSet, ResolvedCase } from './model';
import { GoldenAbortedError, GoldenTimeoutError, WorkerPool, defaultPoolSize } from './pool';
import { materialize, resolveCases } from './resolve';
import type { ChunkTask } from './thread';

/** One failed check with everything needed to see why (6.3). */
export interface FailureAnalysis extends CheckFailure {
  case: string;
  kind: 'pinned' | 'invariant' | 'run';
  description: string;
}

export type GoldenStatus = 'passed' | 'failed' | 'timed_out';

export interface GoldenRunResult {
  status: GoldenStatus;
  passed: boolean;
  /** Cases run. */
  total: number;
  /** Cases with at least one failed check (all of them after a timeout). */
  failed: number;
  /** Every failed check (a timeout is one failure of kind `run`). */
  failures: FailureAnalysis[];
  summary: { pinned: number; invariant: number; runs: number; notApplicable: number };
  setHash: string;
  paramsHash: string;
  engine: string;
  cacheHit: boolean;
  durationMs: number;
}

export interface RunGoldenOptions {
  /** The reference selection in worker threads (default) or an external command. */
  engine?: { kind: 'reference' } | ({ kind: 'external' } & ExternalEngine);
  /** Hard limit for the whole run (6.4); default 5 minutes. */
  timeoutMs?: number;
  onProgress?: (p: { done: number; total: number }) => void;
  signal?: AbortSignal;
  /** Reuse a pool across runs (bench, tests); otherwise one is started and closed per run. */
  pool?: WorkerPool<ChunkTask, CaseResult[]>;
  poolSize?: number;
  cache?: GoldenCache<GoldenRunResult> | null;
}

const DEFAULT_TIMEOUT_MS = 5 * 60_000;
export const THREAD_SCRIPT = join(__dirname, `thread${__filename.endsWith('.ts') ? '.ts' : '.js'}`);

export function createGoldenPool(size = defaultPoolSize()): WorkerPool<ChunkTask, CaseResult[]> {
  return new WorkerPool<ChunkTask, CaseResult[]>(THREAD_SCRIPT, size);
}

/**
 * Runs every case of the sets against an engine under the proposed parameters. Never throws for
 * a failing engine or a timeout: those are a failed result (the gate must not pass). Results
 * are cached by (set hash, parameters hash, engine version); timeouts are never cached.
 */
export async function runGolden(
  sets: GoldenSet | GoldenSet[],
  proposed: SelectionParams,
  opts: RunGoldenOptions = {},
): Promise<GoldenRunResult> {
  const started = performance.now();
  const list = Array.isArray(sets) ? sets : [sets];
  const engineSpec = opts.engine ?? { kind: 'reference' as const };
  const setHash = goldenSetHash(list);
  const paramsHash = sha256Of(proposed);
  const engine = engineSpec.kind === 'reference' ? referenceEngineVersion() : `external:${engineSpec.version ?? 'unversioned'}`;
  const cacheable = engineSpec.kind === 'reference' || engineSpec.version !== undefined;
  const key = { setHash, paramsHash, engine: `${engine}+${evaluatorVersion()}` };
  const elapsed = () => Math.round(performance.now() - started);

  if (opts.cache && cacheable) {
    const hit = opts.cache.get(key);
    if (hit) return { ...hit, cacheHit: true, durationMs: elapsed() };
  }

  // Generated candidate lists stay specs here: the threads (or the external batches) make them.
  const cases = list.flatMap((s) =>
    resolveCases(s, { lazy: true }).map((c) => ({ ...c, name: list.length > 1 ? `${s.name}/${c.name}` : c.name })),
  );
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const remaining = Math.max(1, timeoutMs - (performance.now() - started)); // the limit covers hashing and loading too
  const base = { setHash, paramsHash, engine, cacheHit: false };
  let results: CaseResult[];
  try {
    results =
      engineSpec.kind === 'reference'
        ? await runOnPool(cases, proposed, remaining, opts)
        : await runExternal(cases, proposed, engineSpec, remaining, opts);
  } catch (err) {
    if (!(err instanceof GoldenTimeoutError)) throw err;
    const unit = engineSpec.kind === 'reference' ? 'chunks' : 'cases';
    const failure: FailureAnalysis = {
      case: '(whole set)',
      kind: 'run',
      description: '',
      check: 'timeout',
      message: `golden set run exceeded its ${timeoutMs} ms limit (${err.done} of ${err.total} ${unit} done)`,
      seed: '',
      params: proposed,
    };
    // A run cut short proves nothing: every case counts as failed.
    return {
      ...base,
      status: 'timed_out',
      passed: false,
      total: cases.length,
      failed: cases.length,
      failures: [failure],
      summary: summarize(cases, []),
      durationMs: elapsed(),
    };
  }

  const byName = new Map(cases.map((c) => [c.name, c]));
  const failures: FailureAnalysis[] = results.flatMap((r) =>
    r.failures.map((f) => ({ case: r.name, kind: r.kind, description: byName.get(r.name)?.description ?? '', ...f })),
  );
  const failed = results.filter((r) => !r.passed).length;
  const result: GoldenRunResult = {
    ...base,
    status: failed === 0 ? 'passed' : 'failed',
    passed: failed === 0,
    total: cases.length,
    failed,
    failures,
    summary: summarize(cases, results),
    durationMs: elapsed(),
  };
  if (opts.cache && cacheable) opts.cache.put(key, result);
  return result;
}

function summarize(cases: ResolvedCase[], results: CaseResult[]): GoldenRunResult['summary'] {
  return {
    pinned: cases.filter((c) => c.kind === 'pinned').length,
    invariant: cases.filter((c) => c.kind === 'invariant').length,
    runs: results.reduce((n, r) => n + r.runs, 0),
    notApplicable: results.reduce((n, r) => n + r.notApplicable.length, 0),
  };
}

async function runOnPool(
  cases: ResolvedCase[],
  proposed: SelectionParams,
  timeoutMs: number,
  opts: RunGoldenOptions,
): Promise<CaseResult[]> {
  const pool = opts.pool ?? createGoldenPool(opts.poolSize);
  try {
    const chunks = chunkByCost(cases, pool.size);
    const tasks = chunks.map((c) => ({ cases: c, proposed }));
    const sizes = chunks.map((c) => c.length);
    let doneCases = 0;
    const out = await pool.run(tasks, {
      timeoutMs,
      signal: opts.signal,
      onProgress: (_done, _total, taskIndex) => {
        doneCases += sizes[taskIndex];
        opts.onProgress?.({ done: doneCases, total: cases.length });
      },
    });
    return out.flat();
  } finally {
    if (!opts.pool) await pool.close();
  }
}

async function runExternal(
  cases: ResolvedCase[],
  proposed: SelectionParams,
  engine: ExternalEngine,
  timeoutMs: number,
  opts: RunGoldenOptions,
): Promise<CaseResult[]> {
  const deadline = Date.now() + timeoutMs;
  const results: CaseResult[] = [];
  for (let i = 0; i < cases.length; i += engine.batchSize) {
    const batch = cases.slice(i, i + engine.batchSize).map(materialize);
    const plans = batch.map((c) => planCase(c, proposed));
    const probes: ExternalProbe[] = plans.flatMap((p, j) => p.probes.map((pr) => ({ ...pr, now: batch[j].now })));
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw new GoldenTimeoutError(timeoutMs, i, cases.length);
    let answers;
    try {
      answers = await callExternal(engine, probes, { timeoutMs: remaining, signal: opts.signal });
    } catch (err) {
      if (err instanceof GoldenTimeoutError) throw new GoldenTimeoutError(timeoutMs, i, cases.length);
      if (err instanceof GoldenAbortedError) throw err;
      // The engine itself failed: every case of the batch fails with the reason.
      const error = (err as Error).message;
      answers = probes.map((p) => p.runs.map(() => ({ error })));
    }
    let k = 0;
    batch.forEach((c, j) => {
      const n = plans[j].probes.length;
      results.push(judgeCase(c, plans[j], answers.slice(k, k + n)));
      k += n;
    });
    opts.onProgress?.({ done: Math.min(i + batch.length, cases.length), total: cases.length });
  }
  return results;
}

/** Chunks of roughly equal cost (runs × candidates), about 16 per thread for smooth progress. */
export function chunkByCost(cases: ResolvedCase[], threads: number): ResolvedCase[][] {
  const costs = cases.map(estimateCost);
  const total = costs.reduce((a, b) => a + b, 0);
  const target = Math.max(1, total / Math.max(1, threads * 16));
  const chunks: ResolvedCase[][] = [];
  let cur: ResolvedCase[] = [];
  let acc = 0;
  cases.forEach((c, i) => {
    cur.push(c);
    acc += costs[i];
    if (acc >= target) {
      chunks.push(cur);
      cur = [];
      acc = 0;
    }
  });
  if (cur.length) chunks.push(cur);
  return chunks;
}

function estimateCost(c: ResolvedCase): number {
  let runs = 1;
  if (c.kind === 'invariant') {
    for (const ch of c.checks) {
      if (ch.type === 'deterministic') runs += ch.runs - 1;
      else if (ch.type === 'hd_missing_first_rate') runs += ch.seeds;
      else if (ch.type === 'input_order_independent') runs += 2;
      else if (ch.type === 'hd_missing_not_first' || ch.type === 'greedy_tie_break') runs += 1;
    }
  }
  return runs * ((c.generate?.count ?? c.candidates.length) + 20);
}

let refVersion: string | null = null;
let evalVersion: string | null = null;

/** `reference@<sha12>` of the selection's source: editing the selection invalidates the cache. */
export function referenceEngineVersion(): string {
  refVersion ??= `reference@${sourceHash(join(__dirname, '..', 'adapters', 'selection'), /^(select|rng|candidate)\.(ts|js)$/)}`;
  return refVersion;
}

/** The golden evaluator's own source hash (checks changing invalidate cached verdicts too). */
export function evaluatorVersion(): string {
  evalVersion ??= `evaluator@${sourceHash(__dirname, /^(evaluate|invariants|resolve|model|diff)\.(ts|js)$/)}`;
  return evalVersion;
}

function sourceHash(dir: string, pattern: RegExp): string {
  try {
    const files = readdirSync(dir)
      .filter((f) => pattern.test(f))
      .sort();
    return sha256Of(files.map((f) => readFileSync(join(dir, f), 'utf8')).join('\0')).slice(0, 12);
  } catch {
    return 'unknown';
  }
}
