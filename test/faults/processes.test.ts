/**
 * Process faults on real processes: the worker (its own process, the real worker host) killed
 * with SIGKILL mid-canary, the Temporal dev server killed and restarted on its SQLite file
 * mid-canary, and a process killed between writing a card's temporary file and renaming it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { Harness, ROOT } from '../support/harness';
import { canaryStatus, startCycle } from '../../src/client';
import { freePort, startDevServer, type DevServer } from '../../src/devserver';
import { canaryWorkflowId } from '../../src/workflows/messages';
import { alertNames, expectCardIs, expectNothingLost, proceedWhenRunning, snapshot, waitFor } from './support/faults';

/** `node --import tsx <script>`: the script runs in this very process (the tsx CLI would be a parent a SIGKILL leaves orphaned). */
const nodeTs = (script: string, ...args: string[]) =>
  [process.execPath, ['--import', 'tsx', join(__dirname, 'support', script), ...args]] as const;
const CANARY = { durationMs: 15_000, checkIntervalMs: 3_000, inconclusiveWindowMs: 0 };
/**
 * These tests kill a process while a canary runs past its first look. The variance-reduced judge
 * often decides temperature 0.6 at that look (the curator budget's rise is plain to it), which
 * would end the canary before the kill; the raw judge needs the whole canary. What is under test
 * is process death, not the judge.
 */
const RAW_JUDGE = (raw: any) => (raw.canary.variance_reduction = { cuped: false, paired: false });

