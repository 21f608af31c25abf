/**
 * Switchback canary statistics (`npx tsx bench/canary-stats.ts --mode=switchback`): the judge on
 * block-level data, as the canary workflow runs it in switchback mode. Prints one JSON object with
 * the keys of the overlay bench (falseDecisionRate, power, mde, …).
 *
 *   npx tsx bench/canary-stats.ts --mode=switchback [--runs=2000] [--seed=20240601] [--minutes=60]
 *     [--block-minutes=5] [--washout-minutes=1] [--share=0.5] [--slots-per-second=1]
 *     [--mean=100] [--sd=20] [--block-sd=1] [--lag-seconds=30] [--guardrail-mean=100]
 *     [--guardrail-sd=5] [--margin=0.02] [--confidence=0.95] [--min-blocks=3] [--min-rows=5]
 *
 * Model: slots arrive as a Poisson process; the arm in force is the plan's (planSwitchback, the
 * workflow's own function) except for the first `lag-seconds` after a switch, when the planner
 * still plays the previous card (reload latency, slots already planned). Each block has its own
 * level (a Gaussian block effect of sd `block-sd`, shared by both KPIs' arms alike: the hour, the
 * audience), and each row its own noise (`sd`). Every minute the judge sees the block-level
 * summaries of the blocks ended so far (switchbackSummary, the workflow's own function); the last
 * minute is its final check. A row-level Welch test that treats rows as independent (what judging
 * a switchback "as if rows were independent" would do) is reported beside it under A/A.
 *
 * What counts as a false decision, power and time to decision: as in the overlay bench.
 */
import tQuantile from '@stdlib/stats-base-dists-t-quantile';
import { judgeCanary, type JudgeInput } from '../../src/domain/canary';
import { planSwitchback, switchbackSummary, type BlockPartLike, type SwitchbackPlan } from '../../src/domain/canary/switchback';
import type { CanaryVerdict, KpiDef } from '../../src/domain/types';
import { createRng } from '../../src/adapters/selection/rng';
import { benchOptions } from '../options';
import { Acc, gaussian, poisson, round, wilson } from '../sampling';

const { num: option } = benchOptions('CANARY_BENCH');

const opts = {
  runs: option('runs', 2000),
  seed: option('seed', 20240601),
  minutes: option('minutes', 60),
  blockMinutes: option('block-minutes', 5),
  washoutMinutes: option('washout-minutes', 1),
  share: option('share', 0.5),
  slotsPerSecond: option('slots-per-second', 1),
  mean: option('mean', 100),
  sd: option('sd', 20),
  blockSd: option('block-sd', 1),
  lagSeconds: option('lag-seconds', 30),
  guardrailMean: option('guardrail-mean', 100),
  guardrailSd: option('guardrail-sd', 5),
  margin: option('margin', 0.02),
  confidence: option('confidence', 0.95),
  minBlocks: option('min-blocks', 3),
  minRows: option('min-rows', 5),
};

const KPIS: KpiDef[] = [
  { name: 'primary', goal: 'maximize', role: 'primary', weight: 1 },
  { name: 'guardrail', goal: 'minimize', role: 'guardrail', weight: 1 },
];

function input(groups: JudgeInput['groups'], isFinalCheck: boolean): JudgeInput {
  return {
    kpis: KPIS,
    groups,
    isFinalCheck,
    confidenceLevel: opts.confidence,
    nonInferiorityMargin: opts.margin,
    minSamplesPerGroup: opts.minBlocks,
  };
}

const isFalseUnderNull = (v: CanaryVerdict): boolean =>
  v.decision === 'Rollback' || (v.decision === 'Proceed' && v.rule === 'primary_improved');

interface RunOutcome {
  judge: CanaryVerdict;
  judgeMinute: number;
  rowLevelFalse: boolean;
}

function simulateRun(seed: number, effect: number): RunOutcome {
  const r = createRng(seed);
  const u = () => r.next();
  const z = gaussian(u);
  const blockMs = opts.blockMinutes * 60_000;
  const plan: SwitchbackPlan = planSwitchback(`bench-${seed}`, 0, {
    durationMs: opts.minutes * 60_000,
    blockMs,
    washoutMs: opts.washoutMinutes * 60_000,
    share: opts.share,
  });
  const blockLevel = plan.arms.map(() => z() * opts.blockSd);
  const parts = new Map<string, BlockPartLike>();
  const partsOf = { primary: parts, guardrail: new Map<string, BlockPartLike>() };
  const rows = { primary: { control: new Acc(), canary: new Acc() }, guardrail: { control: new Acc(), canary: new Acc() } };
  const add = (kpi: 'primary' | 'guardrail', block: number, after: boolean, v: number) => {
    const key = `${block}:${after}`;
    const p = partsOf[kpi].get(key) ?? { block, afterWashout: after, n: 0, sum: 0, nonFinite: 0 };
    p.n += 1;
    p.sum += v;
    partsOf[kpi].set(key, p);
  };
  const totalMs = plan.arms.length * blockMs;
  const minutes = Math.round(totalMs / 60_000);
  let judge: CanaryVerdict | undefined;
  let judgeMinute = minutes;
  let lastGroups: JudgeInput['groups'] | null = null;
  for (let minute = 1; minute <= minutes; minute++) {
    // This minute's slots, each at a uniform time within the minute.
    const count = poisson(u, opts.slotsPerSecond * 60);
    for (let i = 0; i < count; i++) {
      const t = (minute - 1) * 60_000 + u() * 60_000;
      const block = Math.floor(t / blockMs);
      const offset = t - block * blockMs;
      const planned = plan.arms[block]!;
      const previous = block === 0 ? 'control' : plan.arms[block - 1]!;
      // The planner still plays the previous card for lagSeconds after a switch.
      const played = offset < opts.lagSeconds * 1000 ? previous : planned;
      const primary = opts.mean + blockLevel[block]! + (played === 'canary' ? effect : 0) + opts.sd * z();
      const guardrail = opts.guardrailMean + opts.guardrailSd * z();
      const after = offset >= plan.washoutMs;
      add('primary', block, after, primary);
      add('guardrail', block, after, guardrail);
      rows.primary[planned].add(primary);
      rows.guardrail[planned].add(guardrail);
    }
    const nowMs = minute * 60_000;
    const summarize = (kpi: 'primary' | 'guardrail') => {
      const s = switchbackSummary(plan, [...partsOf[kpi].values()], nowMs, opts.minRows);
      return { control: s.control, canary: s.canary };
    };
    const groups = { primary: summarize('primary'), guardrail: summarize('guardrail') };
    lastGroups = groups;
    if (judge === undefined) {
      const v = judgeCanary(input(groups, minute === minutes));
      if (v.final) {
        judge = v;
        judgeMinute = minute;
      }
    }
  }
  const rowGroups = {
    primary: { control: rows.primary.control.summary(), canary: rows.primary.canary.summary() },
    guardrail: { control: rows.guardrail.control.summary(), canary: rows.guardrail.canary.summary() },
  };
  const rowLevel = judgeCanary({ ...input(rowGroups, true), minSamplesPerGroup: 30 });
  return { judge: judge ?? judgeCanary(input(lastGroups!, true)), judgeMinute, rowLevelFalse: isFalseUnderNull(rowLevel) };
}

