/**
 * Decision-quality benchmark: 30 accelerated days of the simulator per scenario, driving the
 * same domain functions as the daily cycle (analysis → optimizer → bounds → canary judge on
 * simulated canary data → bounds update), without Temporal. Prints one JSON object.
 *
 *   npx tsx bench/decision-quality.ts [--days=30] [--slots-per-hour=10] [--canary-slots=6000]
 *     [--canary-checks=20] [--eval-slots=400] [--seed=11] [--parallel=2]
 *     [--scenarios=stable,drift,harmful,noise,outage] [--harmful-threshold=0.01] [--harm-slots=16000]
 *     [--landscape=0|1] [--max-changes=N] [--governor=0|1] [--governor-settings='{"recoveryRamp":[1]}']
 *     [--purposes=0|1] [--stages=N] [--replay=0|1] [--replay-slots=0] [--replay-joint=0|1]
 *     [--replay-settings='{"ipsBiasSd":0.02}'] [--variance-reduction=0|1] [--margin=0.02]
 *     [--optimizer='{"minProceedProbability":0.9}']
 *     [--knowledge=replay|truth] [--knowledge-slots=4000] [--knowledge-se=0.001]
 * Every flag can also be an environment variable: DQ_BENCH_DAYS=10, ...
 *
 * Policies, each on its own simulator with the same seed:
 *   learning  what the cycle proposes (proposeForCycle: the optimizer with the config's optimizer
 *             section, --optimizer overriding it; the rule table on a cold start) with the canary
 *             judge and sliding bounds;
 *   rules     proposer.ts applied every day without a canary (bounds still checked);
 *   static    the example card, never changed;
 *   oracle    the best fixed parameters in hindsight (grid + coordinate search on the true
 *             objective over the scenario's days) within the INITIAL SLIDING BOUNDS: the best
 *             card the autopilot is allowed to deploy (the ratios below use it); the same
 *             search within the hard limits is reported as oracleHardLimits (the sliding bounds
 *             widen by at most 5 % a week, so that card is out of reach by design);
 *   reachableOracle  (informational, NOT the target's yardstick) the oracle card approached from
 *             the static card at the learner's pace: max_changes_per_cycle parameters a day, each
 *             by at most its max_daily_delta, with perfect knowledge and no failed canary
 *             (dq/world.ts reachableOracle). Its ratioToOracle is the best 30-day gain ratio any
 *             policy under the same constraints could get on the way to that card (≈ 0.90-0.93
 *             with seeds 11 and 23: the 0.9 target over 30 days leaves almost no room for the
 *             climb); learningGainRatio is the learner's mean gain over it.
 * Objective: objectiveOfLevels (src/domain/optimizer/objective.ts) on the TRUE KPI levels of the
 * card in force each day (the mean over the same `eval-slots` slots for every card, with the
 * scenario's noise, so cards are compared on common random numbers), as a gain over the static
 * card. gainRatio = mean daily
 * gain / the oracle's; finalWeekGainRatio = the same over the last 7 days (the learning policy
 * starts from the static card and may move each parameter only its daily delta).
 * Rollback rate = rolled-back canaries / canaries. Hard-limit violations = a value outside the
 * hard limits or a move beyond the daily delta. A harmful change kept = a promoted (or, for
 * rules, applied) change whose true objective change is below −harmful-threshold, or that
 * enters the harmful region; that ΔJ is measured on a precise truth of `harm-slots` (16 000)
 * evaluation slots, because one move's ΔJ on the 400 slots of the gain trajectory errs by 1-2 %
 * (seed 11: temperature 0.5→0.6 at top_k 14 is −1.1 % on 400 slots, +0.7 % on 16 000 and on
 * 32 000). `harmfulKeptCoarse` is the count on the 400 slots, as the bench counted before.
 *
 * Acceleration: a simulated day plays `slots-per-hour` slots an hour (VVTV plays 18 000), and a
 * canary `canary-slots` slots (production: 60 min at 5 slots/s = 18 000), so the canary here is
 * noisier than in production (relative se of engagement ≈ 1.7 % vs ≈ 1 %); the optimizer is
 * told the real canary size through CanaryPlan.expectedSamples. DQ_DEBUG=1 prints each day's
 * best candidates (gain, sd, P(pass), utility) to stderr.
 *
 * Findings: docs/decision-quality.md (figures per seed, the trade-off between gain and rollbacks
 * measured by bench/dq-frontier.ts, what limits the learner, and what was tried and reverted).
 */
