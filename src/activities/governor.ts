import { WithStartWorkflowOperation, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import type { CycleOutcome } from '../adapters/state-store';
import type { Alert } from '../adapters/alerts';
import { ValidationError } from '../config/errors';
import type { DriftEvent, ReportedOutcome } from '../domain/governor';
import type { GovernorAlert } from '../domain/governor';
import { governorSettings } from '../governor/settings';
import { SA_CHANNEL } from '../workflows/messages';
import {
  SA_STATE,
  governorStatusQuery,
  governorWorkflowId,
  mayRunUpdate,
  registerCanaryUpdate,
  reportOutcomeUpdate,
  type AutopilotGovernorWorkflow,
  type MayRunAnswer,
  type OutcomeAnswer,
  type OutcomeReport,
  type RegisterCanaryAnswer,
} from '../workflows/governor-messages';
import { guard, type Deps } from './deps';

/** Every outcome the state store knows can be reported to the governor (checked at compile time). */
type Assert<T extends true> = T;
export type OutcomesMatch = Assert<CycleOutcome extends ReportedOutcome ? (ReportedOutcome extends CycleOutcome ? true : false) : false>;

export interface GovernorDeps extends Deps {
  /** The governor is reached through the client (update-with-start), so these run on any worker. */
  client: Client;
}

/**
 * Activities on both sides of the governor: the cycle asks it (may I run, my canary, my outcome)
 * through update-with-start, which starts the channel's governor when it is missing; the governor
 * stores drift events, alerts and audit records through the others.
 */
export function createGovernorActivities(deps: GovernorDeps) {
  const now = () => (deps.now ? deps.now() : new Date());

  async function callGovernor<Ret, Arg>(channel: string, update: UpdateDefinition<Ret, [Arg]>, arg: Arg, updateId: string): Promise<Ret> {
    return guard(async () => {
      const c = deps.config();
      const start = new WithStartWorkflowOperation<AutopilotGovernorWorkflow>('autopilotGovernor', {
        workflowId: governorWorkflowId(channel),
        taskQueue: c.temporal.task_queue,
        args: [{ channel, settings: governorSettings(c) }],
        workflowIdConflictPolicy: 'USE_EXISTING',
        typedSearchAttributes: [
          { key: SA_CHANNEL, value: channel },
          { key: SA_STATE, value: 'running' },
        ],
      });
      try {
        return await deps.client.workflow.executeUpdateWithStart(update, { args: [arg], updateId, startWorkflowOperation: start });
      } catch (err) {
        // A validator refused the payload: retrying cannot help.
        if (err instanceof WorkflowUpdateFailedError) {
          const msg = err.cause?.message ?? err.message;
          throw new ValidationError(`governor ${update.name}`, msg.includes('\n  - ') ? msg.split('\n  - ').slice(1) : [msg]);
        }
        throw err;
      }
    });
  }

  return {
    /** Asks the channel's governor for permission; an allowed cycle becomes the running one. */
    async governorMayRun(input: { channel: string; cycleId: string; at: string }): Promise<MayRunAnswer> {
      const settings = governorSettings(deps.config());
      return callGovernor(
        input.channel,
        mayRunUpdate,
        { cycleId: input.cycleId, at: input.at, settings },
        `mayRun/${input.cycleId}/${input.at}`,
      );
    },

    /** Tells the governor which canary runs, so an emergency pause can roll it back (9.1). */
    async governorRegisterCanary(input: { channel: string; cycleId: string; canaryId: string }): Promise<RegisterCanaryAnswer> {
      return callGovernor(
        input.channel,
        registerCanaryUpdate,
        { cycleId: input.cycleId, canaryId: input.canaryId },
        `registerCanary/${input.canaryId}`,
      );
    },

    /** Reports the cycle's outcome; the governor applies the drift rules and says what it did. */
    async governorReportOutcome(input: OutcomeReport & { channel: string }): Promise<OutcomeAnswer> {
      const { channel, ...report } = input;
      return callGovernor(channel, reportOutcomeUpdate, report, `reportOutcome/${input.cycleId}`);
    },

    /**
     * Is the channel paused now (9.1, 9.2)? The config's emergency flag, or the governor's pause
     * (operator, emergency, safety). A paused channel never promotes: its canary rolls back.
     */
    async channelPause(input: { channel: string }): Promise<{ paused: boolean; by: string | null; reason: string | null }> {
      const c = deps.config();
      if (c.autopilot.emergency_pause) return { paused: true, by: 'config', reason: 'emergency_pause is set in autopilot.yaml' };
      if (!c.autopilot.enabled) return { paused: true, by: 'config', reason: 'autopilot.enabled is false in autopilot.yaml' };
      try {
        const s = await deps.client.workflow.getHandle(governorWorkflowId(input.channel)).query(governorStatusQuery);
        return s.pause ? { paused: true, by: s.pause.by, reason: s.pause.reason } : { paused: false, by: null, reason: null };
      } catch (err) {
        // No governor yet: nobody has paused this channel.
        if ((err as Error).name === 'WorkflowNotFoundError') return { paused: false, by: null, reason: null };
        throw err;
      }
    },

    /** Stores a drift event with its numbers and action (idempotent). */
    async recordDriftEvent(input: { event: DriftEvent }): Promise<number> {
      const { event: e } = input;
      const id = deps.driftLog.record({
        channel: e.channel,
        at: e.at,
        kind: e.rule,
        action: e.action,
        numbers: eventNumbers(e),
        resolved_at: e.resolvedAt,
      });
      deps.logger.warn({ channel: e.channel, drift: e }, `drift event: ${e.rule} → ${e.action}`);
      return id;
    },

    /** Marks a stored drift event resolved (pause over, drift mode left, back within target). */
    async resolveDriftEvent(input: { event: DriftEvent }): Promise<boolean> {
      const { event: e } = input;
      if (!e.resolvedAt) return false;
      // Recording first makes the pair order-independent (an event resolved before it was stored).
      deps.driftLog.record({ channel: e.channel, at: e.at, kind: e.rule, action: e.action, numbers: eventNumbers(e), resolved_at: null });
      const done = deps.driftLog.resolve(e.channel, e.rule, e.at, e.resolvedAt);
      deps.logger.info({ channel: e.channel, eventId: e.id, rule: e.rule, resolvedAt: e.resolvedAt }, 'drift event resolved');
      return done;
    },

    /** An alert from the governor: into the audit log, then to the alert sinks (8.5, 9.4). */
    async raiseGovernorAlert(alert: GovernorAlert & { channel: string }): Promise<void> {
      const a: Alert = alert;
      await deps.alerts.raise(a); // the alerter stores it in the audit log first
    },

    /** Pauses, resumes, overrides, drift mode: each is an audit record with its reason (8.4, 9.4). */
    async recordGovernorDecision(input: {
      channel: string;
      kind: string;
      summary: string;
      payload: unknown;
      cycleId?: string;
    }): Promise<void> {
      deps.auditLog.record({
        channel: input.channel,
        cycle_id: input.cycleId ?? null,
        at: now().toISOString(),
        kind: input.kind,
        summary: input.summary,
        payload: input.payload,
      });
      deps.logger.info({ channel: input.channel, kind: input.kind, decision: input.payload }, input.summary);
    },
  };
}

function eventNumbers(e: DriftEvent): Record<string, unknown> {
  return {
    eventId: e.id,
    severity: e.severity,
    message: e.message,
    numbers: e.numbers,
    ...(e.series ? { series: e.series } : {}),
    ...(e.parameters ? { parameters: e.parameters } : {}),
    ...(e.triageFlagged ? { triageFlagged: true } : {}),
    ...(e.pauseMs !== undefined ? { pauseMs: e.pauseMs, backoffLevel: e.backoffLevel } : {}),
  };
}

export type GovernorActivities = ReturnType<typeof createGovernorActivities>;
