/**
 * One policy over one scenario of bench/decision-quality.ts: the simulator plays the live card
 * every simulated hour; once a day the policy decides; the learning policy runs the same domain
 * functions as the cycle's steps (analysis → proposeForCycle: the optimizer, or the rules on a cold
 * start → gateChanges → canary judge on simulated canary data → experimentOf → bounds update), the rules policy
 * applies proposer.ts without a canary. The canary is measured as measureCanary does
 * (activities/canary.ts): variance-reduced by reduceKpiVariance on the moments the metrics store
 * would aggregate (dq/world.ts CanaryAccumulator), with the simulator's paired tags and the
 * daypart covariate from the hourly store's pre-period.
 */
import { analyzeWindow, type HourAggregate } from '../../src/domain/analysis';
import { DEFAULT_BOUNDS_POLICY, initialBounds, updateBounds, validateChange, type BoundsPolicy } from '../../src/domain/bounds';
import { canaryPurpose, judgeCanary, stageOfCheck } from '../../src/domain/canary';
import { forecastPass, gateChanges } from '../../src/domain/cycle';
import { experimentOf, proposeForCycle, type CanaryPlan, type Experiment } from '../../src/domain/optimizer';
import { offlineImpactOf, offlineMoveOf } from '../../src/domain/optimizer/offline';
import { proposeChanges } from '../../src/domain/optimizer/rules';
import { DEFAULT_RULES } from '../../src/config/rules';
import type {
  CanaryVerdict,
  GroupSummary,
  KpiDef,
  KpiVarianceReduction,
  ParamDef,
  ParameterBounds,
  ParameterChange,
} from '../../src/domain/types';
import { Simulator, type HarmfulRegion, type MetricRow } from '../../src/simulator';
import { referenceSelectionEngine } from '../../src/adapters/selection';
import { selectionParams } from '../../src/config/card';
import { offlineEvidence, prepareReplay, recordsOfCard, replayMoves, type ReplaySettings, type SlotRecord } from '../../src/domain/replay';
import type { OfflineEvidence, OfflineMove } from '../../src/domain/optimizer/types';
import { snapValue } from '../../src/domain/parameters';
import { predictionError, reduceKpiVariance } from '../../src/activities/canary';
import { storedMetricType } from '../../src/domain/metric-names';
import { expireDue, mayRun } from '../../src/domain/governor';
import { reportOutcome } from '../../src/domain/governor';
import { governorMode, initialGovernorState, type GovernorSettings } from '../../src/domain/governor';
import { CanaryAccumulator, cardOf, HourlyStore, type Truth, type Values } from './world';

export interface Scenario {
  name: string;
  seed: number;
  noise: number;
  drift: number;
  harmfulRegion?: HarmfulRegion;
  /** Days (0-based) whose metrics never reach the store. */
  outageDays: number[];
}

/** The bench's five scenarios (the seed is the run's). */
export const SCENARIOS: Record<string, Omit<Scenario, 'seed'>> = {
  stable: { name: 'stable', noise: 0.05, drift: 0, outageDays: [] },
  drift: { name: 'drift', noise: 0.05, drift: 0.0006, outageDays: [] },
  harmful: {
    name: 'harmful',
    noise: 0.05,
    drift: 0,
    harmfulRegion: { parameter: 'temperature', above: 0.85, severity: 0.3 },
    outageDays: [],
  },
  noise: { name: 'noise', noise: 0.2, drift: 0, outageDays: [] },
  outage: { name: 'outage', noise: 0.05, drift: 0, outageDays: [3, 4, 12] },
};

/** The scenario a bench flag names, or an error naming the flag and the known ones. */
export function scenarioNamed(name: string, flag: string): Omit<Scenario, 'seed'> {
  const sc = SCENARIOS[name];
  if (!sc) throw new Error(`--${flag}: expected one of ${Object.keys(SCENARIOS).join(', ')}, got ${name}`);
  return sc;
}

