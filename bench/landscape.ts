/**
 * The true objective over temperature × top_k (the other parameters held), and what a learner
 * that climbs one parameter at a time can reach on it. Issue 12's question: why does the learner
 * stop below the reachable oracle on seeds it was never tuned on?
 *
 *   npx tsx bench/landscape.ts [--seed=269] [--scenario=stable] [--day=0] [--slots=4000]
 *     [--temperature=0.3,1.5] [--top-k=6,16] [--at='{"plan_selection_bias":0,"epsilon":0.04}']
 *     [--min-gain=0.005] [--table=0|1]
 *
 * Every cell is the gain of the card over the static card on the bench's precise truth
 * (dq/world.ts Truth: the same `slots` evaluation slots for every card, the scenario's noise).
 * Prints JSON:
 *   grid       gain per cell, rows by temperature, columns by top_k;
 *   ridge      for each top_k, the temperature that earns most, and its gain;
 *   climbs     greedy climbs from the static card that take, each day, the best move gaining at
 *              least `min-gain`: `single` moves one parameter by at most its daily delta (as the
 *              cycle with max_changes_per_cycle 1), `pair` also both at once; where each stops,
 *              after how many moves, and at what gain;
 *   stalls     the cells where no single move gains `min-gain` but a pair does (a ridge that runs
 *              across the axes), with that pair's gain.
 * --table=1 also prints the grid as a table (gain in %) to stderr.
 */
import { snapValue } from '../src/domain/parameters';
import type { ParamDef } from '../src/domain/types';
import { scenarioNamed } from './dq/run';
import { benchConfig, STATIC_VALUES, Truth, type Values } from './dq/world';
import { benchOptions } from './options';

const { text, num } = benchOptions('LANDSCAPE_BENCH');

const range = (name: string, fallback: string): [number, number] => {
  const raw = text(name, fallback);
  const parts = raw.split(',').map(Number);
  if (parts.length !== 2 || !parts.every(Number.isFinite) || parts[0]! > parts[1]!)
    throw new Error(`--${name}: expected "low,high" with low ≤ high, got ${raw}`);
  return [parts[0]!, parts[1]!];
};

const opts = {
  seed: num('seed', 269),
  scenario: text('scenario', 'stable'),
  day: num('day', 0),
  slots: num('slots', 4000),
  temperature: range('temperature', '0.3,1.5'),
  topK: range('top-k', '6,16'),
  at: JSON.parse(text('at', '{"plan_selection_bias":0,"epsilon":0.04}')) as Values,
  minGain: num('min-gain', 0.005),
  table: num('table', 0),
};

const config = benchConfig();
const kpis = config.kpis!;
const params = config.parameters;
const start = STATIC_VALUES;
const sc = scenarioNamed(opts.scenario, 'scenario');
for (const [k, v] of Object.entries(opts.at))
  if (!params.some((p) => p.name === k) || !Number.isFinite(v)) throw new Error(`--at: ${k} is not a parameter with a number`);

const param = (name: string): ParamDef => params.find((p) => p.name === name)!;
const T = param('temperature');
const K = param('top_k');
const r4 = (x: number): number => Math.round(x * 1e4) / 1e4;

const temps: number[] = [];
for (let t = opts.temperature[0]; t <= opts.temperature[1] + 1e-9; t += T.step) temps.push(snapValue(T, t));
const ks: number[] = [];
for (let k = Math.ceil(opts.topK[0]); k <= opts.topK[1]; k += K.step) ks.push(k);
if (!temps.some((t) => Math.abs(t - start.temperature!) < 1e-9) || !ks.includes(start.top_k!))
  throw new Error(
    `--temperature, --top-k: the grid must hold the static card (temperature ${start.temperature}, ` +
      `top_k ${start.top_k}), where the climbs start`,
  );
const ti = new Map(temps.map((t, i) => [t, i]));
const ki = new Map(ks.map((k, i) => [k, i]));

