/**
 * The decision-quality trade-off: runs bench/decision-quality.ts for each optimizer setting and
 * seed, and prints one JSON object with, per setting, the gain ratio to the oracle (30 days and
 * final week), the rollback rate and the safety counts, averaged over the seeds, and whether the
 * setting is on the Pareto front of (higher gain, lower rollback rate).
 *
 *   npx tsx bench/dq-frontier.ts [--seeds=11,23,5,7,31,47] [--settings=default,explore,...] [--jobs=2]
 *
 * It answers the question issue 3 left open: is there a setting of the learner that meets both
 * targets (gain ≥ 0.9 of the oracle's, rollback rate < 5 %), or do they pull against each other?
 * Every setting is a documented OptimizerOptions value (src/domain/optimizer/types.ts) or the
 * config's max_changes_per_cycle; nothing here changes the product's defaults.
 * Seeds 11 and 23 are the ones the optimizer was first tuned on; 5, 7, 31 and 47 were never used
 * for tuning (out of sample). Seeds run `--jobs` at a time (default 2, each on one core).
 * Runtime on two cores: about 3 minutes per setting and seed (five scenarios of 30 days), so
 * seven seeds take about 20 minutes a setting; pick settings with --settings.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { benchOptions } from './options';

const { text, num } = benchOptions('DQ_FRONTIER');
/** Seeds run at once, each on one core (its scenarios one after the other); default 2 (the machine's cores). */
const jobs = Math.max(1, num('jobs', 2));

/**
 * The defaults every setting below `default` was measured against (sessions 3-13): one change a
 * cycle, every joint combination, the interaction prior over three steps, the misfit floor at 1 %,
 * the viewer KPI's replay bias 2 % a step and no feature part, the bench replaying 120 logged
 * slots a day (fewer than the config's max_slots), up to four canary stages (eight since
 * session 15) and the gate at P(pass) ≥ 0.8 (0.7 since session 16). Since session 14 the
 * config's defaults are `ridge-pairs-tight`; legacy() puts the old ones back under a setting's
 * own flags (the setting's own values win), so each name still measures what
 * docs/decision-quality.md says.
 */
const LEGACY_OPTIMIZER = { jointMoves: 'all', interactionSteps: 3, misfitSd: 0.01, minProceedProbability: 0.8 };
const LEGACY_REPLAY = { ipsBiasSd: 0.02, ipsBiasFeature: 0 };
function legacy(flags: string[]): string[] {
  const json = (name: string) => {
    const f = flags.find((x) => x.startsWith(`--${name}=`));
    return f ? (JSON.parse(f.slice(name.length + 3)) as Record<string, unknown>) : {};
  };
  const rest = flags.filter((f) => !f.startsWith('--optimizer=') && !f.startsWith('--replay-settings='));
  return [
    ...(rest.some((f) => f.startsWith('--max-changes=')) ? [] : ['--max-changes=1']),
    ...(rest.some((f) => f.startsWith('--replay-slots=')) ? [] : ['--replay-slots=120']),
    ...(rest.some((f) => f.startsWith('--stages=')) ? [] : ['--stages=4']),
    ...rest,
    `--optimizer=${JSON.stringify({ ...LEGACY_OPTIMIZER, ...json('optimizer') })}`,
    `--replay-settings=${JSON.stringify({ ...LEGACY_REPLAY, ...json('replay-settings') })}`,
  ];
}

/** Two changes a cycle with joint moves only along a ridge, plus optimizer options. */
const ridgePairs = (optimizer: Record<string, number> = {}): string[] => [
  '--max-changes=2',
  `--optimizer=${JSON.stringify({ jointMoves: 'compensating', ...optimizer })}`,
];
/** The slate model's bias as a quarter of what it attributes to quality and to variety. */
const FEATURE_BIAS = '--replay-settings={"ipsBiasSd":0.005,"ipsBiasFeature":0.25}';

