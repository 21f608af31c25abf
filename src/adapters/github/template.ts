/**
 * Triage issue templating (7.4): a stable title, a body with the failure analysis, the week's
 * counts and the recommended action, and hidden markers that let the next run find the issue.
 */
import { FAILURE_CATEGORIES, type CategoryCounts, type PatchSuggestion } from '../../domain/triage';

export const TITLE_PREFIX = '[vvtv-autopilot]';

/** `<!-- vvtv-triage:<fingerprint> -->`: the pattern an issue tracks. */
export const patternMarker = (fingerprint: string) => `<!-- vvtv-triage:${fingerprint} -->`;
/** `<!-- vvtv-triage-week:<fingerprint>:<weekStart> -->`: the week an issue or comment reported. */
export const weekMarker = (fingerprint: string, weekStart: string) => `<!-- vvtv-triage-week:${fingerprint}:${weekStart} -->`;

const MARKER_RE = /<!-- vvtv-triage:([0-9a-f]{8}) -->/;
/** The fingerprint an issue body carries, or null. */
export function markerOf(body: string | null | undefined): string | null {
  return body ? (MARKER_RE.exec(body)?.[1] ?? null) : null;
}

export interface IssueContext {
  channel: string;
  weekStart: string;
  weekEnd: string;
  counts: CategoryCounts;
  suggestion: PatchSuggestion;
}

export const issueTitle = (channel: string, pattern: string) => `${TITLE_PREFIX}[${channel}] ${pattern}`;

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ').slice(0, 300);

function analysis(c: IssueContext): string[] {
  const s = c.suggestion;
  const parameter = s.parameter ? `, parameter \`${s.parameter}\`` : '';
  const lines = [
    '### Failure analysis',
    `The pattern **${s.pattern}** occurred **${s.count}** times in the week (threshold: more than ${s.numbers.threshold ?? '?'}), ` +
      `in ${s.numbers.cycles ?? '?'} cycles. Category \`${s.category}\`, rule \`${s.rule}\`${parameter}.`,
    '',
    '| at | cycle | detail |',
    '|---|---|---|',
    ...s.examples.map((i) => `| ${i.at} | ${i.cycleId ? `\`${i.cycleId}\`` : '—'} | ${cell(i.detail)} |`),
  ];
  if (s.examples.length < s.count)
    lines.push('', `_${s.count - s.examples.length} earlier occurrence(s) are in the stored triage report._`);
  return lines;
}

/** The body of a new issue. */
export function issueBody(c: IssueContext): string {
  const s = c.suggestion;
  return [
    patternMarker(s.fingerprint),
    weekMarker(s.fingerprint, c.weekStart),
    `## ${s.pattern}`,
    '',
    `Channel \`${c.channel}\` · week ${c.weekStart} → ${c.weekEnd} · confidence ${s.confidence} · suggestion \`${s.kind}\``,
    '',
    ...analysis(c),
    '',
    '### Failures this week by category',
    '| category | count |',
    '|---|---|',
    ...FAILURE_CATEGORIES.map((k) => `| ${k} | ${c.counts[k]} |`),
    `| **total** | **${c.counts.total}** |`,
    '',
    '### Recommended action',
    s.rationale,
    '',
    '### Evidence',
    '```json',
    JSON.stringify(s.numbers, null, 2),
    '```',
    '',
    '_Opened by the VVTV Autopilot weekly incident triage (requirement 7.4). ' +
      'The hidden marker above lets the next triage comment here instead of opening a duplicate; ' +
      'close the issue once handled (a later recurrence opens a new one)._',
  ].join('\n');
}

/** A comment on an issue already open for the pattern: this week's occurrences. */
export function commentBody(c: IssueContext): string {
  const s = c.suggestion;
  return [
    weekMarker(s.fingerprint, c.weekStart),
    `### Seen again: week ${c.weekStart} → ${c.weekEnd}`,
    '',
    ...analysis(c),
    '',
    `Failures this week: ${FAILURE_CATEGORIES.map((k) => `${k} ${c.counts[k]}`).join(', ')} (total ${c.counts.total}).`,
    '',
    `**Recommended action:** ${s.rationale}`,
  ].join('\n');
}
