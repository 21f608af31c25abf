/**
 * Does the offline replay rank cards far from the live one as the truth does? (issue 12's
 * lookahead question.) For each seed: one simulated day at the static card logs its slots; the
 * replay evaluates a grid of cards up to several daily deltas away on those slots; each card's
 * replayed objective change is compared with its precise true ΔJ (the bench's Truth).
 *
 *   npx tsx bench/lookahead.ts [--seeds=5,7,31,47] [--scenario=stable] [--truth-slots=4000]
 *     [--replay-slots=120] [--day=0] [--near=0|1] [--by-size=0|1]
 *
 * Prints JSON: per seed the Spearman rank correlation over the grid, the replay's best card and
 * its true ΔJ against the true best card's, and per route (temperature-up, top_k-up) the far
 * end's replayed and true ΔJ.
 *
 * --near=1 instead checks the moves the cycle replays (± a step, ± the daily delta, one-step
 * pairs) from four live cards per seed: per KPI and kind of move, the root mean square of
 * (replayed − true relative effect) / the replay's own se, and the error beyond that se (what the
 * replay's bias allowance must cover). --by-size=1 splits each row by the size of the true
 * effect (under 2 %, 2-5 %, 5 % or more): whether that error grows with what the move does.
 */
import { selectionParams } from '../src/config/card';
import { referenceSelectionEngine } from '../src/adapters/selection';
import { objectiveOfLevels } from '../src/domain/optimizer';
import { offlineEvidence, prepareReplay, recordsOfCard, type PreparedReplay, type SlotRecord } from '../src/domain/replay';
import { replaySettingsOf } from '../src/config';
import { Simulator } from '../src/simulator';
import { scenarioNamed } from './dq/run';
import { benchConfig, cardOf, STATIC_VALUES, Truth, type Values } from './dq/world';
import { benchOptions } from './options';

const { text: option, num } = benchOptions('LOOKAHEAD_BENCH');
const opts = {
  seeds: option('seeds', '5,7,31,47').split(',').map(Number),
  scenario: option('scenario', 'stable'),
  truthSlots: num('truth-slots', 4000),
  replaySlots: num('replay-slots', 120),
  slotsPerHour: num('slots-per-hour', 10),
  day: num('day', 0),
  near: num('near', 0),
  bySize: num('by-size', 0),
};

const config = benchConfig();
const kpis = config.kpis!;
const params = config.parameters;
const start = STATIC_VALUES;

const r4 = (x: number): number => Math.round(x * 1e4) / 1e4;

function ranks(xs: number[]): number[] {
  const idx = xs.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0]);
  const r = new Array<number>(xs.length);
  idx.forEach(([, i], k) => (r[i] = k));
  return r;
}
function spearman(a: number[], b: number[]): number {
  const ra = ranks(a);
  const rb = ranks(b);
  const n = a.length;
  const ma = (n - 1) / 2;
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < n; i++) {
    num += (ra[i]! - ma) * (rb[i]! - ma);
    da += (ra[i]! - ma) ** 2;
    db += (rb[i]! - ma) ** 2;
  }
  return num / Math.sqrt(da * db);
}

/** One simulated day at `live`, its logged slots prepared for the replay, and the scenario's truth. */
function loggedDay(seed: number, live: Values): { replay: PreparedReplay; truth: Truth } {
  const sc = scenarioNamed(opts.scenario, 'scenario');
  const records: SlotRecord[] = [];
  const sim = new Simulator({
    channel: 'main',
    seed,
    noise: sc.noise,
    drift: sc.drift,
    harmfulRegion: sc.harmfulRegion,
    slotsPerHour: opts.slotsPerHour,
    source: () => ({ card: cardOf(params, live), cardSha: 'live', overlay: null }),
    sink: { insert: () => undefined },
    slotLog: { write: (rs: SlotRecord[]) => records.push(...rs) },
    slotLogShare: Math.min(1, opts.replaySlots / (opts.slotsPerHour * 24)),
  });
  const T0 = Date.parse('2026-01-01T00:00:00Z') + opts.day * 86_400_000;
  for (let h = 0; h < 24; h++) sim.runSlots(opts.slotsPerHour, new Date(T0 + h * 3_600_000));
  const base = selectionParams(cardOf(params, live));
  const replay = prepareReplay(recordsOfCard(records, base).slice(0, opts.replaySlots), referenceSelectionEngine);
  return { replay, truth: new Truth({ seed, ...sc }, params, opts.truthSlots) };
}

