import { log, upsertSearchAttributes } from '@temporalio/workflow';
import { operationActivities, triageBootActivities } from './proxies';
import { triage, withOutcomes, type AppliedAdjustment, type IssueOutcome, type TriageReport } from '../domain/triage';
import { SA_CHANNEL } from './messages';
import type { WeeklyTriageInput } from './triage-messages';

/**
 * The weekly incident triage (7.1-7.5): gather the week's facts → categorise, count, find
 * patterns and suggest patches (pure) → apply the high-confidence bounds suggestions → open
 * GitHub issues for the manual reviews → store the report and return it.
 */
export async function weeklyTriage(input: WeeklyTriageInput): Promise<TriageReport> {
  const { channel } = input;
  const apply = input.apply !== false;
  upsertSearchAttributes([{ key: SA_CHANNEL, value: channel }]);
  const boot = triageBootActivities();
  const { facts, settings, operationTimeoutMs } = await boot.gatherTriageFacts({ channel, weekEnd: input.weekEnd });
  const acts = operationActivities(operationTimeoutMs);

  const report = triage(facts, settings);
  log.info('triage computed', { channel, weekStart: report.weekStart, counts: report.counts, patterns: report.patterns.length });

  const toApply = report.suggestions.filter((s) => s.autoApply && s.kind !== 'manual_review');
  let applied: AppliedAdjustment[] = [];
  if (toApply.length && apply) applied = await acts.applyTriageBounds({ channel, weekStart: report.weekStart, suggestions: toApply });
  else if (toApply.length) {
    applied = toApply.map((s) => ({
      fingerprint: s.fingerprint,
      parameter: s.parameter!,
      kind: s.kind as AppliedAdjustment['kind'],
      status: 'skipped',
      oldMin: s.basis!.min,
      oldMax: s.basis!.max,
      newMin: s.proposed!.min,
      newMax: s.proposed!.max,
      at: report.weekEnd,
      reason: 'dry run',
    }));
  }

  const manual = report.suggestions.filter((s) => s.kind === 'manual_review');
  const issues: IssueOutcome[] =
    manual.length && apply
      ? await acts.openTriageIssues({
          channel,
          weekStart: report.weekStart,
          weekEnd: report.weekEnd,
          counts: report.counts,
          suggestions: manual,
        })
      : manual.map((s) => ({ fingerprint: s.fingerprint, pattern: s.pattern, issue: null, reason: 'dry run' }));

  const final = withOutcomes(report, applied, issues, apply ? 'apply' : 'dry_run');
  await acts.saveTriageReport({ report: final });
  return final;
}
