import { upsertSearchAttributes } from '@temporalio/workflow';
import type { RollbackResult } from '../activities';
import { operatorActivities } from './proxies';
import { SA_CHANNEL } from './messages';

export interface OperatorRollbackInput {
  channel: string;
  versionId: string;
  by: string;
  reason: string;
}

/**
 * `vvtvctl autopilot rollback <version>` (5.3, 9.2): restores a stored version through the worker,
 * so the action is durable, visible in the Web UI and audited like every other change. It runs
 * while the autopilot is paused too: it is the operator's way out.
 */
export async function operatorRollback(input: OperatorRollbackInput): Promise<RollbackResult> {
  upsertSearchAttributes([{ key: SA_CHANNEL, value: input.channel }]);
  return operatorActivities().rollbackToVersion({ channel: input.channel, versionId: input.versionId, by: input.by, reason: input.reason });
}