export interface RunSettings {
  days: number;
  slotsPerHour: number;
  canarySlots: number;
  canaryChecks: number;
  kpis: KpiDef[];
  params: ParamDef[];
  start: Values;
  canary: { trafficShare: number; confidenceLevel: number; margin: number; minSamples: number; durationMinutes: number };
  maxChanges: number;
  minSamplesForAnalysis: number;
  boundsPolicy: BoundsPolicy;
  /**
   * The governor's settings (governorSettings(config)): the learning policy asks it before each
   * cycle and reports each outcome to it, as the cycle does (pauses 4.4/4.5, drift mode 4.2,
   * recovery ramp). Absent: no governor.
   */
  governor?: GovernorSettings;
  /** Group-sequential stages of canarySlots each (the config's canary.max_stages); 1 when absent. */
  maxStages?: number;
  /** false: every canary judged on the primary, as before purposes (ablation of issue 12's rule). Default on. */
  purposes?: boolean;
  /** Extra optimizer options (tuning experiments). */
  optimizer?: Partial<import('../../src/domain/optimizer').OptimizerOptions>;
  /**
   * Offline replay (issue 12): the simulator logs the day's live (control) slots, and before each
   * proposal the learning policy replays moves around the live card on up to `maxSlots` of them,
   * as the cycle does with a slot log. Absent: no replay (VVTV as it is).
   */
  replay?: ReplaySettings;
  /**
   * The canary's variance reduction (the config's canary.variance_reduction, issue 12): the
   * regression adjustment on daypart and the paired predictions, the triggered-slot analysis with
   * its sample-ratio and placebo checks; `prePeriodDays` of the daypart covariate. Absent: the
   * config's defaults (both on, 7 days). Both off: the raw group summaries, as before issue 12.
   */
  varianceReduction?: { cuped: boolean; paired: boolean; prePeriodDays?: number };
  /**
   * Perfect knowledge (a diagnostic, not a policy): before each proposal the learner is given, in
   * place of the replay, the TRUE relative effect on every KPI of the moves the replay would try
   * (replayMoves: each parameter a step and a daily delta both ways, and the one-step pairs), from
   * `truth` (a precise one) on that day, each with standard error `relSe` and no shared error. It
   * splits the learner's shortfall into what it does not know and what its rules and its canary
   * let it do with full knowledge (the model, its 1 % misfit floor, the gate, the judge, the pace).
   */
  knowledge?: { truth: Truth; relSe: number };
}

/**
 * How a kept change is judged harmful: its true objective change on `truth` below −threshold, or
 * the harmful region. `truth` should be a precise one (many evaluation slots): a single move's
 * ΔJ on the gain trajectory's 400 slots errs by 1-2 %, as much as the threshold itself.
 */
export interface HarmJudge {
  threshold: number;
  truth: Truth;
}

export interface DayLog {
  day: number;
  values: Values;
  gain: number;
  proposals: Array<Pick<ParameterChange, 'parameter' | 'oldValue' | 'newValue' | 'changeType'> & { predicted?: number; offline?: number }>;
  canary?: {
    decision: string;
    rule: string;
    outcome: 'promoted' | 'rolled_back';
    measured: number;
    trueGain: number;
    /** The same change on the harm judge's precise truth. */
    preciseGain: number;
    /** The final verdict's variance reduction per KPI, as the product's verdict carries it. */
    varianceReduction?: Record<string, KpiVarianceReduction>;
    /** The optimizer's forecast P(this canary passes), when the optimizer chose the change (not the rule table). */
    forecastPass?: number;
  };
  analysisUsable: boolean;
  /** The governor's mode when the cycle asked (running, paused, drift), when one is simulated. */
  governor?: string;
}

