import type { Client, WorkflowHandle } from '@temporalio/client';
import { upsertSchedule } from './client';
import type { AutopilotConfig } from './config/schema';
import { SA_CHANNEL } from './workflows/messages';
import { triageScheduleId, triageWorkflowId, type WeeklyTriageInput } from './workflows/triage-messages';
import type { weeklyTriage } from './workflows/triage';

/** The schedule's calendar: incident_triage.schedule (Sunday 02:00 UTC by default, 7.1). */
export function triageCalendar(config: AutopilotConfig) {
  const s = config.incident_triage.schedule;
  return { dayOfWeek: s.day_of_week, hour: s.hour, minute: s.minute };
}

/** `autopilot-triage/<channel>`: weekly at the configured UTC time (7.1). */
export async function ensureWeeklyTriageSchedule(client: Client, config: AutopilotConfig, channel: string): Promise<'created' | 'updated'> {
  return upsertSchedule(client, {
    scheduleId: triageScheduleId(channel),
    calendar: triageCalendar(config),
    workflowType: 'weeklyTriage',
    workflowId: triageWorkflowId(channel, 'scheduled'),
    taskQueue: config.temporal.task_queue,
    args: [{ channel } satisfies WeeklyTriageInput],
    channel,
  });
}

/** Runs the triage now (CLI `vvtvctl autopilot triage`, tests). */
export async function startTriage(
  client: Client,
  taskQueue: string,
  input: WeeklyTriageInput,
  suffix?: string,
): Promise<WorkflowHandle<typeof weeklyTriage>> {
  return client.workflow.start('weeklyTriage', {
    taskQueue,
    workflowId: triageWorkflowId(input.channel, suffix ?? `manual-${new Date().toISOString().replace(/[:.]/g, '-')}`),
    args: [input],
    typedSearchAttributes: [{ key: SA_CHANNEL, value: input.channel }],
  }) as Promise<WorkflowHandle<typeof weeklyTriage>>;
}
