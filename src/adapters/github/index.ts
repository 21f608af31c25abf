export { GithubIssueTracker, githubFromConfig } from './issue-tracker';
export type { GithubOptions, IssueState, IssueTracker, TrackedIssue } from './issue-tracker';
export { TITLE_PREFIX, commentBody, issueBody, issueTitle, markerOf, patternMarker, weekMarker } from './template';
export type { IssueContext } from './template';
