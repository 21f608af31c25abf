/**
 * Ids and input of the weekly incident triage, shared by the workflow, the schedule helper, the
 * CLI and tests. No Node imports, no workflow APIs.
 */

export const triageScheduleId = (channel: string) => `autopilot-triage/${channel}`;
export const triageWorkflowId = (channel: string, suffix: string) => `autopilot-triage/${channel}/${suffix}`;

export interface WeeklyTriageInput {
  channel: string;
  /** End of the window (ISO, exclusive); default: the start of the current UTC day. */
  weekEnd?: string;
  /** false = dry run: report only, no bounds change, no GitHub issue. Default true. */
  apply?: boolean;
}
