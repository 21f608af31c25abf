/**
 * The decision-quality bench's oracle (bench/dq/world.ts oracleSearch) must find the best card
 * even where the objective is a ridge across two parameters, as the simulator's is across
 * temperature and top_k: moving one parameter a step falls off the ridge, so a search that moves
 * one parameter at a time stops on it (session 10 found the bench's oracle had, on every seed).
 */
import { benchConfig, oracleSearch, type Values } from '../../../bench/dq/world';

const config = benchConfig();
const params = config.parameters.filter((p) => p.name === 'temperature' || p.name === 'top_k');
const start: Values = { temperature: 0.5, top_k: 8 };

/**
 * A ridge along temperature + 0.05·top_k = 1 that rises slowly toward high top_k: on it, +0.01 a
 * top_k; a step off it (0.05 of temperature, or one top_k) costs 0.25. Within the initial bounds
 * (temperature ≥ 0.3, top_k ≤ 16) its top is temperature 0.3 with top_k 14.
 */
const ridge = (v: Values): number => -100 * (v.temperature! + 0.05 * v.top_k! - 1) ** 2 + 0.01 * v.top_k!;
const truth = { gain: (_kpis: unknown, v: Values, ref: Values) => ridge(v) - ridge(ref) };

describe('the decision-quality oracle', () => {
  it('walks a ridge across two parameters to its top within the initial bounds', () => {
    const found = oracleSearch(truth, config.kpis!, params, start, [0], 'initial_bounds');
    // One parameter at a time, the search would stop where the coarse grid first meets the ridge
    // (temperature 0.7, top_k 6: gain 0.98 over the start); the top is 0.08 higher.
    expect(found.values.temperature).toBeCloseTo(0.3, 9);
    expect(found.values.top_k).toBe(14);
    expect(found.gain).toBeCloseTo(ridge({ temperature: 0.3, top_k: 14 }) - ridge(start), 9);
  });

  it('stays within the scope it was asked for', () => {
    const wide = oracleSearch(truth, config.kpis!, params, start, [0], 'hard_limits');
    // Within the hard limits (temperature ≥ 0.1, top_k ≤ 30) the ridge goes on to temperature 0.1, top_k 18.
    expect(wide.values.temperature).toBeCloseTo(0.1, 9);
    expect(wide.values.top_k).toBe(18);
  });
});
