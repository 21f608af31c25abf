/**
 * `vvtvctl autopilot golden record`: pinned expectations recorded by the production planner itself.
 * The shipped set pins the orders of our reference selection (our RNG); an external engine draws
 * its own Gumbel noise, so its orders differ from those pins for reasons that are not bugs. This
 * asks the engine for every pinned case's order under the case's own parameters and writes a set
 * whose expectations are the engine's, for review: from then on the gate checks that the engine
 * still selects what it selected when the set was recorded (and the invariant cases, which hold
 * for any correct engine, keep checking the proposed parameters).
 */
import { callExternal, type ExternalEngine } from './external';
import { orderDiff, sameOrder } from './diff';
import { generateCandidates } from './resolve';
import { applyOverrides, type GoldenSet } from './model';

export interface RecordedCase {
  case: string;
  changed: boolean;
  diff: string[];
}

export interface Recording {
  set: string;
  recorded: GoldenSet;
  cases: RecordedCase[];
}

/** Asks the engine for every pinned case's order, in batches of `engine.batchSize`; rejects naming the first case it failed on. */
export async function recordExpectations(set: GoldenSet, engine: ExternalEngine, timeoutMs: number): Promise<Recording> {
  const probes = set.cases.map((c) => ({
    now: set.now,
    candidates: c.candidates ?? generateCandidates(c.generate!, set.now),
    runs: [{ params: applyOverrides(set.base_params, c.config_overrides), seed: c.seed }],
  }));
  const orders: string[][] = [];
  for (let first = 0; first < probes.length; first += Math.max(1, engine.batchSize)) {
    const batch = probes.slice(first, first + Math.max(1, engine.batchSize));
    const answers = await callExternal(engine, batch, { timeoutMs });
    if (answers.length !== batch.length)
      throw new Error(`golden record: the engine answered ${answers.length} cases of a batch of ${batch.length}`);
    answers.forEach((runs, i) => {
      const name = set.cases[first + i]!.name;
      const run = runs[0];
      if (!run) throw new Error(`golden record: the engine gave no order for case ${name}`);
      if ('error' in run) throw new Error(`golden record: the engine failed on case ${name}: ${run.error}`);
      orders.push(run.order);
    });
  }
  const recorded: GoldenSet = { ...set, cases: set.cases.map((c, i) => ({ ...c, expected_order: orders[i]! })) };
  const cases = set.cases.map((c, i) => ({
    case: c.name,
    changed: !sameOrder(c.expected_order, orders[i]!),
    diff: orderDiff(c.expected_order, orders[i]!),
  }));
  return { set: set.name, recorded, cases };
}
