import { createRng } from '../adapters/selection';
import type { SelectionParams } from '../config/card';
import { firstDifference, orderDiff } from './diff';
import { judgeCheck, type CheckFailure } from './invariants';
import { applyOverrides, type Order, type Probe, type ResolvedCase, type RunOutcome, type SelectionRun } from './model';

/**
 * A case is evaluated in two pure steps so the engine can sit anywhere (in-thread reference,
 * worker thread, external process): `planCase` lists the selections to make (probes), the
 * engine answers them, `judgeCase` checks the answers.
 */
export interface CasePlan {
  probes: Probe[];
  /** slot name → [probe index, run index] */
  slots: Record<string, [number, number]>;
  params: SelectionParams;
}

export interface CaseResult {
  name: string;
  kind: ResolvedCase['kind'];
  passed: boolean;
  failures: CheckFailure[];
  /** Checks that did not apply to this case's data, with why. */
  notApplicable: Array<{ check: string; reason: string }>;
  /** Selections the engine made for this case. */
  runs: number;
}

/** The parameters a case runs with: pinned cases their own, invariant cases the proposal's. */
export function caseParams(c: ResolvedCase, proposed: SelectionParams): SelectionParams {
  return c.kind === 'pinned' ? c.params : applyOverrides(proposed, c.overrides);
}

export function planCase(c: ResolvedCase, proposed: SelectionParams): CasePlan {
  const params = caseParams(c, proposed);
  const main: SelectionRun[] = [];
  const probes: Probe[] = [{ candidates: c.candidates, runs: main }];
  const slots: Record<string, [number, number]> = {};
  const add = (slot: string, run: SelectionRun, probe = 0) => {
    if (slots[slot]) return;
    probes[probe].runs.push(run);
    slots[slot] = [probe, probes[probe].runs.length - 1];
  };
  add('base', { params, seed: c.seed });
  if (c.kind === 'invariant') {
    for (const check of c.checks) {
      switch (check.type) {
        case 'deterministic':
          for (let r = 1; r < check.runs; r++) add(`repeat:${r}`, { params, seed: c.seed });
          break;
        case 'hd_missing_not_first':
        case 'greedy_tie_break':
          add('greedy', { params: { ...params, method: 'greedy' }, seed: c.seed });
          break;
        case 'hd_missing_first_rate':
          for (let i = 0; i < check.seeds; i++) add(`rate:${i}`, { params, seed: `${c.seed}#${i}` });
          break;
        case 'input_order_independent':
          if (!slots.reversed) {
            probes.push({ candidates: [...c.candidates].reverse(), runs: [] });
            add('reversed', { params, seed: c.seed }, probes.length - 1);
            probes.push({ candidates: shuffled(c.candidates, `${c.name}:${c.seed}`), runs: [] });
            add('shuffled', { params, seed: c.seed }, probes.length - 1);
          }
          break;
        default:
          break; // judged on the base run
      }
    }
  }
  return { probes, slots, params };
}

/** outcomes[p][r] answers probes[p].runs[r]. */
export function judgeCase(c: ResolvedCase, plan: CasePlan, outcomes: RunOutcome[][]): CaseResult {
  const runs = plan.probes.reduce((n, p) => n + p.runs.length, 0);
  const result: CaseResult = { name: c.name, kind: c.kind, passed: true, failures: [], notApplicable: [], runs };
  const failWith = (f: CheckFailure) => {
    result.passed = false;
    result.failures.push(f);
    return result;
  };
  const errors = outcomes.flatMap((o) => o.filter((x): x is { error: string } => 'error' in x));
  if (errors.length > 0 || outcomes.length !== plan.probes.length || plan.probes.some((p, i) => outcomes[i]?.length !== p.runs.length)) {
    return failWith({
      check: 'engine_error',
      message: errors.length ? `the engine failed: ${errors[0].error}` : 'the engine answered a different number of runs than it was asked',
      seed: c.seed,
      params: plan.params,
      details: { errors: errors.length },
    });
  }
  const order = (slot: string): Order => {
    const [p, r] = plan.slots[slot];
    return (outcomes[p][r] as { order: Order }).order;
  };
  const base = order('base');

  if (c.kind === 'pinned') {
    const same = base.length === c.expected.length && base.every((x, i) => x === c.expected[i]);
    if (!same) {
      failWith({
        check: 'expected_order',
        message: `order differs from expected_order at position ${firstDifference(c.expected, base)}`,
        seed: c.seed,
        params: plan.params,
        expected: c.expected,
        actual: base,
        diff: orderDiff(c.expected, base),
      });
    }
    return result;
  }

  for (const check of c.checks) {
    const v = judgeCheck(check, { candidates: c.candidates, now: c.now, seed: c.seed, params: plan.params, base, get: order });
    if (v.ok === 'n/a') result.notApplicable.push({ check: check.type, reason: v.reason });
    else if (v.ok === false) failWith(v.failure);
  }
  return result;
}

function shuffled<T>(items: T[], seed: string): T[] {
  const rng = createRng(`golden-shuffle:${seed}`);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** Answers probes in-process with a selection function (the reference engine, or a test double). */
export function answerProbes(
  probes: Probe[],
  now: string,
  select: (candidates: Probe['candidates'], params: SelectionParams, opts: { seed: string | number; now: Date }) => { order: Order },
): RunOutcome[][] {
  const at = new Date(now);
  return probes.map((p) =>
    p.runs.map((r) => {
      try {
        return { order: select(p.candidates, r.params, { seed: r.seed, now: at }).order };
      } catch (err) {
        return { error: err instanceof Error ? err.message : String(err) };
      }
    }),
  );
}
