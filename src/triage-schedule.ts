import { ScheduleOverlapPolicy, type Client, type WorkflowHandle } from '@temporalio/client';
import type { AutopilotConfig } from './config/schema';
import { SA_CHANNEL } from './workflows/messages';
import { triageScheduleId, triageWorkflowId, type WeeklyTriageInput } from './workflows/triage-messages';
import type { weeklyTriage } from './workflows/triage';

/** The schedule's calendar: incident_triage.schedule (Sunday 02:00 UTC by default, 7.1). */
export function triageCalendar(config: AutopilotConfig) {
  const s = config.incident_triage.schedule;
  return { dayOfWeek: s.day_of_week, hour: s.hour, minute: s.minute };
}

/**
 * Creates or updates `autopilot-triage/<channel>` (7.1): weekly at the configured UTC time,
 * overlap SKIP, a one-hour catch-up window (not the default year).
 */
export async function ensureWeeklyTriageSchedule(client: Client, config: AutopilotConfig, channel: string): Promise<'created' | 'updated'> {
  const scheduleId = triageScheduleId(channel);
  const spec = { calendars: [triageCalendar(config)] };
  const action = {
    type: 'startWorkflow' as const,
    workflowType: 'weeklyTriage',
    workflowId: triageWorkflowId(channel, 'scheduled'),
    taskQueue: config.temporal.task_queue,
    args: [{ channel } satisfies WeeklyTriageInput],
    typedSearchAttributes: [{ key: SA_CHANNEL, value: channel }],
  };
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' as const };
  const handle = client.schedule.getHandle(scheduleId);
  try {
    await handle.describe();
  } catch {
    await client.schedule.create({ scheduleId, spec, action, policies, memo: { channel } });
    return 'created';
  }
  await handle.update((prev) => ({ ...prev, spec, action, policies }));
  return 'updated';
}

/** Runs the triage now (CLI `vvtvctl autopilot triage`, tests). */
export async function startTriage(client: Client, taskQueue: string, input: WeeklyTriageInput, suffix?: string): Promise<WorkflowHandle<typeof weeklyTriage>> {
  return client.workflow.start('weeklyTriage', {
    taskQueue,
    workflowId: triageWorkflowId(input.channel, suffix ?? `manual-${new Date().toISOString().replace(/[:.]/g, '-')}`),
    args: [input],
    typedSearchAttributes: [{ key: SA_CHANNEL, value: input.channel }],
  }) as Promise<WorkflowHandle<typeof weeklyTriage>>;
}