const truth = new Truth({ seed: opts.seed, noise: sc.noise, drift: sc.drift, harmfulRegion: sc.harmfulRegion }, params, opts.slots);
const fixed = { ...start, ...opts.at };
const grid: number[][] = temps.map((t) => ks.map((k) => truth.gain(kpis, { ...fixed, temperature: t, top_k: k }, start, opts.day)));
const at = (t: number, k: number): number | undefined => {
  const i = ti.get(snapValue(T, t));
  const j = ki.get(k);
  return i === undefined || j === undefined ? undefined : grid[i]![j];
};

/** Moves within the daily deltas: temperature by one step, top_k by up to its daily delta; pairs combine them. */
const tMoves = [-T.step, T.step];
const kMoves: number[] = [];
for (let d = K.step; d <= K.max_daily_delta; d += K.step) kMoves.push(-d, d);
interface Move {
  dt: number;
  dk: number;
}
const singles: Move[] = [...tMoves.map((dt) => ({ dt, dk: 0 })), ...kMoves.map((dk) => ({ dt: 0, dk }))];
const pairs: Move[] = tMoves.flatMap((dt) => kMoves.map((dk) => ({ dt, dk })));

function best(t: number, k: number, moves: Move[]): { to: [number, number]; gain: number } | null {
  const here = at(t, k)!;
  let top: { to: [number, number]; gain: number } | null = null;
  for (const m of moves) {
    const v = at(t + m.dt, k + m.dk);
    if (v !== undefined && (top === null || v - here > top.gain)) top = { to: [snapValue(T, t + m.dt), k + m.dk], gain: v - here };
  }
  return top;
}

function climb(moves: Move[]) {
  let t = start.temperature!;
  let k = start.top_k!;
  const path: Array<[number, number]> = [[t, k]];
  for (;;) {
    const b = best(t, k, moves);
    if (!b || b.gain < opts.minGain) break;
    [t, k] = b.to;
    path.push([t, k]);
  }
  return { stopsAt: { temperature: t, top_k: k }, moves: path.length - 1, gain: r4(at(t, k)!), path };
}

const stalls: Array<{
  temperature: number;
  top_k: number;
  gain: number;
  bestSingle: number;
  bestPair: { to: [number, number]; gain: number };
}> = [];
for (const t of temps)
  for (const k of ks) {
    const s = best(t, k, singles);
    const p = best(t, k, pairs);
    if (s && p && s.gain < opts.minGain && p.gain >= opts.minGain)
      stalls.push({ temperature: t, top_k: k, gain: r4(at(t, k)!), bestSingle: r4(s.gain), bestPair: { to: p.to, gain: r4(p.gain) } });
  }

let top = { temperature: temps[0]!, top_k: ks[0]!, gain: -Infinity };
for (const t of temps) for (const k of ks) if (at(t, k)! > top.gain) top = { temperature: t, top_k: k, gain: at(t, k)! };

if (opts.table) {
  process.stderr.write(`T \\ top_k${ks.map((k) => String(k).padStart(7)).join('')}\n`);
  temps.forEach((t, i) =>
    process.stderr.write(String(t).padEnd(9) + grid[i]!.map((g) => (g * 100).toFixed(1).padStart(7)).join('') + '\n'),
  );
}

console.log(
  JSON.stringify(
    {
      seed: opts.seed,
      scenario: opts.scenario,
      day: opts.day,
      slots: opts.slots,
      at: fixed,
      temperatures: temps,
      topK: ks,
      grid: grid.map((row) => row.map(r4)),
      best: { ...top, gain: r4(top.gain) },
      ridge: ks.map((k) => {
        const col = temps.map((t) => at(t, k)!);
        const i = col.indexOf(Math.max(...col));
        return { top_k: k, temperature: temps[i], gain: r4(col[i]!) };
      }),
      climbs: { single: climb(singles), pair: climb([...singles, ...pairs]) },
      stalls,
    },
    null,
    2,
  ),
);