function runSeed(seed: number) {
  const { replay, truth } = loggedDay(seed, start);
  const ref = truth.levels(start, opts.day);
  const grid: Values[] = [];
  for (let t = 0.3; t <= 1.5 + 1e-9; t += 0.1)
    for (let k = 4; k <= 16; k += 2)
      for (const e of [0.04, 0.12, 0.2]) grid.push({ ...start, temperature: Math.round(t * 10) / 10, top_k: k, epsilon: e });
  const rows = grid.map((v) => {
    const r = replay.evaluate(selectionParams(cardOf(params, v)));
    const levels: Values = {};
    for (const k of kpis) levels[k.name] = (ref[k.name] ?? 0) * (1 + (r.kpis[k.name]?.relDiff ?? 0));
    const predicted = objectiveOfLevels(kpis, levels, ref) - objectiveOfLevels(kpis, ref, ref);
    return { values: v, predicted, true: truth.gain(kpis, v, start, opts.day), engagement: r.kpis.engagement_proxy?.method };
  });
  const rho = spearman(
    rows.map((r) => r.predicted),
    rows.map((r) => r.true),
  );
  const bestPred = rows.reduce((a, b) => (b.predicted > a.predicted ? b : a));
  const bestTrue = rows.reduce((a, b) => (b.true > a.true ? b : a));
  const route = (f: (v: Values) => boolean) => {
    const rs = rows.filter((r) => f(r.values));
    const p = rs.reduce((a, b) => (b.predicted > a.predicted ? b : a));
    const t = rs.reduce((a, b) => (b.true > a.true ? b : a));
    return { bestByReplay: { ...p.values, predicted: r4(p.predicted), true: r4(p.true) }, bestTrue: { ...t.values, true: r4(t.true) } };
  };
  return {
    seed,
    slots: replay.slots,
    cards: rows.length,
    spearman: r4(rho),
    meanAbsError: r4(rows.reduce((a, r) => a + Math.abs(r.predicted - r.true), 0) / rows.length),
    bestByReplay: { ...bestPred.values, predicted: r4(bestPred.predicted), true: r4(bestPred.true) },
    bestTrue: { ...bestTrue.values, true: r4(bestTrue.true) },
    regret: r4(bestTrue.true - bestPred.true),
    routes: {
      temperature: route((v) => v.temperature >= 0.8 && v.top_k <= 10),
      top_k: route((v) => v.temperature <= 0.6 && v.top_k >= 10),
    },
  };
}

/** Live cards the near check replays from: the static card and three the learner passes through. */
const LIVE: Values[] = [
  start,
  { ...start, temperature: 0.7, top_k: 11, epsilon: 0.08 },
  { ...start, temperature: 0.6, top_k: 12 },
  { ...start, temperature: 0.8, top_k: 9 },
];

/** The replayed moves against the truth: per KPI and kind of move, squared z and squared errors. */
function nearCheck() {
  const acc: Record<string, { z2: number; err2: number; se2: number; n: number; xy: number; xx: number }> = {};
  for (const seed of opts.seeds)
    for (const live of LIVE) {
      const { replay, truth } = loggedDay(seed, live);
      const base = selectionParams(cardOf(params, live));
      const ev = offlineEvidence({
        replay,
        base,
        params,
        current: live,
        kpis: kpis.map((k) => k.name),
        settings: replaySettingsOf(config.optimizer),
        now: 'bench',
      });
      const ref = truth.levels(live, opts.day);
      for (const mv of ev.moves) {
        const v = { ...live };
        for (const [p, d] of Object.entries(mv.deltas)) v[p] = Math.round((v[p]! + d) * 1e6) / 1e6;
        const t = truth.levels(v, opts.day);
        const wide = Object.entries(mv.deltas).some(([p, d]) => Math.abs(d) > params.find((x) => x.name === p)!.step + 1e-9);
        const kind = Object.keys(mv.deltas).length === 2 ? 'pair' : wide ? 'daily delta' : 'one step';
        for (const [k, e] of Object.entries(mv.kpis)) {
          const effect = t[k]! / ref[k]! - 1;
          const err = e.relDiff - effect;
          // --by-size=1: also by the size of the true effect (does the error grow with it?).
          const size = Math.abs(effect) < 0.02 ? 'under 2 %' : Math.abs(effect) < 0.05 ? '2-5 %' : '5 % or more';
          const a = (acc[`${k} (${e.method}), ${kind}${opts.bySize ? `, effect ${size}` : ''}`] ??= {
            z2: 0,
            err2: 0,
            se2: 0,
            n: 0,
            xy: 0,
            xx: 0,
          });
          a.z2 += (err / e.relSe) ** 2;
          a.xy += e.relDiff * effect;
          a.xx += effect * effect;
          a.err2 += err * err;
          a.se2 += e.relSe * e.relSe;
          a.n += 1;
        }
      }
      process.stderr.write(`seed ${seed}, live ${JSON.stringify(live)}: ${ev.moves.length} moves\n`);
    }
  return Object.fromEntries(
    Object.entries(acc).map(([k, a]) => [
      k,
      {
        moves: a.n,
        rmsZ: r4(Math.sqrt(a.z2 / a.n)),
        rmsError: r4(Math.sqrt(a.err2 / a.n)),
        rmsSe: r4(Math.sqrt(a.se2 / a.n)),
        errorBeyondSe: r4(Math.sqrt(Math.max(0, (a.err2 - a.se2) / a.n))),
        // Least-squares slope through 0 of the replayed on the true effect (1: unbiased; < 1: attenuated).
        slope: a.xx > 0 ? r4(a.xy / a.xx) : null,
      },
    ]),
  );
}

const started = performance.now();
const out = opts.near
  ? { near: nearCheck() }
  : {
      seeds: opts.seeds.map((s) => {
        const r = runSeed(s);
        process.stderr.write(`seed ${s}: spearman ${r.spearman}, regret ${r.regret}\n`);
        return r;
      }),
    };
console.log(JSON.stringify({ options: opts, ...out, seconds: Math.round((performance.now() - started) / 1000) }, null, 2));
