import pino from 'pino';
import {
  GithubIssueTracker,
  githubFromConfig,
  issueBody,
  issueTitle,
  markerOf,
  patternMarker,
  commentBody,
  type IssueContext,
} from '../../../src/adapters/github';
import { createTriageActivities } from '../../../src/activities/triage';
import type { Deps } from '../../../src/activities';
import { triage, type PatchSuggestion } from '../../../src/domain/triage';
import { FakeGithub } from './fake-github';
import { SETTINGS, WEEK_END, WEEK_START, cycle, facts } from './fixtures';

const WEEK2_START = WEEK_END;
const WEEK2_END = '2025-03-16T00:00:00.000Z';

function timeoutSuggestion(n = 4): { ctx: IssueContext; s: PatchSuggestion } {
  const r = triage(
    facts({
      cycles: Array.from({ length: n }, (_, i) => cycle('failed', i * 10, { error: `operation timed out during analysing (${i})` })),
    }),
    SETTINGS,
  );
  const s = r.suggestions[0];
  return { s, ctx: { channel: 'main', weekStart: WEEK_START, weekEnd: WEEK_END, counts: r.counts, suggestion: s } };
}

describe('issue templating (7.4)', () => {
  test('the title is `[vvtv-autopilot][<channel>] <pattern>` and stable across weeks', () => {
    const { s } = timeoutSuggestion(4);
    expect(issueTitle('main', s.pattern)).toBe('[vvtv-autopilot][main] performance: operation_timeout');
    expect(timeoutSuggestion(7).s.pattern).toBe(s.pattern);
  });

  test('the body carries the marker, the failure analysis, the counts and the recommended action', () => {
    const { ctx, s } = timeoutSuggestion(4);
    const body = issueBody(ctx);
    expect(body.startsWith(patternMarker(s.fingerprint))).toBe(true);
    expect(markerOf(body)).toBe(s.fingerprint);
    expect(body).toContain('occurred **4** times in the week (threshold: more than 3)');
    expect(body).toContain('| performance | 4 |');
    expect(body).toContain('| **total** | **4** |');
    expect(body).toContain('operation timed out during analysing (3)');
    expect(body).toContain('### Recommended action');
    expect(body).toContain('operation_timeout_minutes');
    expect(body).toContain('"threshold": 3');
  });

  test('a comment reports the new week without a pattern marker (only issues match the marker)', () => {
    const { ctx } = timeoutSuggestion(5);
    const c = commentBody({ ...ctx, weekStart: WEEK2_START, weekEnd: WEEK2_END });
    expect(markerOf(c)).toBeNull();
    expect(c).toContain(`Seen again: week ${WEEK2_START}`);
  });
});

