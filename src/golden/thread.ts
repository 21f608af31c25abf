/**
 * Worker-thread entry of the golden runner: evaluates a chunk of cases on the reference
 * selection and answers with their results. Loaded by WorkerPool (pool.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { selectPlans } from '../adapters/selection';
import type { SelectionParams } from '../config/card';
import { answerProbes, judgeCase, planCase, type CaseResult } from './evaluate';
import type { ResolvedCase } from './model';
import { materialize } from './resolve';

export interface ChunkTask {
  cases: ResolvedCase[];
  proposed: SelectionParams;
}

export function evaluateChunk(task: ChunkTask): CaseResult[] {
  return task.cases.map((lazy) => {
    const c = materialize(lazy);
    const plan = planCase(c, task.proposed);
    return judgeCase(c, plan, answerProbes(plan.probes, c.now, selectPlans));
  });
}

// Only inside a pool thread (jest or a host may run this module on a thread of their own).
if (parentPort && (workerData as { vvtvGolden?: boolean } | null)?.vvtvGolden) {
  const port = parentPort;
  port.on('message', (msg: { id: number; payload: ChunkTask }) => {
    try {
      port.postMessage({ id: msg.id, ok: true, value: evaluateChunk(msg.payload) });
    } catch (err) {
      port.postMessage({ id: msg.id, ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    }
  });
}