import { fork } from 'node:child_process';
import { optimizerOptionsOf, replaySettingsOf } from '../src/config';
import { boundsPolicyOf } from '../src/activities/bounds';
import { governorSettings } from '../src/governor/settings';
import type { GovernorSettings } from '../src/domain/governor';
import { runPolicy, SCENARIOS, type RunResult, type RunSettings, type Scenario } from './dq/run';
import { benchConfig, neighbourhood, oracleSearch, reachableOracle, STATIC_VALUES, Truth } from './dq/world';
import { benchOptions } from './options';

const { text: option, num } = benchOptions('DQ_BENCH');

const opts = {
  days: num('days', 30),
  slotsPerHour: num('slots-per-hour', 10),
  canarySlots: num('canary-slots', 6000),
  canaryChecks: num('canary-checks', 20),
  evalSlots: num('eval-slots', 400),
  seed: num('seed', 11),
  parallel: num('parallel', 2),
  harmfulThreshold: num('harmful-threshold', 0.01),
  /**
   * Evaluation slots of the precise truth that judges a kept change harmful (its ΔJ); the gain
   * trajectory's eval-slots (400) err by 1-2 % on one move's ΔJ, as much as the threshold.
   */
  harmSlots: num('harm-slots', 16000),
  /**
   * 1: after the run, where the learner's final card stands on the last day (precise truth): the
   * ΔJ of every one-step move and of the oracle card, and whether it is a local optimum
   * (`learning.finalNeighbourhood`; about 20 s a scenario). 0 (default): not computed.
   */
  landscape: num('landscape', 0),
  /** Overrides the config's autopilot.max_changes_per_cycle when > 0 (compound changes). */
  maxChanges: num('max-changes', 0),
  /**
   * 1 (default): the learning policy asks the governor and reports to it, as the cycle does
   * (pauses, drift mode, recovery ramp); 0: no governor.
   */
  governor: num('governor', 1),
  /** JSON of governor settings replacing the config's (GovernorSettings fields), e.g. '{"recoveryRamp":[1]}'. */
  governorSettings: JSON.parse(option('governor-settings', '{}')) as Partial<GovernorSettings>,
  /**
   * 1: a Correction is judged on the band it brings back (issue 12); 0: every canary on the
   * primary, Corrections included; absent: the config's optimizer.band_purposes.
   */
  purposes: num('purposes', -1),
  /** Group-sequential stages of a canary; the config's canary.max_stages when 0. 1 = one fixed horizon (the ablation). */
  stages: num('stages', 0),
  scenarios: option('scenarios', 'stable,drift,harmful,noise,outage').split(','),
  /**
   * 1 (default): the simulator logs the day's live slots and the learning policy replays moves on
   * them before proposing (issue 12, the config's optimizer.replay with a slot log); 0: no replay.
   */
  replay: num('replay', 1),
  /**
   * Logged slots replayed a day; 0 (default): the config's optimizer.replay.max_slots (300), so
   * every slot of the bench's day (240 at 10 slots an hour). Until session 14 the bench replayed
   * 120, fewer than the product does, for speed: its replay estimates had sd √2 wider.
   */
  replaySlots: num('replay-slots', 0),
  /** 1: also replay one-step pairs (the config's joint_moves); 0: single moves only. */
  replayJoint: num('replay-joint', 1),
  /** JSON of extra replay settings, e.g. '{"ipsBiasSd":0.02}'. */
  replaySettings: JSON.parse(option('replay-settings', '{}')) as Record<string, unknown>,
  /**
   * 1 (default): canaries are measured with the config's canary.variance_reduction (CUPED on
   * daypart and the paired predictions, the triggered-slot analysis; issue 12), as measureCanary
   * does; 0: the raw group summaries (the ablation).
   */
  varianceReduction: num('variance-reduction', 1),
  /** Overrides the config's canary.non_inferiority_margin when > 0 (issue 12's ablation: 0.02, the old default). */
  margin: num('margin', 0),
  /** JSON of extra OptimizerOptions, e.g. '{"rollbackCost":0.01}'. */
  optimizer: JSON.parse(option('optimizer', '{}')) as Record<string, unknown>,
  /**
   * 'truth' (a diagnostic): the learner is told the true effects of the replay's moves each day
   * instead of replaying them (RunSettings.knowledge), measured on `knowledge-slots` evaluation
   * slots and given standard error `knowledge-se`; 'replay' (default): what the cycle does.
   */
  knowledge: option('knowledge', 'replay'),
  knowledgeSlots: num('knowledge-slots', 4000),
  knowledgeSe: num('knowledge-se', 0.001),
};
if (opts.knowledge !== 'replay' && opts.knowledge !== 'truth')
  throw new Error(`--knowledge: expected replay or truth, got ${opts.knowledge}`);