function scenario(effect: number, seedBase: number) {
  const outcomes: RunOutcome[] = [];
  for (let i = 0; i < opts.runs; i++) outcomes.push(simulateRun((seedBase + i * 7919) >>> 0, effect));
  const n = outcomes.length;
  const share = (f: (o: RunOutcome) => boolean) => round(outcomes.filter(f).length / n);
  const falseRate = share((o) => (effect === 0 ? isFalseUnderNull(o.judge) : o.judge.decision === 'Rollback'));
  const power = share((o) => o.judge.decision === 'Proceed' && o.judge.rule === 'primary_improved');
  const byRule: Record<string, number> = {};
  for (const o of outcomes) byRule[`${o.judge.method}:${o.judge.rule}`] = (byRule[`${o.judge.method}:${o.judge.rule}`] ?? 0) + 1;
  return {
    effect: round(effect, 6),
    relativeEffect: round(effect / opts.mean, 6),
    falseDecisionRate: falseRate,
    falseDecisionRateCI: wilson(falseRate, n),
    power,
    powerCI: wilson(power, n),
    proceedNonInferior: share((o) => o.judge.rule === 'primary_non_inferior'),
    rollback: share((o) => o.judge.decision === 'Rollback'),
    inconclusive: share((o) => o.judge.decision === 'Inconclusive'),
    meanTimeToDecisionMin: round(outcomes.reduce((a, o) => a + o.judgeMinute, 0) / n),
    byRule,
    ...(effect === 0 ? { rowLevelWelchFalseDecisionRate: share((o) => o.rowLevelFalse) } : {}),
  };
}

/** The effect a fixed-horizon Welch test on block means detects with 80 % power. */
function mde(alpha: number, power: number) {
  const plan = planSwitchback('mde', 0, {
    durationMs: opts.minutes * 60_000,
    blockMs: opts.blockMinutes * 60_000,
    washoutMs: opts.washoutMinutes * 60_000,
    share: opts.share,
  });
  const canaryBlocks = plan.arms.filter((a) => a === 'canary').length;
  const controlBlocks = plan.arms.length - canaryBlocks;
  const rowsPerBlock = opts.slotsPerSecond * 60 * (opts.blockMinutes - opts.washoutMinutes * ((canaryBlocks * 2) / plan.arms.length));
  const blockVar = opts.blockSd ** 2 + opts.sd ** 2 / rowsPerBlock;
  const se = Math.sqrt(blockVar / canaryBlocks + blockVar / controlBlocks);
  const df = canaryBlocks + controlBlocks - 2;
  return { mde: (tQuantile(1 - alpha / 2, df) + tQuantile(power, df)) * se, canaryBlocks, controlBlocks, df };
}

export function runSwitchbackBench(): void {
  const started = performance.now();
  const alpha = 1 - opts.confidence;
  const m = mde(alpha, 0.8);
  const aa = scenario(0, opts.seed);
  const atMde = scenario(m.mde, opts.seed + 1_000_003);
  const at2Mde = scenario(2 * m.mde, opts.seed + 2_000_006);
  const out = {
    mode: 'switchback',
    config: { ...opts, kpis: KPIS.map((k) => `${k.name}:${k.role}:${k.goal}`) },
    mde: {
      absolute: round(m.mde, 6),
      relative: round(m.mde / opts.mean, 6),
      alpha: round(alpha, 6),
      power: 0.8,
      blocks: { canary: m.canaryBlocks, control: m.controlBlocks },
      welchDf: m.df,
      note: 'analytic, a fixed-horizon Welch test on block means (block variance = block-sd² + sd² / rows per block)',
    },
    falseDecisionRate: aa.falseDecisionRate,
    power: atMde.power,
    scenarios: { aa, mde: atMde, twoMde: at2Mde },
    targets: {
      falseDecisionsAtMost5pct: aa.falseDecisionRate <= 0.05,
      powerAtMdeAtLeast75pct: atMde.power >= 0.75,
    },
    elapsedSeconds: round((performance.now() - started) / 1000, 1),
  };
  console.log(JSON.stringify(out, null, 2));
}