/**
 * Name → extra flags of bench/decision-quality.ts. `default` is the config as it ships; every
 * other setting runs against the session-13 defaults (legacy() above), as it was measured.
 * "explore-0.85" is the default before the frontier was measured.
 */
const LEGACY_SETTINGS: Record<string, string[]> = {
  // The one-change defaults of sessions 10-13.
  'session-13-default': [],
  // The same with the replay over the config's max_slots, as `default` replays.
  'session-13-default-full-replay': ['--replay-slots=0'],
  'gate-0.85': ['--optimizer={"minProceedProbability":0.85}'],
  // Issue 12's last step: the defaults before it (gate 0.9, margin 2 %), the gate alone, and the
  // forecast on the raw variance.
  'previous-defaults': ['--optimizer={"minProceedProbability":0.9}', '--margin=0.02'],
  'margin-2': ['--margin=0.02'],
  'raw-forecast': ['--optimizer={"forecastVarianceReduction":false}'],
  'gate-0.95': ['--optimizer={"minProceedProbability":0.95}'],
  explore: ['--optimizer={"explore":true}'],
  'explore-0.85': ['--optimizer={"explore":true,"minProceedProbability":0.85}'],
  'explore-safe-0.55': ['--optimizer={"explore":true,"minProceedProbability":0.85,"minSafeProbability":0.55}'],
  'explore-cooldown-14d': ['--optimizer={"explore":true,"minProceedProbability":0.85,"explorationCooldownDays":14}'],
  'explore-rollback-cost-0.05': ['--optimizer={"explore":true,"minProceedProbability":0.85,"rollbackCost":0.05}'],
  'trust-5-steps': ['--optimizer={"trustRadiusSteps":5}'],
  'two-changes': ['--max-changes=2'],
  'two-changes-0.95': ['--max-changes=2', '--optimizer={"minProceedProbability":0.95}'],
  // Issue 12's ablations: one fixed-horizon stage; every canary judged on the primary; both.
  'one-stage': ['--stages=1'],
  'no-purposes': ['--purposes=0'],
  'one-stage-no-purposes': ['--stages=1', '--purposes=0'],
  // The offline replay (on by default in the bench: the simulator logs its slots): off; single moves only.
  'no-replay': ['--replay=0'],
  'replay-singles': ['--replay-joint=0'],
  // The replay's slope-bias allowance per parameter step (default 0.01 exact, 0.02 viewer KPI):
  // doubled (the values the pooled allowance had before) and halved.
  'replay-bias-x2': ['--replay-settings={"exactBiasSd":0.02,"ipsBiasSd":0.04}'],
  'replay-bias-half': ['--replay-settings={"exactBiasSd":0.005,"ipsBiasSd":0.01}'],
  // The canary's variance reduction (CUPED + paired triggered analysis, on by default): off.
  'no-vr': ['--variance-reduction=0'],
  // Up to eight stages instead of four (a canary still unconfirmed runs longer before it is rolled back).
  'stages-8': ['--stages=8'],
  // The curvature prior: 5 % over two steps (looser) instead of three.
  'curvature-2': ['--optimizer={"curvatureSteps":2}'],
  // The viewer KPI's slope bias as a share of each parameter's replayed one-step effect (25 %),
  // with a small absolute part (0.5 % a step) instead of 2 % a step for every parameter.
  'replay-bias-relative': ['--replay-settings={"ipsBiasSd":0.005,"ipsBiasRelative":0.25}'],
  // Two changes a cycle, joint moves only along a ridge (parts pulling a guardrail opposite ways),
  // and the slate model's bias as a quarter of what it attributes to quality and to variety.
  'ridge-pairs': [...ridgePairs(), FEATURE_BIAS],
  // ridge-pairs with the model following the pairs (interaction prior 5 % over one step) and its
  // misfit floor at 0.3 % instead of 1 % (optimizer misfitSd, a diagnostic option).
  'ridge-pairs-tight': [...ridgePairs({ interactionSteps: 1, misfitSd: 0.003 }), FEATURE_BIAS],
  // The same with the interaction prior over two steps: the joint prediction kept nearer the replay's.
  'ridge-pairs-tight-2': [...ridgePairs({ interactionSteps: 2, misfitSd: 0.003 }), FEATURE_BIAS],
  // Diagnostics, not policies: the learner told the true effects of the replay's moves each day
  // (decision-quality --knowledge=truth), with one change a cycle, and with ridge pairs whose
  // interaction the model may follow (interaction prior 5 % over one step): what the rules, the
  // model and the canary let a learner earn that knows everything the replay asks.
  'perfect-knowledge': ['--knowledge=truth'],
  'perfect-knowledge-ridge-pairs': ['--knowledge=truth', ...ridgePairs({ interactionSteps: 1 })],
  // The same with the model's misfit floor at 0.3 % instead of 1 %: a small move the learner
  // knows to 0.1 % is no longer held under the gate by the floor's doubt.
  'perfect-knowledge-ridge-pairs-tight': ['--knowledge=truth', ...ridgePairs({ interactionSteps: 1, misfitSd: 0.003 })],
};

