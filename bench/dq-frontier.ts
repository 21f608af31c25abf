/**
 * The decision-quality trade-off: runs bench/decision-quality.ts for each optimizer setting and
 * seed, and prints one JSON object with, per setting, the gain ratio to the oracle (30 days and
 * final week), the rollback rate and the safety counts, averaged over the seeds, and whether the
 * setting is on the Pareto front of (higher gain, lower rollback rate).
 *
 *   npx tsx bench/dq-frontier.ts [--seeds=11,23] [--settings=default,explore-off,...]
 *
 * It answers the question issue 3 left open: is there a setting of the learner that meets both
 * targets (gain ≥ 0.9 of the oracle's, rollback rate < 5 %), or do they pull against each other?
 * Every setting is a documented OptimizerOptions value (src/domain/optimizer/types.ts) or the
 * config's max_changes_per_cycle; nothing here changes the product's defaults.
 * Runtime: about 40 s per setting and seed on two cores.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { benchOptions } from './options';

const { text } = benchOptions('DQ_FRONTIER');

/** Name → extra flags of bench/decision-quality.ts. */
const SETTINGS: Record<string, string[]> = {
  default: [],
  'explore-off': ['--optimizer={"explore":false}'],
  'gate-0.75': ['--optimizer={"minProceedProbability":0.75}'],
  'gate-0.95': ['--optimizer={"minProceedProbability":0.95}'],
  'safe-0.55': ['--optimizer={"minSafeProbability":0.55}'],
  'cooldown-14d': ['--optimizer={"explorationCooldownDays":14}'],
  'rollback-cost-0.05': ['--optimizer={"rollbackCost":0.05}'],
  'trust-5-steps': ['--optimizer={"trustRadiusSteps":5}'],
  'two-changes': ['--max-changes=2'],
};

const seeds = text('seeds', '11,23').split(',').map((s) => {
  const n = Number(s);
  if (!Number.isInteger(n)) throw new Error(`--seeds: expected integers separated by commas, got ${s}`);
  return n;
});
const names = text('settings', Object.keys(SETTINGS).join(',')).split(',');
for (const n of names) if (!SETTINGS[n]) throw new Error(`--settings: unknown setting ${n} (known: ${Object.keys(SETTINGS).join(', ')})`);

interface Overall { canaries: number; rollbacks: number; rollbackRate: number; meanGainRatio: number; meanFinalWeekGainRatio: number }
interface Scenario { learning: { hardLimitViolations: number; harmfulKept: number } }

const r4 = (x: number): number => Math.round(x * 1e4) / 1e4;
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const bench = join(__dirname, 'decision-quality.ts');

const started = performance.now();
const rows = names.map((name) => {
  const runs = seeds.map((seed) => {
    const out = execFileSync(process.execPath, [...process.execArgv, bench, `--seed=${seed}`, ...SETTINGS[name]!], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    const r = JSON.parse(out) as { overall: Overall; scenarios: Record<string, Scenario> };
    const sc = Object.values(r.scenarios);
    return {
      seed, ...r.overall,
      hardLimitViolations: sc.reduce((a, s) => a + s.learning.hardLimitViolations, 0),
      harmfulKept: sc.reduce((a, s) => a + s.learning.harmfulKept, 0),
    };
  });
  const canaries = runs.reduce((a, r) => a + r.canaries, 0);
  const rollbacks = runs.reduce((a, r) => a + r.rollbacks, 0);
  const row = {
    setting: name, flags: SETTINGS[name]!.join(' '),
    gainRatio: r4(mean(runs.map((r) => r.meanGainRatio))), finalWeekGainRatio: r4(mean(runs.map((r) => r.meanFinalWeekGainRatio))),
    canaries, rollbacks, rollbackRate: canaries ? r4(rollbacks / canaries) : 0,
    hardLimitViolations: runs.reduce((a, r) => a + r.hardLimitViolations, 0), harmfulKept: runs.reduce((a, r) => a + r.harmfulKept, 0),
    perSeed: runs.map((r) => ({ seed: r.seed, gainRatio: r.meanGainRatio, finalWeekGainRatio: r.meanFinalWeekGainRatio, canaries: r.canaries, rollbacks: r.rollbacks })),
  };
  process.stderr.write(`${name}: gain ${row.gainRatio} (final week ${row.finalWeekGainRatio}), rollbacks ${rollbacks}/${canaries}\n`);
  return row;
});

/**
 * The Pareto front among SAFE settings (no hard-limit violation, no harmful change kept): a safe
 * setting is dominated when another safe one has at least its gain and at most its rollback
 * rate, one of them strictly. An unsafe setting is never on the front, whatever its gain.
 */
const safe = (r: (typeof rows)[number]): boolean => r.hardLimitViolations === 0 && r.harmfulKept === 0;
const front = rows.map((r) => safe(r) && !rows.some((o) => o !== r && safe(o) && o.gainRatio >= r.gainRatio && o.rollbackRate <= r.rollbackRate && (o.gainRatio > r.gainRatio || o.rollbackRate < r.rollbackRate)));
const out = {
  seeds,
  targets: { gainRatio: 0.9, rollbackRateBelow: 0.05 },
  settings: rows.map((r, i) => ({ ...r, paretoFront: front[i], meetsBothTargets: r.gainRatio >= 0.9 && r.rollbackRate < 0.05 && r.hardLimitViolations === 0 && r.harmfulKept === 0 })),
  runtimeMs: Math.round(performance.now() - started),
};
process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