export interface RunResult {
  days: DayLog[];
  canaries: number;
  rollbacks: number;
  promoted: number;
  applied: number;
  hardLimitViolations: number;
  /** Kept changes the harm judge finds harmful (precise truth). */
  harmfulKept: number;
  /** The same count on the gain trajectory's coarse truth (what the bench counted before the harm judge). */
  harmfulKeptCoarse: number;
  changeTypes: Record<string, number>;
  /** Mean |predicted − measured| primary relative effect over canaries. */
  primaryPredictionMae: number | null;
  /** Days the governor kept the learner from running (paused), and days it ran in drift mode. */
  governorPausedDays: number;
  governorDriftDays: number;
}

const T0 = Date.parse('2025-02-03T00:00:00Z');
const iso = (ms: number): string => new Date(ms).toISOString();

function violations(params: ParamDef[], before: Values, after: Values): number {
  let n = 0;
  for (const p of params) {
    const v = after[p.name]!;
    if (v < p.hard_min - 1e-9 || v > p.hard_max + 1e-9) n += 1;
    if (Math.abs(v - before[p.name]!) > p.max_daily_delta + 1e-9) n += 1;
  }
  return n;
}

export function runPolicy(policy: 'learning' | 'rules' | 'static', sc: Scenario, s: RunSettings, truth: Truth, harm: HarmJudge): RunResult {
  let values: Values = { ...s.start };
  let mode: 'live' | 'canary' = 'live';
  let overlay: { card: ReturnType<typeof cardOf>; id: string } | null = null;
  const store = new HourlyStore();
  let acc: CanaryAccumulator | null = null;
  let dropping = false;
  // The day's logged live slots (the slot log), when the learning policy replays.
  let slotRecords: SlotRecord[] = [];
  const replay = policy === 'learning' ? s.replay : undefined;
  const sim = new Simulator({
    channel: 'main',
    seed: sc.seed,
    noise: sc.noise,
    drift: sc.drift,
    harmfulRegion: sc.harmfulRegion,
    slotsPerHour: s.slotsPerHour,
    source: () => ({
      card: cardOf(s.params, values),
      cardSha: 'live',
      overlay: overlay
        ? { canary_id: overlay.id, traffic_percentage: s.canary.trafficShare, card: overlay.card, card_sha: overlay.id }
        : null,
    }),
    sink: { insert: (rows: MetricRow[]) => (mode === 'canary' ? acc!.add(rows) : dropping ? undefined : store.add(rows)) },
    ...(replay
      ? {
          slotLog: { write: (records: SlotRecord[]) => (mode === 'live' ? slotRecords.push(...records) : undefined) },
          slotLogShare: Math.min(1, replay.maxSlots / (s.slotsPerHour * 24)),
        }
      : {}),
  });
  let bounds: ParameterBounds[] = s.params.map((p) => initialBounds(p, iso(T0)));
  const experiments: Experiment[] = [];
  const out: RunResult = {
    days: [],
    canaries: 0,
    rollbacks: 0,
    promoted: 0,
    applied: 0,
    hardLimitViolations: 0,
    harmfulKept: 0,
    harmfulKeptCoarse: 0,
    changeTypes: {},
    primaryPredictionMae: null,
    governorPausedDays: 0,
    governorDriftDays: 0,
  };
  const gov = initialGovernorState('main');
  const errors: number[] = [];
  const primary = s.kpis.find((k) => k.role === 'primary')!;
  const plan: CanaryPlan = {
    durationMinutes: s.canary.durationMinutes,
    trafficShare: s.canary.trafficShare,
    confidenceLevel: s.canary.confidenceLevel,
    nonInferiorityMargin: s.canary.margin,
    expectedSamples: s.canarySlots,
    maxStages: s.maxStages ?? 1,
  };

  for (let day = 0; day < s.days; day++) {
    const dayStart = T0 + day * 86_400_000;
    dropping = sc.outageDays.includes(day);
    slotRecords = [];
    for (let h = 0; h < 24; h++) sim.runSlots(s.slotsPerHour, new Date(dayStart + h * 3_600_000));
    const log: DayLog = {
      day,
      values: { ...values },
      gain: truth.gain(s.kpis, values, s.start, day),
      proposals: [],
      analysisUsable: false,
    };
    out.days.push(log);
    if (policy === 'static') continue;

    const to = iso(dayStart + 86_400_000);
    const from = iso(dayStart);
    const hours: Record<string, HourAggregate[]> = {};
    const previous: Record<string, HourAggregate[]> = {};
    for (const k of s.kpis) {
      hours[k.name] = store.range(k.name, from, to);
      previous[k.name] = store.range(k.name, iso(dayStart - 7 * 86_400_000), from);
    }
    const analysis = analyzeWindow('main', from, to, s.kpis, hours, { windowHours: 24, minSamples: s.minSamplesForAnalysis }, previous);
    log.analysisUsable = analysis.usable;
    const before = { ...values };

    if (policy === 'rules') {
      const rules = s.optimizer?.rules ?? DEFAULT_RULES;
      const changes = proposeChanges({
        analysis,
        kpis: s.kpis,
        params: s.params,
        current: values,
        bounds,
        maxChanges: s.maxChanges,
        rules,
      });
      for (const c of changes) {
        const d = validateChange(
          c,
          s.params.find((p) => p.name === c.parameter)!,
          bounds.find((b) => b.parameter === c.parameter)!,
        );
        if (!d.approved) continue;
        const g0 = truth.gain(s.kpis, values, s.start, day);
        const p0 = harm.truth.gain(s.kpis, values, s.start, day);
        values = { ...values, [c.parameter]: c.newValue };
        out.applied += 1;
        out.changeTypes[c.changeType] = (out.changeTypes[c.changeType] ?? 0) + 1;
        log.proposals.push({ parameter: c.parameter, oldValue: c.oldValue, newValue: c.newValue, changeType: c.changeType });
        if (truth.gain(s.kpis, values, s.start, day) - g0 < -harm.threshold || truth.harmful(values)) out.harmfulKeptCoarse += 1;
        if (harm.truth.gain(s.kpis, values, s.start, day) - p0 < -harm.threshold || truth.harmful(values)) out.harmfulKept += 1;
      }
      out.hardLimitViolations += violations(s.params, before, values);
      continue;
    }

    const nowMs = Date.parse(to);
    let g = { stepScale: 1, correctionsOnly: false, overrides: [] as Parameters<typeof proposeForCycle>[0]['overrides'] };
    if (s.governor) {
      expireDue(gov, nowMs, s.governor);
      const { answer } = mayRun(gov, { cycleId: `d${day}`, at: to }, nowMs, s.governor);
      log.governor = governorMode(gov);
      if (!answer.allowed) {
        out.governorPausedDays += 1;
        continue;
      }
      if (answer.correctionsOnly) out.governorDriftDays += 1;
      g = { stepScale: answer.stepScale, correctionsOnly: answer.correctionsOnly, overrides: answer.overrides };
    }
    const offline = s.knowledge
      ? trueEvidence(s.knowledge, s, values, day, to)
      : replay
        ? replayEvidence(replay, s, values, slotRecords, to)
        : null;
    const { changes: proposed, optimizer: result } = proposeForCycle({
      now: to,
      ...(offline ? { offline } : {}),
      analysis,
      kpis: s.kpis,
      params: s.params,
      current: values,
      reference: values,
      lastKnownGood: values,
      bounds,
      overrides: g.overrides,
      experiments,
      boundsPolicy: s.boundsPolicy,
      canary: plan,
      options: {
        rules: DEFAULT_RULES,
        ...s.optimizer,
        maxChanges: s.maxChanges,
        stepScale: g.stepScale,
        correctionsOnly: g.correctionsOnly,
      },
    });
    if (process.env.DQ_DEBUG) {
      // DQ_DEBUG=all: every candidate, with the replay's primary estimate; otherwise the best four.
      const shown = process.env.DQ_DEBUG === 'all' ? result.candidates : result.candidates.slice(0, 4);
      const top = shown.map((c) => ({
        p: c.parameter,
        n: c.newValue,
        g: +c.objective.mean.toFixed(4),
        sd: +c.objective.sd.toFixed(4),
        band: +c.objective.band.toFixed(4),
        pp: +c.pProceed.toFixed(3),
        eu: +c.utility.toFixed(4),
        safe: +c.pSafe.toFixed(2),
        unx: +c.unexplored.toFixed(2),
        unc: +c.uncertainty.toFixed(2),
        why: c.why,
        // Each KPI's predicted relative effect, mean and sd (what P(safe) and P(pass) rest on).
        k: Object.fromEntries(
          Object.keys(c.prediction.mean).map((k) => [k, [+c.prediction.mean[k]!.toFixed(4), +c.prediction.sd[k]!.toFixed(4)]]),
        ),
        // The replay's estimate of the primary for the same move (single or joint), when it was replayed.
        ...(offline
          ? {
              off: offlineImpactOf(
                offlineMoveOf(offline, Object.fromEntries(c.moves.map((m) => [m.parameter, m.newValue - m.oldValue]))),
              )?.[primary.name],
            }
          : {}),
      }));
      process.stderr.write(`day ${day} ${result.reason ?? ''} ${JSON.stringify(top)}\n`);
    }
    const { decisions, approved } = gateChanges({
      proposals: proposed,
      params: s.params,
      bounds,
      overrides: g.overrides ?? [],
      reference: values,
      now: to,
    });
    for (const c of approved) {
      log.proposals.push({
        parameter: c.parameter,
        oldValue: c.oldValue,
        newValue: c.newValue,
        changeType: c.changeType,
        predicted: c.expectedImpact[primary.name],
        ...(c.offlineImpact?.[primary.name] ? { offline: c.offlineImpact[primary.name]!.relDiff } : {}),
      });
      out.changeTypes[c.changeType] = (out.changeTypes[c.changeType] ?? 0) + 1;
    }
    let outcome = 'no_change';
    if (approved.length > 0) {
      const candidate = { ...values };
      for (const c of approved) candidate[c.parameter] = c.newValue;
      out.hardLimitViolations += violations(s.params, values, candidate);
      const verdict = runCanary(
        sim,
        s,
        store,
        approved,
        candidate,
        `c${day}`,
        (o) => (overlay = o),
        (m) => (mode = m),
        (a) => (acc = a),
        dayStart + 86_400_000,
      );
      out.canaries += 1;
      const promoted = verdict.decision === 'Proceed';
      const result2: 'promoted' | 'rolled_back' = promoted ? 'promoted' : 'rolled_back';
      outcome = result2;
      const measured = verdict.kpis.find((k) => k.kpi === primary.name)?.relDiff ?? NaN;
      const trueGain = truth.gain(s.kpis, candidate, s.start, day) - truth.gain(s.kpis, values, s.start, day);
      const forecast = forecastPass(approved);
      // Precise ΔJ (many slots) only where it decides something: a kept change.
      const preciseGain = promoted ? harm.truth.gain(s.kpis, candidate, s.start, day) - harm.truth.gain(s.kpis, values, s.start, day) : NaN;
      log.canary = {
        decision: verdict.decision,
        rule: verdict.rule,
        outcome: result2,
        measured,
        trueGain,
        preciseGain,
        ...(verdict.varianceReduction ? { varianceReduction: verdict.varianceReduction } : {}),
        ...(forecast !== null ? { forecastPass: forecast } : {}),
      };
      if (process.env.DQ_DEBUG && verdict.varianceReduction) {
        const vr = Object.entries(verdict.varianceReduction).map(
          ([kpi, r]) =>
            `${kpi} ${r.method}[${r.covariates.join(',')}] -${(100 * r.varianceReduction).toFixed(0)}%` +
            (r.paired ? ` p=${r.paired.triggeredShare.toFixed(2)}` : '') +
            (r.notes.length ? ` (${r.notes.join('; ')})` : ''),
        );
        process.stderr.write(`day ${day} canary ${verdict.rule}: ${vr.join('; ')}\n`);
      }
      const predicted = approved.reduce((a, c) => a + (c.expectedImpact[primary.name] ?? 0), 0);
      if (Number.isFinite(measured)) errors.push(Math.abs(predicted - measured));
      const exp = experimentOf({
        cycle: {
          cycle_id: `d${day}`,
          started_at: to,
          finished_at: to,
          report: {
            trigger: 'schedule',
            card: { values, sha256: '', versionId: '', skipped: [], fromAbsent: [], kpis: s.kpis, kpiSource: 'config' },
            proposals: proposed,
            bounds: decisions,
          },
        },
        canary: { status: result2, verdict },
      });
      if (exp) experiments.push(exp);
      if (promoted) {
        out.promoted += 1;
        if (trueGain < -harm.threshold || truth.harmful(candidate)) out.harmfulKeptCoarse += 1;
        if (preciseGain < -harm.threshold || truth.harmful(candidate)) out.harmfulKept += 1;
        values = candidate;
      } else out.rollbacks += 1;
      if (s.governor) {
        const err = predictionError(approved, verdict);
        reportOutcome(
          gov,
          {
            cycleId: `d${day}`,
            outcome: result2,
            at: to,
            ...(err ? { predictionError: err.value } : {}),
            ...(promoted
              ? { changedParameters: approved.map((c) => c.parameter) }
              : { rolledBackParameters: approved.map((c) => c.parameter) }),
          },
          nowMs,
          s.governor,
        );
      }
    } else if (s.governor)
      reportOutcome(gov, { cycleId: `d${day}`, outcome: analysis.usable ? 'no_change' : 'skipped_bad_data', at: to }, nowMs, s.governor);
    const changed = new Set(approved.map((c) => c.parameter));
    bounds = bounds.map(
      (b) =>
        updateBounds('main', b, { outcome, changed: changed.has(b.parameter), current: values[b.parameter], at: to }, s.boundsPolicy)
          .bounds,
    );
  }
  out.primaryPredictionMae = errors.length ? errors.reduce((a, b) => a + b, 0) / errors.length : null;
  return out;
}