const SETTINGS: Record<string, string[]> = {
  // The config as it ships (since session 14 the same as ridge-pairs-tight).
  default: [],
  // Session 15's ablation: the config with eight canary stages (what it shipped since) and with
  // four, both with session 15's gate (P(pass) ≥ 0.8).
  'default-stages-8': ['--stages=8', '--optimizer={"minProceedProbability":0.8}'],
  'default-stages-4': ['--stages=4', '--optimizer={"minProceedProbability":0.8}'],
  // Session 16's gate: P(canary passes) ≥ 0.7 (what it ships since), and lower.
  'default-gate-0.7': ['--optimizer={"minProceedProbability":0.7}'],
  'default-gate-0.6': ['--optimizer={"minProceedProbability":0.6}'],
  ...Object.fromEntries(Object.entries(LEGACY_SETTINGS).map(([name, flags]) => [name, legacy(flags)])),
};

const seeds = text('seeds', '11,23,5,7,31,47')
  .split(',')
  .map((s) => {
    const n = Number(s);
    if (!Number.isInteger(n)) throw new Error(`--seeds: expected integers separated by commas, got ${s}`);
    return n;
  });
const names = text('settings', Object.keys(SETTINGS).join(',')).split(',');
for (const n of names) if (!SETTINGS[n]) throw new Error(`--settings: unknown setting ${n} (known: ${Object.keys(SETTINGS).join(', ')})`);

interface Overall {
  canaries: number;
  rollbacks: number;
  rollbackRate: number;
  meanGainRatio: number;
  meanFinalWeekGainRatio: number;
  meanGainRatioVsReachableOracle: number;
}
interface Scenario {
  oracle: { meanGain: number };
  learning: {
    hardLimitViolations: number;
    harmfulKept: number;
    gainRatio: number;
    canaries: number;
    rollbacks: number;
    passCalibration?: { canaries: number; meanForecast: number; bins: Record<string, [number, number]> };
  };
  reachableOracle: { learningGainRatio: number; ratioToOracle: number };
}

const r4 = (x: number): number => Math.round(x * 1e4) / 1e4;
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const bench = join(__dirname, 'decision-quality.ts');

const run = promisify(execFile);

