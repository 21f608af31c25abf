import { createHash } from 'node:crypto';
import {
  Client,
  Connection,
  ScheduleAlreadyRunning,
  ScheduleOverlapPolicy,
  WorkflowNotFoundError,
  type CalendarSpec,
  type WorkflowHandle,
} from '@temporalio/client';
import type { AutopilotConfig } from './config/schema';
import { connectOrExplain, temporalConnectionOptions, type TemporalSection } from './connection';
import {
  SA_CHANNEL,
  canaryDecisionSignal,
  canaryStatusQuery,
  cycleStatusQuery,
  cycleWorkflowId,
  dailyScheduleId,
  type CanaryStatus,
  type CycleInput,
  type OperatorDecision,
} from './workflows/messages';
import type { autopilotCycle, autopilotGovernor } from './workflows';
import type { SignalDefinition } from '@temporalio/common';
import { SA_STATE, governorStatusQuery, governorWorkflowId, type GovernorStatus } from './workflows/governor-messages';
import { governorSettings } from './governor/settings';
import type { OperatorRollbackInput } from './workflows/operator';
import type { RollbackResult } from './activities';
import { depositBypassToken } from './adapters/bypass-box';
import type { GovernorReading } from './readmodel';

/** A client on the connection the config's `temporal:` section describes (address, TLS, API key). */
export async function connectClient(
  temporal: TemporalSection,
  connectTimeoutMs?: number,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Client> {
  const { namespace, ...opts } = temporalConnectionOptions(temporal, env);
  if (connectTimeoutMs) await probeTcp(opts.address, connectTimeoutMs);
  const connection = await connectOrExplain({ namespace, ...opts }, temporal, 'client', () =>
    Connection.connect({ ...opts, ...(connectTimeoutMs ? { connectTimeout: connectTimeoutMs } : {}) }),
  );
  return new Client({ connection, namespace });
}

/** Fails at once when nothing listens at host:port (gRPC would retry until its deadline). */
async function probeTcp(address: string, timeoutMs: number): Promise<void> {
  const m = /^(.*):(\d+)$/.exec(address);
  if (!m) return;
  const { connect } = await import('node:net');
  await new Promise<void>((resolveP, reject) => {
    const s = connect({ host: m[1].replace(/^\[|\]$/g, ''), port: Number(m[2]) });
    const fail = (why: string) => (s.destroy(), reject(new Error(why)));
    s.setTimeout(timeoutMs, () => fail(`no answer within ${timeoutMs} ms`));
    s.once('connect', () => (s.destroy(), resolveP()));
    s.once('error', (err: NodeJS.ErrnoException) => fail(err.code ?? err.message));
  });
}

export interface ScheduledWorkflow {
  scheduleId: string;
  calendar: CalendarSpec;
  workflowType: string;
  workflowId: string;
  taskQueue: string;
  args: unknown[];
  channel: string;
}

/**
 * Creates or updates a Temporal Schedule for one channel's workflow: overlap SKIP (a run still
 * going makes the next one wait for the day after) and a one-hour catch-up window, not the
 * default year.
 */
export async function upsertSchedule(client: Client, w: ScheduledWorkflow): Promise<'created' | 'updated'> {
  const spec = { calendars: [w.calendar] };
  const action = {
    type: 'startWorkflow' as const,
    workflowType: w.workflowType,
    workflowId: w.workflowId,
    taskQueue: w.taskQueue,
    args: w.args,
    typedSearchAttributes: [{ key: SA_CHANNEL, value: w.channel }],
  };
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' as const };
  const handle = client.schedule.getHandle(w.scheduleId);
  let exists = true;
  try {
    await handle.describe();
  } catch {
    exists = false;
  }
  if (!exists) {
    try {
      await client.schedule.create({ scheduleId: w.scheduleId, spec, action, policies, memo: { channel: w.channel } });
      return 'created';
    } catch (err) {
      // Another host created it between our describe and our create (hosts start together): update it instead.
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    }
  }
  await handle.update((prev) => ({ ...prev, spec, action, policies }));
  return 'updated';
}

/**
 * A channel's daily UTC time: hour:minute plus its own offset in [0, spread_minutes), from a hash
 * of its name (stable across restarts and hosts; wraps past midnight).
 */
export function dailyTime(s: { hour: number; minute: number; spread_minutes: number }, channel: string): { hour: number; minute: number } {
  const offset = s.spread_minutes > 0 ? createHash('sha256').update(channel).digest().readUInt32BE(0) % s.spread_minutes : 0;
  const at = (s.hour * 60 + s.minute + offset) % (24 * 60);
  return { hour: Math.floor(at / 60), minute: at % 60 };
}

/** `autopilot-daily/<channel>` at the configured UTC time (1.1), spread over `spread_minutes`. */
export async function ensureDailySchedule(client: Client, config: AutopilotConfig, channel: string): Promise<'created' | 'updated'> {
  return upsertSchedule(client, {
    scheduleId: dailyScheduleId(channel),
    calendar: dailyTime(config.autopilot.schedule, channel),
    workflowType: 'autopilotCycle',
    workflowId: cycleWorkflowId(channel, 'scheduled'),
    taskQueue: config.temporal.task_queue,
    args: [{ channel, trigger: 'schedule' } satisfies CycleInput],
    channel,
  });
}

/** Starts a cycle now (manual trigger, demo, tests). */
export async function startCycle(
  client: Client,
  taskQueue: string,
  input: Omit<CycleInput, 'trigger'> & { trigger?: CycleInput['trigger'] },
  suffix?: string,
): Promise<WorkflowHandle<typeof autopilotCycle>> {
  const workflowId = cycleWorkflowId(input.channel, suffix ?? `manual-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  return client.workflow.start('autopilotCycle', {
    taskQueue,
    workflowId,
    args: [{ trigger: 'manual', ...input }],
    typedSearchAttributes: [{ key: SA_CHANNEL, value: input.channel }],
  }) as Promise<WorkflowHandle<typeof autopilotCycle>>;
}

export async function canaryStatus(client: Client, canaryId: string): Promise<CanaryStatus> {
  return client.workflow.getHandle(canaryId).query(canaryStatusQuery);
}

export async function cycleStatus(client: Client, cycleId: string) {
  return client.workflow.getHandle(cycleId).query(cycleStatusQuery);
}

export async function decideCanary(client: Client, canaryId: string, d: OperatorDecision): Promise<void> {
  await client.workflow.getHandle(canaryId).signal(canaryDecisionSignal, d);
}

/** Link to a workflow run in the Temporal Web UI. */
export function uiLink(uiUrl: string, namespace: string, workflowId: string, runId?: string): string {
  const base = `${uiUrl.replace(/\/$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return runId ? `${base}/${encodeURIComponent(runId)}` : base;
}

/** Sends a signal to a channel's governor, starting it if it is not running yet. */
export async function signalGovernor<P>(
  client: Client,
  config: AutopilotConfig,
  channel: string,
  signal: SignalDefinition<[P]>,
  payload: P,
): Promise<void> {
  await client.workflow.signalWithStart<typeof autopilotGovernor, [P]>('autopilotGovernor', {
    workflowId: governorWorkflowId(channel),
    taskQueue: config.temporal.task_queue,
    args: [{ channel, settings: governorSettings(config) }],
    signal: signal.name,
    signalArgs: [payload],
    typedSearchAttributes: [
      { key: SA_CHANNEL, value: channel },
      { key: SA_STATE, value: 'running' },
    ],
  });
}

export async function governorStatus(client: Client, channel: string): Promise<GovernorStatus> {
  return client.workflow.getHandle(governorWorkflowId(channel)).query(governorStatusQuery);
}

/**
 * Asks a channel's governor for its status within `timeoutMs` (a query waits for a worker). A
 * governor that was never started or has ended reads as `not_started`: nothing pauses the channel.
 */
export async function readGovernor(client: Client, channel: string, timeoutMs = 3000): Promise<GovernorReading> {
  const handle = client.workflow.getHandle(governorWorkflowId(channel));
  try {
    return await client.withDeadline(Date.now() + timeoutMs, async () => {
      const { status } = await handle.describe();
      if (status.name !== 'RUNNING') {
        return { state: 'not_started', reason: `${handle.workflowId} is ${status.name.toLowerCase()}` } as const;
      }
      return { state: 'running', status: await handle.query(governorStatusQuery) } as const;
    });
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return { state: 'not_started', reason: `no workflow ${handle.workflowId}` };
    return { state: 'unreachable', reason: `${handle.workflowId} did not answer: ${(err as Error).message}` };
  }
}

/**
 * Starts an emergency deployment (9.2). With a bypass token, the token is first left in the data
 * dir's drop box for this cycle id, so it never travels through Temporal.
 */
export async function forceDeploy(
  client: Client,
  config: AutopilotConfig,
  input: { channel: string; changes: Array<{ parameter: string; value: number }>; reason: string; by: string; bypassToken?: string },
): Promise<WorkflowHandle<typeof autopilotCycle>> {
  const suffix = `force-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  if (input.bypassToken) depositBypassToken(config, cycleWorkflowId(input.channel, suffix), input.bypassToken);
  const bypass = input.bypassToken ? { bypassGolden: { by: input.by, reason: input.reason } } : {};
  const cycle = { channel: input.channel, changes: input.changes, reason: input.reason, ...bypass };
  return startCycle(client, config.temporal.task_queue, cycle, suffix);
}

/** Restores a stored card version through the worker (operatorRollback workflow) and waits. */
export async function rollbackToVersion(client: Client, taskQueue: string, input: OperatorRollbackInput): Promise<RollbackResult> {
  return client.workflow.execute('operatorRollback', {
    taskQueue,
    workflowId: `operator-rollback/${input.channel}/${new Date().toISOString().replace(/[:.]/g, '-')}`,
    args: [input],
    typedSearchAttributes: [{ key: SA_CHANNEL, value: input.channel }],
  });
}
