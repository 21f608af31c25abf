import { Octokit } from '@octokit/rest';
import type { IssueRef } from '../../domain/triage';
import { commentBody, issueBody, issueTitle, markerOf, patternMarker, weekMarker, type IssueContext } from './template';

export type IssueState = 'open' | 'closed';

/** An issue the triage opened, read back (status tracking). */
export interface TrackedIssue {
  number: number;
  state: IssueState;
  title: string;
  url: string;
  fingerprint: string | null;
  closedAt: string | null;
  updatedAt: string | null;
}

/** Where triage findings that need a human go (7.4), in domain terms. */
export interface IssueTracker {
  /** Opens an issue for the pattern, or comments on the open one carrying its marker. */
  report(ctx: IssueContext): Promise<IssueRef>;
  /** Open/closed state of the given issues. */
  status(numbers: number[]): Promise<TrackedIssue[]>;
  /** Every issue with the triage labels and a triage marker. */
  list(state?: IssueState | 'all'): Promise<TrackedIssue[]>;
}

export interface GithubOptions {
  /** `owner/name` */
  repo: string;
  /** REST base URL: https://api.github.com, a GHES `/api/v3` URL, or a test server. */
  apiUrl: string;
  token: string;
  labels: string[];
  /** Pages of 100 issues read when looking for an open issue (default 10). */
  maxPages?: number;
  /** Per-request time limit (default 15 s): a hung connection never holds the activity. */
  timeoutMs?: number;
}

const silent = { debug() {}, info() {}, warn() {}, error() {} };

interface RawIssue {
  number: number;
  state: string;
  title: string;
  html_url: string;
  body?: string | null;
  closed_at?: string | null;
  updated_at?: string | null;
  pull_request?: unknown;
}

const tracked = (i: RawIssue): TrackedIssue => ({
  number: i.number,
  state: i.state === 'closed' ? 'closed' : 'open',
  title: i.title,
  url: i.html_url,
  fingerprint: markerOf(i.body),
  closedAt: i.closed_at ?? null,
  updatedAt: i.updated_at ?? null,
});

/**
 * GitHub issues through Octokit (REST): `POST /repos/{o}/{r}/issues`, `GET …/issues?labels&state`,
 * `GET|POST …/issues/{n}/comments`, `GET …/issues/{n}`. The token goes only into the
 * Authorization header; Octokit's own log is silenced so nothing prints request details.
 */
export class GithubIssueTracker implements IssueTracker {
  private readonly octokit: Octokit;
  private readonly owner: string;
  private readonly name: string;

  constructor(private readonly opts: GithubOptions) {
    const [owner, name] = opts.repo.split('/');
    if (!owner || !name) throw new Error(`incident_triage.github.repo: expected owner/name, got ${opts.repo}`);
    this.owner = owner;
    this.name = name;
    const timeoutMs = opts.timeoutMs ?? 15_000;
    const timedFetch = (url: string | URL | Request, init?: RequestInit) => fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    this.octokit = new Octokit({
      auth: opts.token,
      baseUrl: opts.apiUrl.replace(/\/$/, ''),
      userAgent: 'vvtv-autopilot-triage',
      log: silent,
      request: { fetch: timedFetch },
    });
  }

  private get repo() {
    return { owner: this.owner, repo: this.name };
  }

  /** The open issue whose body carries the pattern's marker (pull requests excluded). */
  async findOpen(fingerprint: string): Promise<RawIssue | null> {
    const marker = patternMarker(fingerprint);
    const max = this.opts.maxPages ?? 10;
    for (let page = 1; page <= max; page++) {
      const { data } = await this.octokit.rest.issues.listForRepo({
        ...this.repo,
        labels: this.opts.labels.join(','),
        state: 'open',
        per_page: 100,
        page,
      });
      const hit = (data as RawIssue[]).find((i) => !i.pull_request && (i.body ?? '').includes(marker));
      if (hit) return hit;
      if (data.length < 100) return null;
    }
    return null;
  }

  private async weekAlreadyReported(issue: RawIssue, marker: string): Promise<boolean> {
    if ((issue.body ?? '').includes(marker)) return true;
    const comments = await this.octokit.paginate(this.octokit.rest.issues.listComments, {
      ...this.repo,
      issue_number: issue.number,
      per_page: 100,
    });
    return comments.some((c) => (c.body ?? '').includes(marker));
  }

  async report(ctx: IssueContext): Promise<IssueRef> {
    const fp = ctx.suggestion.fingerprint;
    const open = await this.findOpen(fp);
    if (open) {
      // A retried activity or a re-run for the same week never comments twice.
      if (await this.weekAlreadyReported(open, weekMarker(fp, ctx.weekStart)))
        return { number: open.number, url: open.html_url, action: 'unchanged' };
      await this.octokit.rest.issues.createComment({ ...this.repo, issue_number: open.number, body: commentBody(ctx) });
      return { number: open.number, url: open.html_url, action: 'commented' };
    }
    const { data } = await this.octokit.rest.issues.create({
      ...this.repo,
      title: issueTitle(ctx.channel, ctx.suggestion.pattern),
      body: issueBody(ctx),
      labels: this.opts.labels,
    });
    return { number: data.number, url: data.html_url, action: 'created' };
  }

  async status(numbers: number[]): Promise<TrackedIssue[]> {
    const out: TrackedIssue[] = [];
    for (const n of [...new Set(numbers)]) {
      const { data } = await this.octokit.rest.issues.get({ ...this.repo, issue_number: n });
      out.push(tracked(data as RawIssue));
    }
    return out;
  }

  async list(state: IssueState | 'all' = 'all'): Promise<TrackedIssue[]> {
    const all = await this.octokit.paginate(this.octokit.rest.issues.listForRepo, {
      ...this.repo,
      labels: this.opts.labels.join(','),
      state,
      per_page: 100,
    });
    return (all as RawIssue[]).filter((i) => !i.pull_request && markerOf(i.body) !== null).map(tracked);
  }
}

/** The tracker the config asks for, or null and why (7.4: disabled → issue: null with a reason). */
export function githubFromConfig(
  cfg: { enabled: boolean; repo: string; api_url: string; token_env: string; labels: string[] },
  env: NodeJS.ProcessEnv,
): { tracker: IssueTracker; reason: null } | { tracker: null; reason: string } {
  if (!cfg.enabled) return { tracker: null, reason: 'GitHub issues disabled (incident_triage.github.enabled is false)' };
  const token = env[cfg.token_env];
  if (!token) return { tracker: null, reason: `GitHub issues disabled: environment variable ${cfg.token_env} is not set` };
  return { tracker: new GithubIssueTracker({ repo: cfg.repo, apiUrl: cfg.api_url, token, labels: cfg.labels }), reason: null };
}