/**
 * The offline evidence of one day: moves around the live card replayed on the slots that played
 * it in the last `windowHours` (the cycle's loadOfflineEvidence reads the same window of the log).
 */
function replayEvidence(r: ReplaySettings, s: RunSettings, values: Values, records: SlotRecord[], now: string) {
  const base = selectionParams(cardOf(s.params, values));
  const to = Date.parse(now);
  const from = to - r.windowHours * 3_600_000;
  const own = recordsOfCard(
    records.filter((x) => Date.parse(x.at) >= from && Date.parse(x.at) <= to),
    base,
  );
  const used =
    own.length <= r.maxSlots ? own : Array.from({ length: r.maxSlots }, (_, i) => own[Math.floor((i * own.length) / r.maxSlots)]!);
  if (used.length < 2) return null;
  return offlineEvidence({
    replay: prepareReplay(used, referenceSelectionEngine),
    base,
    params: s.params,
    current: values,
    kpis: s.kpis.map((k) => k.name),
    settings: r,
    now,
  });
}

/**
 * Perfect knowledge (RunSettings.knowledge): the replay's moves around the live card with their
 * true effects on the day, as evidence of the replay's shape (independent errors of `relSe`).
 */
function trueEvidence(k: NonNullable<RunSettings['knowledge']>, s: RunSettings, values: Values, day: number, now: string): OfflineEvidence {
  const here = k.truth.levels(values, day);
  const moves: OfflineMove[] = replayMoves(s.params, values, true).map((deltas) => {
    const moved = { ...values };
    for (const [name, d] of Object.entries(deltas))
      moved[name] = snapValue(
        s.params.find((p) => p.name === name)!,
        values[name]! + d,
      );
    const there = k.truth.levels(moved, day);
    const kpis: OfflineMove['kpis'] = {};
    for (const kpi of s.kpis) {
      const a = here[kpi.name];
      const b = there[kpi.name];
      if (a !== undefined && b !== undefined && a !== 0) kpis[kpi.name] = { relDiff: b / a - 1, relSe: k.relSe, method: 'exact' };
    }
    return { deltas, slots: 0, changed: 0, kpis };
  });
  const experiments: Experiment[] = moves.map((mv, i) => ({
    id: `truth:${now}:${i}`,
    at: now,
    base: { ...values },
    deltas: mv.deltas,
    outcome: 'promoted',
    source: 'replay',
    effects: Object.fromEntries(Object.entries(mv.kpis).map(([kpi, x]) => [kpi, { relDiff: x.relDiff, relSe: x.relSe }])),
  }));
  return { at: now, slots: 0, mismatched: 0, moves, experiments };
}

