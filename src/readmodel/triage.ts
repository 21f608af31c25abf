/** The GitHub issues the weekly triage opened, open or closed (7.4). */
import type { Deps } from '../activities/deps';
import type { TrackedIssue } from '../adapters/github';
import type { TriageReport } from '../domain/triage';

export interface TriageIssues {
  issues: TrackedIssue[];
  /** Why there are none to show (GitHub disabled, no token), else null. */
  reason: string | null;
}

export async function triageIssues(
  deps: Pick<Deps, 'config' | 'triageLog'>,
  channel: string,
  reports = 8,
  env: NodeJS.ProcessEnv = process.env,
): Promise<TriageIssues> {
  // Octokit is loaded only by the command that needs it.
  const { githubFromConfig } = await import('../adapters/github');
  const t = githubFromConfig(deps.config().incident_triage.github, env);
  if (!t.tracker) return { issues: [], reason: t.reason };
  const numbers = deps.triageLog
    .list(channel, reports)
    .flatMap((rec) => ((rec.report as TriageReport).issues ?? []).map((i) => i.issue?.number))
    .filter((n): n is number => typeof n === 'number');
  return { issues: await t.tracker.status(numbers), reason: null };
}
