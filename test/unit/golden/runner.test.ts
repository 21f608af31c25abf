import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GoldenCache, buildDefaultGoldenSet, createGoldenPool, runGolden, type GoldenRunResult, type GoldenSet } from '../../../src/golden';
import { PARAMS, engineCommand } from './fixtures';

const set = buildDefaultGoldenSet();
/** The default set without its 2,000-candidate case: same coverage of behaviour, faster external runs. */
const small: GoldenSet = { ...set, invariants: set.invariants.filter((c) => c.name !== 'edge-huge-list') };
const external = (mode: string, version?: string) => ({ kind: 'external' as const, command: engineCommand(mode), batchSize: 500, version });

/** Waits (up to ~5 s) for a process to disappear; true once it has. */
async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 50; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return true;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

describe('golden runner (6.3, 6.4)', () => {
  const pool = createGoldenPool(2);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vvtv-golden-cache-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  afterAll(() => pool.close());

  it('passes the shipped set on the reference selection in the worker-thread pool, reporting progress', async () => {
    const progress: Array<{ done: number; total: number }> = [];
    const r = await runGolden(set, PARAMS, { pool, onProgress: (p) => progress.push(p) });
    expect(r).toMatchObject({ status: 'passed', passed: true, failed: 0, failures: [], cacheHit: false });
    expect(r.total).toBe(set.cases.length + set.invariants.length);
    expect(r.summary.runs).toBeGreaterThan(r.total);
    expect(r.engine).toMatch(/^reference@[0-9a-f]{12}$/);
    expect(progress.length).toBeGreaterThan(1);
    expect(progress[progress.length - 1]).toEqual({ done: r.total, total: r.total });
  });

  it('starts and closes its own pool when none is given', async () => {
    const r = await runGolden(small, { ...PARAMS, method: 'softmax', temperature: 2.0 }, { poolSize: 1 });
    expect(r.passed).toBe(true);
  });

  it('runs the same cases on an external engine command and agrees with the reference', async () => {
    const r = await runGolden(small, PARAMS, { engine: external('ok') });
    expect(r).toMatchObject({ status: 'passed', failed: 0, engine: 'external:unversioned' });
    expect(r.total).toBe(small.cases.length + small.invariants.length);
  });

  it('fails the set when the external engine ignores top_k, with expected vs actual, diff, seed and parameters', async () => {
    const r = await runGolden(small, PARAMS, { engine: external('ignore-top-k') });
    expect(r.status).toBe('failed');
    expect(r.passed).toBe(false);
    const pinned = r.failures.find((f) => f.case === 'pin-base')!;
    expect(pinned).toMatchObject({ kind: 'pinned', check: 'expected_order', seed: 'slot:pin-base', params: set.base_params });
    expect(pinned.actual!.length).toBe(12);
    expect(pinned.expected).toEqual(set.cases[0].expected_order);
    expect(pinned.diff!.some((l) => l.startsWith('+ 9.'))).toBe(true);
    const inv = r.failures.find((f) => f.case === 'inv-proposed-mixed' && f.check === 'top_k')!;
    expect(inv).toMatchObject({ kind: 'invariant', message: 'returned 12 plans; top_k is 8', params: PARAMS });
  });

  it('fails every case (never passes) when the external engine crashes or answers garbage', async () => {
    for (const mode of ['crash', 'garbage']) {
      const r = await runGolden(small, PARAMS, { engine: external(mode) });
      expect(r.failed).toBe(r.total);
      expect(r.failures[0].check).toBe('engine_error');
      expect(r.failures[0].message).toMatch(mode === 'crash' ? /exited with 3: engine exploded/ : /other than the vvtv-golden\/1 response/);
    }
  });

  it('fires the hard timeout on a slow external engine and kills it (6.4)', async () => {
    const pidFile = join(dir, 'engine.pid');
    const engine = { ...external('slow:60000'), command: `GOLDEN_ENGINE_PIDFILE=${pidFile} ${engineCommand('slow:60000')}` };
    const r = await runGolden(small, PARAMS, { engine, timeoutMs: 1500 });
    expect(r.status).toBe('timed_out');
    expect(r.passed).toBe(false);
    expect(r.failures).toEqual([expect.objectContaining({ case: '(whole set)', check: 'timeout', kind: 'run' })]);
    expect(r.failures[0].message).toMatch(/exceeded its 1500 ms limit/);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(await gone(pid)).toBe(true);
  });

  it('fires the hard timeout in the worker-thread pool and the pool recovers for the next run', async () => {
    const r = await runGolden(set, PARAMS, { pool, timeoutMs: 1 });
    expect(r.status).toBe('timed_out');
    const again = await runGolden(small, PARAMS, { pool });
    expect(again.passed).toBe(true);
  });

  it('serves a re-run from the cache by (set hash, parameters hash, engine version), and only then', async () => {
    const cache = new GoldenCache<GoldenRunResult>(dir);
    const first = await runGolden(small, PARAMS, { pool, cache });
    expect(first.cacheHit).toBe(false);
    expect(readdirSync(dir)).toHaveLength(1);
    const second = await runGolden(small, PARAMS, { pool, cache });
    expect(second.cacheHit).toBe(true);
    expect({ ...second, cacheHit: false, durationMs: 0 }).toEqual({ ...first, durationMs: 0 });

    const otherParams = await runGolden(small, { ...PARAMS, temperature: 0.6 }, { pool, cache });
    expect(otherParams.cacheHit).toBe(false);
    const otherSet = await runGolden({ ...small, cases: small.cases.slice(1) }, PARAMS, { pool, cache });
    expect(otherSet.cacheHit).toBe(false);
    expect(readdirSync(dir)).toHaveLength(3);
  });

  it('caches a versioned external engine, never an unversioned one, and never a timeout', async () => {
    const cache = new GoldenCache<GoldenRunResult>(dir);
    const tiny: GoldenSet = { ...small, cases: small.cases.slice(0, 2), invariants: small.invariants.slice(0, 2) };
    await runGolden(tiny, PARAMS, { engine: external('ok'), cache });
    expect((await runGolden(tiny, PARAMS, { engine: external('ok'), cache })).cacheHit).toBe(false);
    await runGolden(tiny, PARAMS, { engine: external('ok', 'fixture-1'), cache });
    expect((await runGolden(tiny, PARAMS, { engine: external('ok', 'fixture-1'), cache })).cacheHit).toBe(true);
    expect((await runGolden(tiny, PARAMS, { engine: external('ok', 'fixture-2'), cache })).cacheHit).toBe(false);
    const timedOut = await runGolden(set, { ...PARAMS, top_k: 9 }, { pool, cache, timeoutMs: 1 });
    expect(timedOut.status).toBe('timed_out');
    expect((await runGolden(set, { ...PARAMS, top_k: 9 }, { pool, cache, timeoutMs: 60_000 })).cacheHit).toBe(false);
  });
});
