import fc from 'fast-check';
import { selectPlans, type Candidate } from '../../../src/adapters/selection';
import type { SelectionParams } from '../../../src/config/card';
import {
  answerProbes,
  buildDefaultGoldenSet,
  judgeCase,
  orderDiff,
  planCase,
  referenceHdFirstProbability,
  resolveCases,
  type CaseResult,
  type ResolvedCase,
} from '../../../src/golden';
import { PARAMS } from './fixtures';

type Select = Parameters<typeof answerProbes>[2];

const set = buildDefaultGoldenSet();
const cases = resolveCases(set);
const byName = (name: string) => cases.find((c) => c.name === name)!;

function evaluate(c: ResolvedCase, params: SelectionParams, select: Select = selectPlans): CaseResult {
  const plan = planCase(c, params);
  return judgeCase(c, plan, answerProbes(plan.probes, c.now, select));
}

const failedChecks = (r: CaseResult) => [...new Set(r.failures.map((f) => f.check))].sort();

describe('golden invariants (6.2): hold for the reference, catch broken engines', () => {
  it('every shipped case passes on the reference selection for any parameters inside the hard ranges', () => {
    fc.assert(
      fc.property(
        fc.record({
          method: fc.constantFrom('gumbel_top_k' as const, 'softmax' as const, 'greedy' as const),
          temperature: fc.double({ min: 0.1, max: 2.0, noNaN: true }),
          top_k: fc.integer({ min: 1, max: 30 }),
          plan_selection_bias: fc.double({ min: -0.3, max: 0.3, noNaN: true }),
          epsilon: fc.double({ min: 0, max: 0.3, noNaN: true }),
        }),
        (params) => {
          for (const c of cases) {
            if (c.name === 'edge-huge-list') continue; // exercised below, once (it is the slow one)
            const r = evaluate(c, params);
            if (!r.passed) throw new Error(`${c.name}: ${JSON.stringify(r.failures[0])}`);
          }
        },
      ),
      { numRuns: 25, seed: 20250601 },
    );
    expect(evaluate(byName('edge-huge-list'), { ...PARAMS, temperature: 2.0, epsilon: 0.3, top_k: 30 }).passed).toBe(true);
  });

  it('fails top_k and shows the extra plans when the engine ignores top_k', () => {
    const ignoreTopK: Select = (cands, params, opts) => selectPlans(cands, { ...params, top_k: 1000 }, opts);
    const r = evaluate(byName('inv-proposed-mixed'), PARAMS, ignoreTopK);
    expect(r.passed).toBe(false);
    const f = r.failures.find((x) => x.check === 'top_k')!;
    expect(f.message).toBe('returned 12 plans; top_k is 8');
    expect(f.actual).toHaveLength(12);
    expect(f.params).toEqual(PARAMS);
    expect(f.seed).toBe('inv:inv-proposed-mixed');
  });

  it('fails a pinned case with expected vs actual and a diff when the engine changes the order', () => {
    const swapFirstTwo: Select = (cands, params, opts) => {
      const { order, scores } = selectPlans(cands, params, opts);
      return { order: [order[1], order[0], ...order.slice(2)], scores };
    };
    const r = evaluate(byName('pin-base'), PARAMS, swapFirstTwo);
    expect(r.failures).toHaveLength(1);
    const f = r.failures[0];
    expect(f.check).toBe('expected_order');
    expect(f.message).toBe('order differs from expected_order at position 1');
    expect(f.diff).toEqual(orderDiff(f.expected!, f.actual!));
    expect(f.diff!.filter((l) => l.startsWith('-') || l.startsWith('+'))).toHaveLength(2);
  });

  it('catches duplicates, non-determinism, input-order dependence and a bad tie-break', () => {
    const dup: Select = (cands, params, opts) => {
      const { order, scores } = selectPlans(cands, params, opts);
      return { order: order.length > 1 ? [order[0], order[0], ...order.slice(2)] : order, scores };
    };
    let calls = 0;
    const flaky: Select = (cands, params, opts) => selectPlans(cands, params, { ...opts, seed: `${opts.seed}:${calls++}` });
    const firstWins: Select = (cands, params) => ({
      order: cands.slice(0, Math.min(params.top_k, cands.length)).map((c) => c.plan_id),
      scores: {},
    });
    expect(failedChecks(evaluate(byName('inv-proposed-mixed'), PARAMS, dup))).toEqual(expect.arrayContaining(['no_duplicates']));
    expect(failedChecks(evaluate(byName('inv-proposed-mixed'), PARAMS, flaky))).toEqual(expect.arrayContaining(['deterministic']));
    expect(failedChecks(evaluate(byName('edge-ties'), PARAMS, firstWins))).toEqual(['greedy_tie_break', 'input_order_independent']);
  });

  it('catches an engine that drops the hd_missing penalty, at greedy and by rate at low temperature', () => {
    const noPenalty: Select = (cands, params, opts) =>
      selectPlans(
        cands.map((c) => ({ ...c, hd_missing: false })),
        params,
        opts,
      );
    const greedy = evaluate(byName('inv-hd-penalty-greedy'), PARAMS, noPenalty);
    expect(failedChecks(greedy)).toEqual(['hd_missing_first_rate', 'hd_missing_not_first']);
    const rate = evaluate(byName('inv-hd-penalty-rate'), { ...PARAMS, temperature: 0.3 }, noPenalty);
    const f = rate.failures.find((x) => x.check === 'hd_missing_first_rate')!;
    expect(f.details!.count as number).toBeGreaterThan(f.details!.allowed as number);
  });

  it('lets a penalised plan lead at temperature 2.0 as often as the penalty allows (no false alarm)', () => {
    const r = evaluate(byName('inv-hd-penalty-rate'), { ...PARAMS, temperature: 2.0, epsilon: 0.3 });
    expect(r.passed).toBe(true);
    const unique = byName('inv-hd-penalty-rate').candidates;
    expect(referenceHdFirstProbability(unique, { ...PARAMS, temperature: 2.0, epsilon: 0.3 }, set.now)).toBeGreaterThan(0.05);
  });

  it('matches the reference hd-first probability with the observed frequency over 4,000 seeds', () => {
    const cands: Candidate[] = byName('inv-hd-penalty-rate').candidates;
    for (const method of ['gumbel_top_k', 'softmax'] as const) {
      const params = { ...PARAMS, method, temperature: 0.7, epsilon: 0.2 };
      const p = referenceHdFirstProbability(cands, params, set.now);
      let hits = 0;
      for (let i = 0; i < 4000; i++) if (selectPlans(cands, params, { seed: `m${i}`, now: new Date(set.now) }).order[0] === 'hs-hd') hits++;
      expect(Math.abs(hits / 4000 - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / 4000));
    }
  });

  it('reports checks that cannot apply to a case instead of passing or failing them', () => {
    const r = evaluate(byName('edge-empty'), PARAMS);
    expect(r.passed).toBe(true);
    const single = evaluate(byName('edge-single-hd-missing'), PARAMS);
    expect(single.passed).toBe(true);
    expect(single.notApplicable).toEqual([
      { check: 'hd_missing_not_first', reason: 'no unpenalised plan outscores the best hd_missing plan' },
    ]);
  });

  it('turns an engine error into a failed case naming the error', () => {
    const boom: Select = () => {
      throw new RangeError('selection.temperature: nope');
    };
    const r = evaluate(byName('pin-base'), PARAMS, boom);
    expect(r.failures).toEqual([
      expect.objectContaining({ check: 'engine_error', message: 'the engine failed: selection.temperature: nope' }),
    ]);
  });
});