/** One seed of one setting: bench/decision-quality.ts in a child process (its scenarios on one core when jobs > 1). */
async function runSeed(name: string, seed: number) {
  const t0 = performance.now();
  const parallel = jobs > 1 ? ['--parallel=1'] : [];
  const { stdout } = await run(process.execPath, [...process.execArgv, bench, `--seed=${seed}`, ...parallel, ...SETTINGS[name]!], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const r = JSON.parse(stdout) as { overall: Overall; scenarios: Record<string, Scenario> };
  const sc = Object.values(r.scenarios);
  // Per scenario too, so that a run stopped before its end still leaves each seed's table.
  const perScenario = Object.entries(r.scenarios)
    .map(([n, s]) => `${n} ${r4(s.reachableOracle.learningGainRatio)} ${s.learning.rollbacks}/${s.learning.canaries}`)
    .join(', ');
  process.stderr.write(
    `  ${name} seed ${seed}: ${r.overall.meanGainRatioVsReachableOracle} of the reachable oracle, ` +
      `rollbacks ${r.overall.rollbacks}/${r.overall.canaries} (${Math.round((performance.now() - t0) / 1000)} s); ${perScenario}\n`,
  );
  return {
    seed,
    ...r.overall,
    scenarios: r.scenarios,
    hardLimitViolations: sc.reduce((a, s) => a + s.learning.hardLimitViolations, 0),
    harmfulKept: sc.reduce((a, s) => a + s.learning.harmfulKept, 0),
  };
}

/** Every seed of a setting, `jobs` at a time, in seed order. */
async function runSeeds(name: string) {
  const results: Array<Awaited<ReturnType<typeof runSeed>>> = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < seeds.length) {
      const i = next++;
      results[i] = await runSeed(name, seeds[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, seeds.length) }, worker));
  return results;
}

/** The gate's calibration over every run: forecast P(canary passes) against the canaries' outcomes. */
function passCalibrationOf(scenarios: Scenario[]) {
  const cs = scenarios.flatMap((s) => (s.learning.passCalibration ? [s.learning.passCalibration] : []));
  const canaries = cs.reduce((a, c) => a + c.canaries, 0);
  const bins: Record<string, [number, number]> = {};
  for (const c of cs)
    for (const [bin, [n, passed]] of Object.entries(c.bins)) {
      const b = (bins[bin] ??= [0, 0]);
      b[0] += n;
      b[1] += passed;
    }
  const passed = Object.values(bins).reduce((a, [, p]) => a + p, 0);
  return {
    canaries,
    meanForecast: canaries ? r4(cs.reduce((a, c) => a + c.meanForecast * c.canaries, 0) / canaries) : null,
    passRate: canaries ? r4(passed / canaries) : null,
    bins: Object.fromEntries(Object.entries(bins).sort(([a], [b]) => a.localeCompare(b))),
  };
}