const config = benchConfig();

function settings(): RunSettings {
  const purposes = opts.purposes < 0 ? config.optimizer.band_purposes : opts.purposes !== 0;
  return {
    days: opts.days,
    slotsPerHour: opts.slotsPerHour,
    canarySlots: opts.canarySlots,
    canaryChecks: opts.canaryChecks,
    kpis: config.kpis!,
    params: config.parameters,
    start: STATIC_VALUES,
    canary: {
      trafficShare: config.canary.traffic_percentage,
      confidenceLevel: config.canary.confidence_level,
      margin: opts.margin > 0 ? opts.margin : config.canary.non_inferiority_margin,
      minSamples: config.canary.min_samples_per_group,
      durationMinutes: config.canary.duration_minutes,
    },
    maxChanges: opts.maxChanges > 0 ? opts.maxChanges : config.autopilot.max_changes_per_cycle,
    minSamplesForAnalysis: config.autopilot.min_samples_for_analysis,
    boundsPolicy: boundsPolicyOf(config),
    optimizer: { ...optimizerOptionsOf(config.optimizer), bandPurposes: purposes, ...opts.optimizer },
    purposes,
    maxStages: opts.stages > 0 ? opts.stages : config.canary.max_stages,
    varianceReduction: opts.varianceReduction
      ? {
          cuped: config.canary.variance_reduction.cuped,
          paired: config.canary.variance_reduction.paired,
          prePeriodDays: config.canary.variance_reduction.pre_period_days,
        }
      : { cuped: false, paired: false },
    ...(opts.governor ? { governor: governorSettings(config, opts.governorSettings) } : {}),
    ...(opts.replay
      ? {
          replay: {
            ...replaySettingsOf(config.optimizer),
            ...(opts.replaySlots > 0 ? { maxSlots: opts.replaySlots } : {}),
            jointMoves: opts.replayJoint !== 0,
            ...opts.replaySettings,
          },
        }
      : {}),
  };
}