/** The worker host as a child process; resolves once it polls the task queue. */
async function startWorkerProcess(h: Harness): Promise<ChildProcess> {
  const [cmd, args] = nodeTs('worker-process.ts');
  const child = spawn(cmd, args, {
    cwd: ROOT,
    env: { ...process.env, VVTV_CONFIG: h.configPath },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c) => {
      out += c;
      if (out.includes('ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`worker process exited with ${code} before it was ready`)));
  });
  return child;
}

function sigkill(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/** One cycle, once: its record completed, one candidate version, the canary's checks unique, no overlay left. */
function expectOneCycle(h: Harness, cycleId: string, outcome: string): void {
  const cycles = h.rt.deps.cycleLog.list(h.channel);
  expect(cycles).toHaveLength(1);
  expect(cycles[0]).toMatchObject({ cycle_id: cycleId, status: 'completed', outcome });
  const versions = h.rt.deps.history.list(h.channel).items.filter((v) => v.cycle_id === cycleId);
  expect(versions).toHaveLength(1);
  const canary = h.rt.deps.canaryLog.get(canaryWorkflowId(h.channel, cycleId))!;
  const idx = canary.checks.map((c) => c.checkIndex);
  expect(new Set(idx).size).toBe(idx.length);
  expect(h.cards.readOverlay()).toBeNull();
  // The card is whole and is the version the outcome says: the candidate when promoted, its parent otherwise.
  const expected = outcome === 'promoted' ? versions[0].version_id : versions[0].parent!;
  expectCardIs(h, { versionId: expected });
  expect(alertNames(h, cycleId).filter((n) => n === 'canary_rolled_back')).toHaveLength(outcome === 'rolled_back' ? 1 : 0);
}

describe('the worker process killed with SIGKILL mid-canary and restarted', () => {
  let metricsPort = 0;
  // A lost activity task is retried after its start-to-close timeout (the operation timeout): 30 s here.
  const h = new Harness({
    slotsPerSecond: 300,
    patchConfig: (raw) => {
      raw.autopilot.operation_timeout_minutes = 0.5;
      raw.metrics_port = metricsPort;
      RAW_JUDGE(raw);
    },
  });
  let worker: ChildProcess | null = null;
  beforeAll(async () => {
    metricsPort = await freePort();
    await h.start();
    await h.stopWorker(); // only the child process works this task queue
  });
  afterAll(async () => {
    if (worker) await sigkill(worker);
    await h.close();
  });

  it('SIGKILL of the worker process mid-canary: the cycle completes once with the right card', async () => {
    worker = await startWorkerProcess(h);
    h.startSimulator();
    const handle = await startCycle(h.client, h.taskQueue, {
      channel: h.channel,
      changes: [{ parameter: 'temperature', value: 0.6 }],
      canary: CANARY,
    });
    const canaryId = canaryWorkflowId(h.channel, handle.workflowId);
    await waitFor(async () => (await canaryStatus(h.client, canaryId)).checksDone >= 1);
    const kept = snapshot(h);
    await sigkill(worker);
    expect(h.cards.readOverlay()?.canary_id).toBe(canaryId); // the planner keeps serving the canary
    worker = await startWorkerProcess(h);
    const r = await handle.result();
    expect(['promoted', 'rolled_back']).toContain(r.outcome);
    expectOneCycle(h, handle.workflowId, r.outcome);
    expectNothingLost(h, kept);
  }, 240_000);
});

describe('the Temporal dev server killed and restarted on the same SQLite file mid-canary', () => {
  let server: DevServer;
  const dir = mkdtempSync(join(tmpdir(), 'vvtv-fault-server-'));
  const dbFile = join(dir, 'temporal.sqlite');
  class OwnServerHarness extends Harness {
    override get address(): string {
      return server.address;
    }
  }
  const h = new OwnServerHarness({
    slotsPerSecond: 300,
    patchConfig: (raw) => {
      raw.autopilot.operation_timeout_minutes = 0.5;
      RAW_JUDGE(raw);
    },
  });
  beforeAll(async () => {
    server = await startDevServer({ dbFile, headless: true, logFile: join(dir, 'server.log'), readyTimeoutMs: 90_000 });
    await h.start();
  }, 120_000);
  afterAll(async () => {
    await h.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the dev server killed and restarted mid-canary: the cycle completes once with the right card', async () => {
    h.startSimulator();
    const handle = await startCycle(h.client, h.taskQueue, {
      channel: h.channel,
      changes: [{ parameter: 'temperature', value: 0.6 }],
      canary: CANARY,
    });
    const canaryId = canaryWorkflowId(h.channel, handle.workflowId);
    await waitFor(async () => (await canaryStatus(h.client, canaryId)).checksDone >= 1);
    const kept = snapshot(h);
    process.kill(server.pid, 'SIGKILL');
    await waitFor(() => spawnSync('kill', ['-0', String(server.pid)]).status !== 0, 10_000);
    server = await startDevServer({ dbFile, port: server.port, headless: true, logFile: join(dir, 'server.log'), readyTimeoutMs: 90_000 });
    const r = await handle.result();
    expect(['promoted', 'rolled_back']).toContain(r.outcome);
    expectOneCycle(h, handle.workflowId, r.outcome);
    expectNothingLost(h, kept);
    // The launcher runs the server's SQLite in WAL mode (synchronous=NORMAL): a SIGKILL loses nothing.
    const db = new Database(dbFile, { readonly: true, fileMustExist: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      db.close();
    }
  }, 240_000);
});

describe('a crash between writing the temporary card file and renaming it', () => {
  const h = new Harness({ backfillHours: 0 });
  beforeAll(() => h.start());
  afterAll(() => h.close());

  /** Runs crash-write.ts, which is killed by SIGKILL at the seam; returns the new card text it tried to write. */
  function crashWriting(target: 'card' | 'history', replace: [string, string]): string {
    const text = readFileSync(h.cards.path, 'utf8').replace(...replace);
    const file = join(h.dir, `new-${target}.yaml`);
    writeFileSync(file, text);
    const [cmd, args] = nodeTs('crash-write.ts', h.configPath, h.channel, target, file);
    const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8' });
    expect({ signal: r.signal, stdout: r.stdout }).toEqual({ signal: 'SIGKILL', stdout: '' });
    return text;
  }

  it('the card: the old card stays whole and is what is read; the temp file is never read and goes with the next write', async () => {
    const before = readFileSync(h.cards.path);
    crashWriting('card', ['temperature: 0.5 ', 'temperature: 0.7 ']);
    expect(readFileSync(h.cards.path).equals(before)).toBe(true);
    const temps = readdirSync(dirname(h.cards.path)).filter((n) => n.startsWith('business_logic.yaml.'));
    expect(temps).toHaveLength(1);
    expect(readFileSync(join(dirname(h.cards.path), temps[0]), 'utf8')).toContain('temperature: 0.7 '); // it held the new bytes
    expect(h.cards.load().card.selection.temperature).toBe(0.5);

    const handle = await startCycle(h.client, h.taskQueue, {
      channel: h.channel,
      changes: [{ parameter: 'temperature', value: 0.6 }],
      canary: { durationMs: 60_000, checkIntervalMs: 500, inconclusiveWindowMs: 60_000 },
    });
    await proceedWhenRunning(h, canaryWorkflowId(h.channel, handle.workflowId));
    const r = await handle.result();
    expect(r.outcome).toBe('promoted');
    expectCardIs(h, { versionId: r.versionId! });
    expect(h.cards.load().card.selection.temperature).toBe(0.6);
    expect(existsSync(join(dirname(h.cards.path), temps[0]))).toBe(false);
  });

  it('a history version: nothing half-stored is listed; the next cycle removes the temp and the integrity check passes', async () => {
    const kept = snapshot(h);
    crashWriting('history', ['temperature: 0.6 ', 'temperature: 0.8 ']);
    expect(snapshot(h).versions).toEqual(kept.versions);
    const r = await (
      await startCycle(h.client, h.taskQueue, { channel: h.channel, changes: [{ parameter: 'volume', value: 1 }] })
    ).result();
    const report = h.rt.deps.cycleLog.get(r.cycleId)!.report as { history: { integrityOk: boolean; tempsRemoved?: string[] } };
    expect(report.history.integrityOk).toBe(true);
    expect(report.history.tempsRemoved).toHaveLength(1);
    expect(report.history.tempsRemoved![0]).toMatch(/\.yaml\.\d+$/);
    expectNothingLost(h, kept);
    expect(alertNames(h, r.cycleId)).not.toContain('history_integrity');
  });
});
