/**
 * vvtvctl latency as an operator sees it: wall time of whole `bin/vvtvctl` processes (node start,
 * module loading, config, stores, Temporal round trips). Prints one JSON object. Not part of
 * `npm test`.
 *
 *   npx tsx bench/cli.ts [--runs=10]
 *
 * A temporary data dir and a Temporal dev server of its own (no worker: `status` asks the
 * governor, which is absent until the first emergency-pause starts it). Measures `autopilot
 * --help`, `status --json` and `emergency-pause` (exits once the signal is accepted), next to the
 * start-up time of an empty node process on the same machine at the same moment.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import YAML from 'yaml';
import { quantile } from 'simple-statistics';
import { benchOptions } from './options';
import { startDevServer } from '../src/devserver';

const ROOT = resolve(__dirname, '..');
const VVTVCTL = join(ROOT, 'bin', 'vvtvctl');

/** Runs vvtvctl (or another command) once; returns its wall time in ms (a failure stops the bench with its stderr). */
function timed(args: string[], command: string[] = ['bash', VVTVCTL]): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(command[0], [...command.slice(1), ...args], { encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`vvtvctl ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

const summary = (xs: number[]) => ({ p50Ms: Math.round(quantile(xs, 0.5)), maxMs: Math.round(Math.max(...xs)), runs: xs.length });

async function main(): Promise<void> {
  const runs = benchOptions('VVTV_BENCH_CLI').num('runs', 10);
  const build = spawnSync('node', [join(ROOT, 'scripts', 'build.js')], { encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`build failed: ${build.stderr}`);

  const dir = mkdtempSync(join(tmpdir(), 'vvtv-bench-cli-'));
  const server = await startDevServer({
    dbFile: join(dir, 'temporal.sqlite'),
    headless: true,
    logFile: join(dir, 'server.log'),
    readyTimeoutMs: 90_000,
  });
  try {
    const raw = YAML.parse(readFileSync(join(ROOT, 'config', 'autopilot.yaml'), 'utf8'));
    raw.data_dir = join(dir, 'data');
    raw.temporal = { ...raw.temporal, address: server.address, task_queue: 'bench-cli' };
    const config = join(dir, 'autopilot.yaml');
    writeFileSync(config, YAML.stringify(raw));
    const card = join(dir, 'data', 'cards', raw.channels[0], 'business_logic.yaml');
    mkdirSync(join(card, '..'), { recursive: true });
    copyFileSync(join(ROOT, 'config', 'business_logic.example.yaml'), card);

    timed(['autopilot', '--help']); // warm the file cache once
    // What any node process costs on this machine now: the floor under every figure below.
    const node = Array.from({ length: runs }, () => timed(['-e', '0'], [process.execPath]));
    const help = Array.from({ length: runs }, () => timed(['autopilot', '--help']));
    const status = Array.from({ length: runs }, () => timed(['--config', config, '--json', 'autopilot', 'status']));
    const pause = Array.from({ length: runs }, (_, i) =>
      timed(['--config', config, 'autopilot', 'emergency-pause', '--reason', `bench ${i}`, '--by', 'bench']),
    );
    const result = {
      bench: 'cli',
      nodeStartup: summary(node),
      help: summary(help),
      statusJson: summary(status),
      emergencyPause: summary(pause),
      machine: { cpus: cpus().length, loadavg1m: Math.round(loadavg()[0] * 100) / 100, node: process.version },
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