const r4 = (x: number): number => Math.round(x * 1e4) / 1e4;
const mean = (xs: number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

/**
 * Per KPI, what the canaries' final verdicts say the variance reduction did: the methods used,
 * the median and mean share of the raw effect variance removed, the median triggered share, and
 * the failed sample-ratio / placebo checks.
 */
function varianceReductionSummary(r: RunResult) {
  const reports = r.days.flatMap((d) => Object.entries(d.canary?.varianceReduction ?? {}));
  const median = (xs: number[]): number | null => {
    if (xs.length === 0) return null;
    const v = [...xs].sort((a, b) => a - b);
    return r4(v.length % 2 ? v[(v.length - 1) / 2]! : (v[v.length / 2 - 1]! + v[v.length / 2]!) / 2);
  };
  const byKpi: Record<string, typeof reports> = {};
  for (const [kpi, rep] of reports) (byKpi[kpi] ??= []).push([kpi, rep]);
  return Object.fromEntries(
    Object.entries(byKpi).map(([kpi, xs]) => {
      const reps = xs.map(([, x]) => x);
      const methods: Record<string, number> = {};
      for (const x of reps) {
        const m = `${x.method}${x.covariates.length ? `[${x.covariates.join(',')}]` : ''}`;
        methods[m] = (methods[m] ?? 0) + 1;
      }
      const paired = reps.flatMap((x) => (x.paired ? [x.paired] : []));
      return [
        kpi,
        {
          methods,
          medianVarianceReduction: median(reps.map((x) => x.varianceReduction)),
          meanVarianceReduction: r4(mean(reps.map((x) => x.varianceReduction))),
          medianTriggeredShare: median(paired.map((p) => p.triggeredShare)),
          srmFailed: paired.filter((p) => !p.srmAll.passed || !p.srmTriggered.passed).length,
          placeboFailed: paired.filter((p) => p.placebo && !p.placebo.passed).length,
        },
      ];
    }),
  );
}

function summary(r: RunResult, oracleGain: number, days: number) {
  const gains = r.days.map((d) => d.gain);
  const last = gains.slice(Math.max(0, days - 7));
  return {
    meanGain: r4(mean(gains)),
    gainRatio: r4(mean(gains) / oracleGain),
    finalWeekGainRatio: r4(mean(last) / oracleGain),
    canaries: r.canaries,
    promoted: r.promoted,
    rollbacks: r.rollbacks,
    rollbackRate: r.canaries ? r4(r.rollbacks / r.canaries) : 0,
    applied: r.applied,
    hardLimitViolations: r.hardLimitViolations,
    harmfulKept: r.harmfulKept,
    harmfulKeptCoarse: r.harmfulKeptCoarse,
    changeTypes: r.changeTypes,
    primaryPredictionMae: r.primaryPredictionMae === null ? null : r4(r.primaryPredictionMae),
    governorPausedDays: r.governorPausedDays,
    governorDriftDays: r.governorDriftDays,
    finalValues: r.days[r.days.length - 1]?.values,
    ...(r.days.some((d) => d.canary?.varianceReduction) ? { canaryVarianceReduction: varianceReductionSummary(r) } : {}),
    ...(r.days.some((d) => d.canary?.forecastPass !== undefined) ? { passCalibration: passCalibration(r) } : {}),
  };
}

/**
 * The optimizer's forecast P(canary passes) against what its canaries did: the gate's
 * calibration (a forecast that passes far more often than it says is a gate set too high).
 */
function passCalibration(r: RunResult) {
  const forecast = r.days.flatMap((d) =>
    d.canary?.forecastPass !== undefined ? [{ p: d.canary.forecastPass, passed: d.canary.outcome === 'promoted' }] : [],
  );
  const bins = [0, 0.6, 0.7, 0.8, 0.9, 1.0001];
  return {
    canaries: forecast.length,
    meanForecast: r4(mean(forecast.map((f) => f.p))),
    passRate: r4(forecast.filter((f) => f.passed).length / forecast.length),
    // [from, to): canaries, passed.
    bins: Object.fromEntries(
      bins.slice(0, -1).flatMap((lo, i) => {
        const inBin = forecast.filter((f) => f.p >= lo && f.p < bins[i + 1]!);
        return inBin.length ? [[`${lo}-${Math.min(1, bins[i + 1]!)}`, [inBin.length, inBin.filter((f) => f.passed).length]]] : [];
      }),
    ),
  };
}

function runScenario(name: string) {
  const started = performance.now();
  const sc: Scenario = { ...SCENARIOS[name]!, seed: opts.seed };
  const s = settings();
  // The scenario's world evaluated on `slots` fixed slots (the gain trajectory, the harm judge, perfect knowledge).
  const truthOf = (slots: number): Truth =>
    new Truth({ seed: sc.seed, noise: sc.noise, drift: sc.drift, harmfulRegion: sc.harmfulRegion }, s.params, slots);
  const truth = truthOf(opts.evalSlots);
  const oracleDays = sc.drift === 0 ? [0] : [0, 0.5, 1].map((f) => Math.round(f * (opts.days - 1)));
  const oracle = oracleSearch(truth, s.kpis, s.params, s.start, oracleDays, 'initial_bounds');
  const oracleGain = mean(Array.from({ length: opts.days }, (_, d) => truth.gain(s.kpis, oracle.values, s.start, d)));
  // Out of reach by design (see the header): searched on the middle day only, to save time.
  const hard = oracleSearch(truth, s.kpis, s.params, s.start, [oracleDays[Math.floor(oracleDays.length / 2)]!], 'hard_limits');
  const hardGain = mean(Array.from({ length: opts.days }, (_, d) => truth.gain(s.kpis, hard.values, s.start, d)));
  const reach = reachableOracle(truth, s.kpis, s.params, s.start, oracle.values, opts.days, s.maxChanges);
  const reachGain = mean(reach.gains);
  const harm = {
    threshold: opts.harmfulThreshold,
    truth: truthOf(opts.harmSlots),
  };
  const knowing: RunSettings =
    opts.knowledge === 'truth'
      ? {
          ...s,
          knowledge: {
            truth: truthOf(opts.knowledgeSlots),
            relSe: opts.knowledgeSe,
          },
        }
      : s;
  const learning = runPolicy('learning', sc, knowing, truth, harm);
  const rules = runPolicy('rules', sc, s, truth, harm);
  const trajectory = learning.days.map((d) => ({
    day: d.day,
    gain: r4(d.gain),
    ...(d.proposals.length
      ? {
          change: d.proposals
            .map((p) => {
              const predicted = p.predicted === undefined ? '' : ` predicted ${r4(p.predicted)}`;
              const offline = p.offline === undefined ? '' : ` offline ${r4(p.offline)}`;
              return `${p.changeType} ${p.parameter} ${p.oldValue}→${p.newValue}${predicted}${offline}`;
            })
            .join('; '),
        }
      : {}),
    ...(d.canary
      ? {
          canary:
            `${d.canary.rule} ${d.canary.outcome} measured ${r4(d.canary.measured)} true ΔJ ${r4(d.canary.trueGain)}` +
            (Number.isFinite(d.canary.preciseGain) ? ` (precise ${r4(d.canary.preciseGain)})` : ''),
        }
      : {}),
    ...(d.analysisUsable ? {} : { analysis: 'not usable' }),
    ...(d.governor && d.governor !== 'running' ? { governor: d.governor } : {}),
  }));
  return {
    scenario: { ...sc, oracleDays },
    oracle: { scope: 'initial sliding bounds', values: oracle.values, meanGain: r4(oracleGain), evaluations: oracle.evaluations },
    // Informational, NOT the target's yardstick: the same oracle card approached from the static
    // card at the learner's pace (one change a day within the daily delta, perfect knowledge).
    reachableOracle: {
      scope: 'oracle card, reached from the static card under max_changes_per_cycle and max_daily_delta',
      reachedOnDay: reach.reachedOnDay,
      meanGain: r4(reachGain),
      ratioToOracle: r4(reachGain / oracleGain),
      learningGainRatio: r4(mean(learning.days.map((d) => d.gain)) / reachGain),
    },
    oracleHardLimits: {
      values: hard.values,
      meanGain: r4(hardGain),
      learningGainRatio: r4(mean(learning.days.map((d) => d.gain)) / hardGain),
    },
    static: { meanGain: 0, gainRatio: 0 },
    rules: summary(rules, oracleGain, opts.days),
    learning: {
      ...summary(learning, oracleGain, opts.days),
      ...(opts.landscape
        ? {
            finalNeighbourhood: neighbourhood(
              harm.truth,
              s.kpis,
              s.params,
              s.start,
              learning.days[learning.days.length - 1]!.values,
              oracle.values,
              opts.days - 1,
              s.optimizer?.minGain ?? 0.005,
            ),
          }
        : {}),
    },
    learningTrajectory: trajectory,
    runtimeMs: Math.round(performance.now() - started),
  };
}

type ScenarioResult = ReturnType<typeof runScenario>;

async function main(): Promise<void> {
  const only = process.argv.find((a) => a.startsWith('--child='));
  if (only) {
    process.send!(runScenario(only.slice('--child='.length)));
    return;
  }
  const started = performance.now();
  const results: Record<string, ScenarioResult> = {};
  const queue = [...opts.scenarios];
  const worker = async (): Promise<void> => {
    for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
      if (!SCENARIOS[name]) throw new Error(`--scenarios: unknown scenario ${name}`);
      if (opts.parallel <= 1) {
        results[name] = runScenario(name);
        continue;
      }
      const n = name;
      results[n] = await new Promise<ScenarioResult>((resolve, reject) => {
        const child = fork(__filename, [...process.argv.slice(2), `--child=${n}`], { execArgv: process.execArgv });
        child.once('message', (m) => resolve(m as ScenarioResult));
        child.once('error', reject);
        child.once('exit', (code) => (code ? reject(new Error(`scenario ${n} exited with ${code}`)) : undefined));
      });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.parallel) }, worker));
  const learning = Object.values(results).map((r) => r.learning);
  const canaries = learning.reduce((a, l) => a + l.canaries, 0);
  const rollbacks = learning.reduce((a, l) => a + l.rollbacks, 0);
  const targets = Object.fromEntries(
    Object.entries(results).map(([n, r]) => [
      n,
      {
        gainRatioAtLeast90pct: r.learning.gainRatio >= 0.9,
        finalWeekGainRatioAtLeast90pct: r.learning.finalWeekGainRatio >= 0.9,
        zeroHardLimitViolations: r.learning.hardLimitViolations === 0,
        rollbackRateBelow5pct: r.learning.rollbackRate < 0.05,
        noHarmfulChangeKept: r.learning.harmfulKept === 0,
        gainVsReachableOracleAtLeast90pct: r.reachableOracle.learningGainRatio >= 0.9,
      },
    ]),
  );
  const out = {
    config: { ...opts },
    overall: {
      canaries,
      rollbacks,
      rollbackRate: canaries ? r4(rollbacks / canaries) : 0,
      meanGainRatio: r4(mean(learning.map((l) => l.gainRatio))),
      meanFinalWeekGainRatio: r4(mean(learning.map((l) => l.finalWeekGainRatio))),
      // Informational (NOT the target): the learner against the oracle card approached at the learner's pace.
      meanGainRatioVsReachableOracle: r4(mean(Object.values(results).map((r) => r.reachableOracle.learningGainRatio))),
      meanReachableOracleRatio: r4(mean(Object.values(results).map((r) => r.reachableOracle.ratioToOracle))),
    },
    targets,
    scenarios: results,
    runtimeMs: Math.round(performance.now() - started),
  };
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