/** One setting's figures over its seeds. */
function rowOf(name: string, runs: Array<Awaited<ReturnType<typeof runSeed>>>) {
  const canaries = runs.reduce((a, r) => a + r.canaries, 0);
  const rollbacks = runs.reduce((a, r) => a + r.rollbacks, 0);
  const row = {
    setting: name,
    flags: SETTINGS[name]!.join(' '),
    gainRatio: r4(mean(runs.map((r) => r.meanGainRatio))),
    // The issue-12 yardstick: the learner's gain over the reachable oracle's (same pace limits, perfect knowledge).
    gainRatioVsReachableOracle: r4(mean(runs.map((r) => r.meanGainRatioVsReachableOracle))),
    minScenarioGainRatioVsReachableOracle: r4(
      Math.min(...runs.flatMap((r) => Object.values(r.scenarios).map((x) => x.reachableOracle.learningGainRatio))),
    ),
    perScenario: Object.fromEntries(
      Object.keys(runs[0]!.scenarios).map((n) => {
        const xs = runs.map((r) => r.scenarios[n]!);
        return [
          n,
          {
            gainRatio: r4(mean(xs.map((x) => x.learning.gainRatio))),
            gainRatioVsReachableOracle: r4(mean(xs.map((x) => x.reachableOracle.learningGainRatio))),
            minOverSeedsVsReachableOracle: r4(Math.min(...xs.map((x) => x.reachableOracle.learningGainRatio))),
            reachableOracleRatio: r4(mean(xs.map((x) => x.reachableOracle.ratioToOracle))),
            canaries: xs.reduce((a, x) => a + x.learning.canaries, 0),
            rollbacks: xs.reduce((a, x) => a + x.learning.rollbacks, 0),
            harmfulKept: xs.reduce((a, x) => a + x.learning.harmfulKept, 0),
            hardLimitViolations: xs.reduce((a, x) => a + x.learning.hardLimitViolations, 0),
          },
        ];
      }),
    ),
    finalWeekGainRatio: r4(mean(runs.map((r) => r.meanFinalWeekGainRatio))),
    canaries,
    rollbacks,
    rollbackRate: canaries ? r4(rollbacks / canaries) : 0,
    hardLimitViolations: runs.reduce((a, r) => a + r.hardLimitViolations, 0),
    harmfulKept: runs.reduce((a, r) => a + r.harmfulKept, 0),
    passCalibration: passCalibrationOf(runs.flatMap((r) => Object.values(r.scenarios))),
    perSeed: runs.map((r) => ({
      seed: r.seed,
      gainRatio: r.meanGainRatio,
      gainRatioVsReachableOracle: r.meanGainRatioVsReachableOracle,
      finalWeekGainRatio: r.meanFinalWeekGainRatio,
      canaries: r.canaries,
      rollbacks: r.rollbacks,
      // Each scenario of the seed: where a target is missed, and by which run.
      perScenario: Object.fromEntries(
        Object.entries(r.scenarios).map(([n, x]) => [
          n,
          {
            gainRatioVsReachableOracle: r4(x.reachableOracle.learningGainRatio),
            // The yardstick itself: the oracle's mean daily gain over the static card.
            oracleGain: x.oracle.meanGain,
            canaries: x.learning.canaries,
            rollbacks: x.learning.rollbacks,
            harmfulKept: x.learning.harmfulKept,
            hardLimitViolations: x.learning.hardLimitViolations,
          },
        ]),
      ),
    })),
  };
  process.stderr.write(
    `${name}: gain ${row.gainRatio} (vs reachable ${row.gainRatioVsReachableOracle}, final week ${row.finalWeekGainRatio}), ` +
      `rollbacks ${rollbacks}/${canaries}\n`,
  );
  return row;
}

async function main(): Promise<void> {
  const started = performance.now();
  const rows: Array<ReturnType<typeof rowOf>> = [];
  for (const name of names) rows.push(rowOf(name, await runSeeds(name)));

  /**
   * The Pareto front among SAFE settings (no hard-limit violation, no harmful change kept): a safe
   * setting is dominated when another safe one has at least its gain and at most its rollback
   * rate, one of them strictly. An unsafe setting is never on the front, whatever its gain.
   */
  const safe = (r: (typeof rows)[number]): boolean => r.hardLimitViolations === 0 && r.harmfulKept === 0;
  const front = rows.map(
    (r) =>
      safe(r) &&
      !rows.some(
        (o) =>
          o !== r &&
          safe(o) &&
          o.gainRatio >= r.gainRatio &&
          o.rollbackRate <= r.rollbackRate &&
          (o.gainRatio > r.gainRatio || o.rollbackRate < r.rollbackRate),
      ),
  );
  const out = {
    seeds,
    targets: { gainRatio: 0.9, gainRatioVsReachableOracleEveryScenario: 0.9, rollbackRateBelow: 0.05 },
    settings: rows.map((r, i) => ({
      ...r,
      paretoFront: front[i],
      meetsBothTargets: r.gainRatio >= 0.9 && r.rollbackRate < 0.05 && r.hardLimitViolations === 0 && r.harmfulKept === 0,
      // Issue 12's target: ≥ 0.9 of the reachable oracle in every scenario (and seed), rollbacks < 5 %, safe.
      meetsReachableTarget:
        r.minScenarioGainRatioVsReachableOracle >= 0.9 && r.rollbackRate < 0.05 && r.hardLimitViolations === 0 && r.harmfulKept === 0,
    })),
    runtimeMs: Math.round(performance.now() - started),
  };
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
