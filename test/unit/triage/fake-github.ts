import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface GithubRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingMessage['headers'];
  body: any;
}

export interface FakeIssue {
  number: number;
  title: string;
  body: string;
  labels: string[];
  state: 'open' | 'closed';
  comments: Array<{ id: number; body: string }>;
  pull_request?: { url: string };
  closed_at: string | null;
}

/**
 * A local server speaking the subset of the GitHub REST issues API the triage uses, with the
 * real paths, query parameters, status codes and JSON shapes. Records every request.
 */
export class FakeGithub {
  readonly requests: GithubRequest[] = [];
  readonly issues: FakeIssue[] = [];
  /** Requests must carry `authorization: token <this>` (401 otherwise). */
  token = 'test-token';
  /** Forces this status on every request when set (outage simulation). */
  failWith: number | null = null;
  /** Never answers when true (hung connection). */
  hang = false;
  url = '';
  private server: Server | null = null;
  private nextComment = 1;

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const u = new URL(req.url ?? '/', 'http://x');
        const text = Buffer.concat(chunks).toString('utf8');
        const body = text ? JSON.parse(text) : null;
        const r: GithubRequest = {
          method: req.method ?? '',
          path: u.pathname,
          query: Object.fromEntries(u.searchParams),
          headers: req.headers,
          body,
        };
        this.requests.push(r);
        if (this.hang) return void setTimeout(() => res.destroy(), 5_000).unref();
        this.route(r, res);
      });
    });
    await new Promise<void>((ok) => this.server!.listen(0, '127.0.0.1', ok));
    this.url = `http://127.0.0.1:${(this.server!.address() as { port: number }).port}`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((ok) => (this.server ? this.server.close(() => ok()) : ok()));
  }

  /** Adds an issue directly (e.g. an unrelated one, or a pull request). */
  seed(i: Partial<FakeIssue> & { title: string }): FakeIssue {
    const issue: FakeIssue = { number: this.issues.length + 1, body: '', labels: [], state: 'open', comments: [], closed_at: null, ...i };
    this.issues.push(issue);
    return issue;
  }

  close(n: number): void {
    const i = this.issues.find((x) => x.number === n)!;
    i.state = 'closed';
    i.closed_at = new Date().toISOString();
  }

  writes(): GithubRequest[] {
    return this.requests.filter((r) => r.method === 'POST');
  }

  private json(res: ServerResponse, status: number, data: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(data));
  }

  private view(i: FakeIssue) {
    const html = `https://github.example/${this.repoPath}/issues/${i.number}`;
    return {
      id: 1000 + i.number,
      number: i.number,
      title: i.title,
      body: i.body,
      state: i.state,
      html_url: html,
      url: `${this.url}/repos/${this.repoPath}/issues/${i.number}`,
      labels: i.labels.map((name, k) => ({ id: k + 1, name })),
      comments: i.comments.length,
      closed_at: i.closed_at,
      created_at: '2025-01-01T00:00:00Z',
      updated_at: '2025-01-01T00:00:00Z',
      ...(i.pull_request ? { pull_request: i.pull_request } : {}),
    };
  }

  private repoPath = '';

  private route(r: GithubRequest, res: ServerResponse): void {
    if (this.failWith) return this.json(res, this.failWith, { message: 'Server Error' });
    if (r.headers.authorization !== `token ${this.token}`)
      return this.json(res, 401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' });
    const m = /^\/repos\/([^/]+)\/([^/]+)\/issues(?:\/(\d+))?(\/comments)?$/.exec(r.path);
    if (!m) return this.json(res, 404, { message: 'Not Found' });
    this.repoPath = `${m[1]}/${m[2]}`;
    const n = m[3] ? Number(m[3]) : null;
    const issue = n !== null ? this.issues.find((i) => i.number === n) : undefined;
    if (n !== null && !issue) return this.json(res, 404, { message: 'Not Found' });

    if (n === null && r.method === 'POST') {
      if (!r.body?.title) return this.json(res, 422, { message: 'Validation Failed', errors: [{ field: 'title', code: 'missing_field' }] });
      const labels = (r.body.labels ?? []).map((l: string | { name: string }) => (typeof l === 'string' ? l : l.name));
      return this.json(res, 201, this.view(this.seed({ title: r.body.title, body: r.body.body ?? '', labels })));
    }
    if (n === null && r.method === 'GET') {
      const state = r.query.state ?? 'open';
      const want = (r.query.labels ?? '').split(',').filter(Boolean);
      const perPage = Number(r.query.per_page ?? 30);
      const page = Number(r.query.page ?? 1);
      const all = this.issues
        .filter((i) => state === 'all' || i.state === state)
        .filter((i) => want.every((l) => i.labels.includes(l)))
        .sort((a, b) => b.number - a.number);
      return this.json(
        res,
        200,
        all.slice((page - 1) * perPage, page * perPage).map((i) => this.view(i)),
      );
    }
    if (issue && !m[4] && r.method === 'GET') return this.json(res, 200, this.view(issue));
    if (issue && m[4] && r.method === 'GET')
      return this.json(
        res,
        200,
        issue.comments.map((c) => ({ id: c.id, body: c.body, html_url: `https://github.example/c/${c.id}` })),
      );
    if (issue && m[4] && r.method === 'POST') {
      if (!r.body?.body) return this.json(res, 422, { message: 'Validation Failed' });
      const c = { id: this.nextComment++, body: r.body.body };
      issue.comments.push(c);
      return this.json(res, 201, { ...c, html_url: `https://github.example/c/${c.id}` });
    }
    return this.json(res, 404, { message: 'Not Found' });
  }
}
