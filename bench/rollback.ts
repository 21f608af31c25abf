/**
 * Rollback latency benchmark (5.3: a rollback restores a previous version within 30 s).
 * Prints one JSON object. Not part of `npm test`.
 *
 *   npx tsx bench/rollback.ts [--rollbacks=50] [--history=200]
 *
 * Real stores in a temp data dir (SQLite state, file history, atomic card writes with fsync),
 * a history of `--history` versions, then `--rollbacks` rollbacks alternating between two old
 * versions, each one through rollbackToVersion: load + integrity check, bounds validation,
 * backup version, atomic replace, read-back verification, history and audit records.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pino from 'pino';
import YAML from 'yaml';
import { quantile } from 'simple-statistics';
import { createRollbackActivities } from '../src/activities/rollback';
import { openRuntime } from '../src/runtime';

const ROOT = resolve(__dirname, '..');

function flag(name: string, fallback: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  return arg ? Number(arg.split('=')[1]) : fallback;
}

async function main(): Promise<void> {
  const rollbacks = flag('rollbacks', 50);
  const historySize = flag('history', 200);
  const dir = mkdtempSync(join(tmpdir(), 'vvtv-rollback-bench-'));
  const raw = YAML.parse(readFileSync(join(ROOT, 'config', 'autopilot.yaml'), 'utf8'));
  raw.channels = ['main'];
  raw.data_dir = join(dir, 'data');
  const configPath = join(dir, 'autopilot.yaml');
  writeFileSync(configPath, YAML.stringify(raw));
  const rt = openRuntime(configPath, { logger: pino({ level: 'silent' }), env: {} });
  rt.deps.alerts = { raise: async () => undefined };
  const store = rt.deps.cards('main');
  mkdirSync(join(store.path, '..'), { recursive: true });
  const example = join(ROOT, 'config', 'business_logic.example.yaml');
  copyFileSync(example, store.path);
  const text = readFileSync(example, 'utf8');
  const card = (t: number) => text.replace(/temperature: 0\.5/, `temperature: ${t}`);

  const day = Date.parse('2025-05-01T00:00:00Z');
  const ids: string[] = [];
  for (let i = 0; i < historySize; i++) {
    const meta = rt.deps.history.storeVersion('main', card(0.4 + (i % 10) / 20), {
      parent: ids[ids.length - 1] ?? null,
      source: 'autopilot',
      changes: [],
      rationale: `bench version ${i}`,
      deployment: { status: 'superseded', updated_at: new Date(day + i * 3_600_000).toISOString() },
      created_at: new Date(day + i * 3_600_000).toISOString(),
    });
    ids.push(meta.version_id);
  }
  const targets = [ids[historySize - 3], ids[historySize - 8]];
  const acts = createRollbackActivities(rt.deps);
  const totals: number[] = [];
  const walls: number[] = [];
  const phases: Record<string, number[]> = {};
  for (let i = 0; i < rollbacks; i++) {
    const t0 = performance.now();
    const r = await acts.rollbackToVersion({ channel: 'main', versionId: targets[i % 2], by: 'bench', reason: `bench rollback ${i}` });
    walls.push(performance.now() - t0);
    totals.push(r.timings.totalMs);
    for (const [k, v] of Object.entries(r.timings)) (phases[k] ??= []).push(v);
  }
  const integrity = rt.deps.history.verifyIntegrity('main');
  rt.close();
  rmSync(dir, { recursive: true, force: true });

  const q = (xs: number[], p: number) => Math.round(quantile(xs, p) * 100) / 100;
  process.stdout.write(
    JSON.stringify(
      {
        bench: 'rollback',
        rollbacks,
        historyVersions: historySize + 2 * rollbacks,
        p50Ms: q(walls, 0.5),
        p95Ms: q(walls, 0.95),
        maxMs: Math.round(Math.max(...walls) * 100) / 100,
        activityTotalP50Ms: q(totals, 0.5),
        phaseP50Ms: Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, q(v, 0.5)])),
        targetMs: 30_000,
        withinTarget: Math.max(...walls) < 30_000,
        historyIntegrityOk: integrity.ok,
      },
      null,
      2,
    ) + '\n',
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