/**
 * Plays the canary (overlay at trafficShare) in `checks` equal chunks a stage, up to maxStages
 * stages, judging after each chunk, until a final verdict. Each check measures the canary as
 * measureCanary does: the raw summaries, or, with variance reduction on (the default), each KPI's
 * reduceKpiVariance over the accumulated moments, whose report the verdict carries.
 */
function runCanary(
  sim: Simulator,
  s: RunSettings,
  store: HourlyStore,
  approved: ParameterChange[],
  candidate: Values,
  id: string,
  setOverlay: (o: { card: ReturnType<typeof cardOf>; id: string } | null) => void,
  setMode: (m: 'live' | 'canary') => void,
  setAcc: (a: CanaryAccumulator) => void,
  atMs: number,
): CanaryVerdict {
  const vr = s.varianceReduction ?? { cuped: true, paired: true };
  const reduce = vr.cuped || vr.paired;
  // The daypart covariate's pre-period: prePeriodDays before the canary starts at atMs (fewer
  // days exist at the start; an hour of day without rows leaves daypart out, as in the product).
  const since = atMs;
  const preFrom = iso(since - (vr.prePeriodDays ?? 7) * 86_400_000);
  const levels = new Map<string, Map<string, number>>();
  const daypart = (metricType: string, hour: string): number | undefined => {
    let byHour = levels.get(metricType);
    if (!byHour) levels.set(metricType, (byHour = store.hourOfDayLevels(metricType, preFrom, iso(since))));
    return byHour.get(hour);
  };
  const acc = new CanaryAccumulator(id, daypart);
  setAcc(acc);
  setOverlay({ card: cardOf(s.params, candidate), id });
  setMode('canary');
  const chunk = Math.max(1, Math.round(s.canarySlots / s.canaryChecks));
  let verdict: CanaryVerdict | null = null;
  const stages = Math.max(1, s.maxStages ?? 1);
  const total = s.canaryChecks * stages;
  try {
    for (let i = 1; i <= total; i++) {
      sim.runSlots(chunk, new Date(atMs + i * 60_000));
      const groups: Record<string, { control: GroupSummary; canary: GroupSummary }> = {};
      const varianceReduction: Record<string, KpiVarianceReduction> = {};
      for (const k of s.kpis) {
        const metricType = storedMetricType(k);
        groups[k.name] = { control: acc.summary(metricType, 'control'), canary: acc.summary(metricType, 'canary') };
        if (!reduce) continue;
        const r = reduceKpiVariance((covariates) => acc.cells(metricType, covariates), vr, s.canary.trafficShare);
        groups[k.name] = { control: r.control, canary: r.canary };
        varianceReduction[k.name] = r.report;
      }
      verdict = judgeCanary({
        kpis: s.kpis,
        groups,
        ...(reduce ? { varianceReduction } : {}),
        confidenceLevel: s.canary.confidenceLevel,
        nonInferiorityMargin: s.canary.margin,
        minSamplesPerGroup: s.canary.minSamples,
        ...stageOfCheck(i, total, stages),
        purpose: s.purposes === false ? undefined : canaryPurpose(approved),
      });
      if (verdict.final) break;
    }
  } finally {
    setOverlay(null);
    setMode('live');
  }
  return verdict!;
}

export { DEFAULT_BOUNDS_POLICY };
