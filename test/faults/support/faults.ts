import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCard, cardSha256 } from '../../../src/adapters/card-store';
import { sha256Hex } from '../../../src/adapters/history';
import type { Harness } from '../../support/harness';
import { canaryStatus } from '../../../src/client';
import { canaryDecisionSignal } from '../../../src/workflows/messages';

export async function waitFor<T>(
  fn: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** An fs error as Node raises it (`code`, `errno`, `syscall`, `path`). */
export function errnoError(code: 'ENOSPC' | 'EACCES', path: string): NodeJS.ErrnoException {
  const text = code === 'ENOSPC' ? 'no space left on device' : 'permission denied';
  const err = new Error(`${code}: ${text}, open '${path}'`) as NodeJS.ErrnoException;
  err.code = code;
  err.errno = code === 'ENOSPC' ? -28 : -13;
  err.syscall = 'open';
  err.path = path;
  return err;
}

/** Once the canary answers its status query, an operator's `proceed`: the promotion does not wait on the judge. */
export async function proceedWhenRunning(h: Harness, canaryId: string): Promise<void> {
  await waitFor(async () => (await canaryStatus(h.client, canaryId)).phase === 'monitoring');
  await h.client.workflow
    .getHandle(canaryId)
    .signal(canaryDecisionSignal, { decision: 'proceed', by: 'fault-test', reason: 'promote now' });
}

/** The live card parses, and its hash is the given history version's (or `sha` itself). */
export function expectCardIs(h: Harness, expected: { versionId?: string; bytes?: Buffer }): void {
  const bytes = readFileSync(h.cards.path);
  const { card } = parseCard(bytes.toString('utf8'), h.cards.path); // whole: it parses
  if (expected.bytes && !bytes.equals(expected.bytes)) throw new Error('the live card bytes changed');
  if (expected.versionId) {
    const v = h.rt.deps.history.getVersion(h.channel, expected.versionId);
    if (!v) throw new Error(`no version ${expected.versionId} in history`);
    if (cardSha256(card) !== v.meta.sha256) throw new Error(`live card sha ${cardSha256(card)} is not version ${expected.versionId}'s`);
    if (v.meta.card_bytes_sha256 && sha256Hex(bytes) !== v.meta.card_bytes_sha256)
      throw new Error('live card bytes differ from the version');
  }
}

/** Everything the history and the audit log hold now, to check nothing is lost later. */
export function snapshot(h: Harness): { versions: string[]; audit: number[] } {
  return {
    versions: h.rt.deps.history.list(h.channel, { limit: 100_000 }).items.map((v) => v.version_id),
    audit: h.rt.deps.auditLog.list(h.channel, { limit: 1_000_000 }).map((d) => d.id as number),
  };
}

/** Nothing in `before` is missing now, and the history passes its integrity check. */
export function expectNothingLost(h: Harness, before: { versions: string[]; audit: number[] }): void {
  const now = snapshot(h);
  const lostVersions = before.versions.filter((v) => !now.versions.includes(v));
  const lostAudit = before.audit.filter((id) => !now.audit.includes(id));
  if (lostVersions.length || lostAudit.length) throw new Error(`lost: versions ${lostVersions}, audit records ${lostAudit}`);
  const integrity = h.rt.deps.history.verifyIntegrity(h.channel);
  if (!integrity.ok) throw new Error(`history integrity: ${JSON.stringify(integrity.problems)}`);
}

/** The alert names the audit log holds for a cycle. */
export function alertNames(h: Harness, cycleId: string): string[] {
  return h.rt.deps.auditLog
    .list(h.channel, { cycleId })
    .filter((d) => d.kind === 'alert')
    .map((d) => (d.payload as { name: string }).name);
}

export interface Received {
  at: number;
  method: string;
  url: string;
  authorization?: string;
  body: string;
}

/** How the receiver answers: 200, a 5xx, or never (the request hangs until the server closes). */
export type ReceiverMode = 'ok' | '5xx' | 'hang';

/**
 * A real local HTTP server standing in for a Slack-style webhook, Alertmanager's v2 API
 * (`POST /api/v2/alerts`) and GitHub's issues API: it records every request and answers as told.
 */
export class Receiver {
  readonly requests: Received[] = [];
  mode: ReceiverMode = 'ok';
  private server!: Server;
  private readonly hanging = new Set<ServerResponse>();

  async start(): Promise<this> {
    this.server = createServer((req: IncomingMessage, res: ServerResponse) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        this.requests.push({
          at: Date.now(),
          method: req.method ?? '',
          url: req.url ?? '',
          authorization: req.headers.authorization,
          body,
        });
        if (this.mode === 'hang') return void this.hanging.add(res);
        if (this.mode === '5xx') {
          res.writeHead(503, { 'content-type': 'application/json' });
          return void res.end('{"message":"service unavailable"}');
        }
        res.writeHead(req.url?.includes('/issues') ? 201 : 200, { 'content-type': 'application/json' });
        res.end(req.url?.includes('/issues') ? '{"number":1,"html_url":"http://127.0.0.1/issues/1"}' : '{}');
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return this;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  url(path = '/'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

export const FAULTS_DIR = join(__dirname, '..');
