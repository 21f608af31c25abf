/**
 * Secrets kept: a full cycle on the real dev server with a golden-set bypass token, a GitHub
 * token (environment) and a webhook URL with credentials, then the weekly triage. None of the
 * three appears in the log (every line the worker's logger wrote), the audit log, the state
 * database's files, the history folder or the Temporal event histories of the channel's workflows.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Harness } from '../support/harness';
import { forceDeploy, startCycle } from '../../src/client';
import { startTriage } from '../../src/triage-schedule';
import { storePath } from '../../src/config/load';
import { createLogger } from '../../src/observability/logger';
import { Receiver, alertNames } from './support/faults';

const BYPASS_TOKEN = 'bypass-7f3c9e1d2b8a4f60';
const GITHUB_TOKEN = 'ghp_SECRETfaultTEST0123456789abcdef';
const HOOK_USER = 'hookuser';
const HOOK_PASS = 'hookPASS-5d41402abc';
const GH_ENV = 'VVTV_FAULT_TEST_GITHUB_TOKEN';

/** Every file under `dir`, recursively. */
function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

/** The secret's forms a leak could take: as is, base64 (a Basic header, a payload) and URL-encoded. */
function forms(secret: string): string[] {
  return [secret, Buffer.from(secret).toString('base64'), encodeURIComponent(secret)];
}

describe('secrets never reach a log, the audit log, the state DB, history or Temporal histories', () => {
  const receiver = new Receiver();
  const logLines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      logLines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const h = new Harness({
    slotsPerSecond: 200,
    logger: createLogger({ level: 'debug', destination: sink }),
    patchConfig: (raw) => {
      raw.canary.duration_minutes = 0.2;
      raw.canary.check_interval_minutes = 0.05;
      raw.canary.inconclusive_decision_window_minutes = 0;
      raw.golden = { ...raw.golden, bypass_token_sha256: createHash('sha256').update(BYPASS_TOKEN).digest('hex') };
      raw.alerts = {
        ...raw.alerts,
        webhook_url: `http://${HOOK_USER}:${HOOK_PASS}@127.0.0.1:${receiver.port}/hooks/slack`,
        min_severity: 'info',
        dedup_window_minutes: 0,
      };
      raw.incident_triage.pattern_threshold = 1;
      raw.incident_triage.github = { enabled: true, repo: 'acme/vvtv', api_url: receiver.url(), token_env: GH_ENV, labels: ['triage'] };
    },
  });
  beforeAll(async () => {
    await receiver.start();
    process.env[GH_ENV] = GITHUB_TOKEN; // the triage activities read the token from the worker's environment
    await h.start();
  });
  afterAll(async () => {
    delete process.env[GH_ENV];
    await h.close();
    await receiver.close();
  });

  it('after a bypassed cycle, two invalid cards and the weekly triage, no secret is stored or logged anywhere', async () => {
    h.startSimulator();
    const good = readFileSync(h.cards.path, 'utf8');
    // Two invalid cards: alerts (to the webhook) and a pattern for the triage to file on GitHub.
    for (let i = 0; i < 2; i++) {
      writeFileSync(h.cards.path, good.replace('temperature: 0.5 ', 'temperature: "hot"'));
      expect((await (await startCycle(h.client, h.taskQueue, { channel: h.channel })).result()).outcome).toBe('invalid_card');
    }
    writeFileSync(h.cards.path, good);
    const config = h.rt.live.get();
    const forced = await forceDeploy(h.client, config, {
      channel: h.channel,
      changes: [{ parameter: 'temperature', value: 0.6 }],
      reason: 'secrets test',
      by: 'alice',
      bypassToken: BYPASS_TOKEN,
    });
    const r = await forced.result();
    expect(['promoted', 'rolled_back']).toContain(r.outcome);
    expect(alertNames(h, r.cycleId)).toContain('golden_bypassed'); // the token was used, and accepted
    const triage = await startTriage(h.client, h.taskQueue, { channel: h.channel, weekEnd: new Date(Date.now() + 60_000).toISOString() });
    await triage.result();

    // The secrets were really in play: the webhook got its Basic credentials, GitHub its token.
    const basic = `Basic ${Buffer.from(`${HOOK_USER}:${HOOK_PASS}`).toString('base64')}`;
    expect(receiver.requests.some((q) => q.url === '/hooks/slack' && q.authorization === basic)).toBe(true);
    expect(receiver.requests.some((q) => q.url.startsWith('/repos/acme/vvtv/issues') && q.authorization?.includes(GITHUB_TOKEN))).toBe(
      true,
    );

    const places: Record<string, string> = {
      log: logLines.join('\n'),
      audit: JSON.stringify(h.rt.deps.auditLog.list(h.channel, { limit: 1_000_000 })),
    };
    const stateDb = storePath(config, config.stores.state_db);
    for (const f of readdirSync(join(stateDb, '..')).filter((n) => n.startsWith(stateDb.split('/').pop()!)))
      places[`state db ${f}`] = readFileSync(join(stateDb, '..', f)).toString('latin1');
    for (const f of files(h.rt.deps.history.root)) places[`history ${f}`] = readFileSync(f).toString('latin1');
    const decode = (_k: string, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : v);
    const workflows = h.client.workflow.list({ query: `VvtvChannel = '${h.channel}'` });
    let histories = 0;
    for await (const wf of workflows) {
      const history = await h.client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
      places[`temporal ${wf.workflowId}`] = JSON.stringify(history, decode);
      histories++;
    }
    expect(histories).toBeGreaterThanOrEqual(5); // 3 cycles, a canary, the governor, the triage

    const leaks = Object.entries(places).flatMap(([where, text]) =>
      [BYPASS_TOKEN, GITHUB_TOKEN, HOOK_PASS].flatMap((s) =>
        forms(s)
          .filter((f) => text.includes(f))
          .map((f) => `${where}: ${f}`),
      ),
    );
    expect(leaks).toEqual([]);
    expect(logLines.length).toBeGreaterThan(10);
  }, 180_000);
});