describe('GitHub issues against a local REST server (7.4)', () => {
  const gh = new FakeGithub();
  let tracker: GithubIssueTracker;
  beforeAll(async () => {
    await gh.start();
    tracker = new GithubIssueTracker({ repo: 'acme/vvtv', apiUrl: gh.url, token: gh.token, labels: ['vvtv-autopilot', 'triage'] });
  });
  afterAll(() => gh.stop());

  test('opens one issue, then re-runs of the week change nothing and the next week comments on it', async () => {
    gh.seed({ title: 'unrelated', labels: ['vvtv-autopilot', 'triage'], body: 'no marker here' });
    gh.seed({
      title: 'a PR',
      labels: ['vvtv-autopilot', 'triage'],
      body: patternMarker(timeoutSuggestion().s.fingerprint),
      pull_request: { url: 'x' },
    });
    const { ctx, s } = timeoutSuggestion(4);

    const first = await tracker.report(ctx);
    expect(first).toMatchObject({ action: 'created', number: 3 });
    const create = gh.writes()[0];
    expect(create.path).toBe('/repos/acme/vvtv/issues');
    expect(create.headers.authorization).toBe(`token ${gh.token}`);
    expect(create.body.title).toBe('[vvtv-autopilot][main] performance: operation_timeout');
    expect(create.body.labels).toEqual(['vvtv-autopilot', 'triage']);
    expect(create.body.body).toContain(`<!-- vvtv-triage:${s.fingerprint} -->`);
    expect(create.body.body).toContain('| performance | 4 |');
    const search = gh.requests.find((r) => r.method === 'GET' && r.path === '/repos/acme/vvtv/issues')!;
    expect(search.query).toMatchObject({ labels: 'vvtv-autopilot,triage', state: 'open' });

    expect(await tracker.report(ctx)).toMatchObject({ action: 'unchanged', number: 3 });
    expect(gh.writes()).toHaveLength(1);

    const next = await tracker.report({ ...ctx, weekStart: WEEK2_START, weekEnd: WEEK2_END });
    expect(next).toMatchObject({ action: 'commented', number: 3 });
    const comment = gh.writes()[1];
    expect(comment.path).toBe('/repos/acme/vvtv/issues/3/comments');
    expect(comment.body.body).toContain(`Seen again: week ${WEEK2_START}`);
    expect(await tracker.report({ ...ctx, weekStart: WEEK2_START, weekEnd: WEEK2_END })).toMatchObject({ action: 'unchanged' });
    expect(gh.writes()).toHaveLength(2);
    expect(gh.issues.filter((i) => markerOf(i.body) === s.fingerprint && !i.pull_request)).toHaveLength(1);
  });

  test('status tracking reads the issues back open or closed; a closed pattern that recurs gets a new issue', async () => {
    const { ctx, s } = timeoutSuggestion(4);
    const open = await tracker.report(ctx);
    expect((await tracker.status([open.number]))[0]).toMatchObject({ number: open.number, state: 'open', fingerprint: s.fingerprint });
    gh.close(open.number);
    expect((await tracker.status([open.number]))[0]).toMatchObject({ state: 'closed' });
    expect((await tracker.status([open.number]))[0].closedAt).not.toBeNull();

    const again = await tracker.report({ ...ctx, weekStart: '2025-03-23T00:00:00.000Z' });
    expect(again.action).toBe('created');
    expect(again.number).not.toBe(open.number);
    const listed = await tracker.list('all');
    expect(listed.map((i) => [i.number, i.state])).toEqual([
      [again.number, 'open'],
      [open.number, 'closed'],
    ]);
  });

  test('a hung connection fails after the request time limit', async () => {
    const quick = new GithubIssueTracker({ repo: 'acme/vvtv', apiUrl: gh.url, token: gh.token, labels: ['triage'], timeoutMs: 100 });
    gh.hang = true;
    const err = await quick.status([1]).catch((e) => e);
    gh.hang = false;
    expect(err).toBeInstanceOf(Error);
    expect(String(err.message)).toMatch(/abort|timeout/i);
  });

  test('a wrong token fails with the HTTP status, never echoing the token', async () => {
    const bad = new GithubIssueTracker({ repo: 'acme/vvtv', apiUrl: gh.url, token: 'wrong-secret', labels: ['triage'] });
    const err = await bad.report(timeoutSuggestion().ctx).catch((e) => e);
    expect(err.status).toBe(401);
    expect(String(err.message)).not.toContain('wrong-secret');
  });
});

describe('triage issue activity', () => {
  const gh = new FakeGithub();
  beforeAll(() => gh.start());
  afterAll(() => gh.stop());
  const deps = (github: Record<string, unknown>) =>
    ({ config: () => ({ incident_triage: { github } }), logger: pino({ level: 'silent' }) }) as unknown as Deps;
  const cfg = (over: Record<string, unknown> = {}) => ({
    enabled: true,
    repo: 'acme/vvtv',
    api_url: gh.url,
    token_env: 'VVTV_GH',
    labels: ['triage'],
    ...over,
  });
  const input = () => {
    const { ctx, s } = timeoutSuggestion();
    return { channel: 'main', weekStart: ctx.weekStart, weekEnd: ctx.weekEnd, counts: ctx.counts, suggestions: [s] };
  };

  test('disabled or without a token: the suggestion keeps issue null and the reason', async () => {
    const off = await createTriageActivities(deps(cfg({ enabled: false })), { env: { VVTV_GH: 'x' } }).openTriageIssues(input());
    expect(off[0]).toMatchObject({ issue: null, reason: expect.stringContaining('enabled is false') });
    const noToken = await createTriageActivities(deps(cfg()), { env: {} }).openTriageIssues(input());
    expect(noToken[0]).toMatchObject({ issue: null, reason: expect.stringContaining('VVTV_GH is not set') });
    expect(githubFromConfig(cfg(), { VVTV_GH: 'abc' }).tracker).toBeInstanceOf(GithubIssueTracker);
    expect(gh.requests).toHaveLength(0);
  });

  test('a GitHub outage is reported in the outcome, not thrown', async () => {
    gh.failWith = 503;
    const out = await createTriageActivities(deps(cfg()), { env: { VVTV_GH: gh.token } }).openTriageIssues(input());
    gh.failWith = null;
    expect(out[0]).toMatchObject({ issue: null, reason: expect.stringContaining('HTTP 503') });
    expect(out[0].reason).not.toContain(gh.token);
  });
});
