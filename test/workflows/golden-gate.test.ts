import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Harness, ROOT } from '../support/harness';
import { startCycle } from '../../src/client';
import { depositBypassToken } from '../../src/adapters/bypass-box';
import { cycleWorkflowId } from '../../src/workflows/messages';

const TOKEN = 'operator-secret-token-42';

describe('the golden set gate in the cycle (6.1, 6.3, 9.2)', () => {
  // The "production planner" here ignores top_k: a deliberately broken selection.
  const h = new Harness({
    patchConfig: (raw) => {
      raw.golden = {
        ...raw.golden,
        external_engine: { command: `node ${join(ROOT, 'test/fixtures/golden-engine.js')} ignore-top-k` },
        bypass_token_sha256: createHash('sha256').update(TOKEN).digest('hex'),
      };
    },
  });
  beforeAll(() => h.start());
  afterAll(() => h.close());

  it('a broken selection fails the golden set: the canary never starts and the analysis is stored', async () => {
    const before = readFileSync(h.cards.path);
    const r = await (
      await startCycle(h.client, h.taskQueue, { channel: h.channel, changes: [{ parameter: 'temperature', value: 0.6 }] })
    ).result();
    expect(r.outcome).toBe('golden_failed');
    expect(h.rt.deps.canaryLog.list(h.channel)).toHaveLength(0);
    expect(readFileSync(h.cards.path).equals(before)).toBe(true);
    expect(h.rt.deps.history.getVersion(h.channel, r.versionId!)!.meta.deployment.status).toBe('rejected');
    const golden = h.rt.deps.auditLog.list(h.channel, { cycleId: r.cycleId }).find((d) => d.kind === 'golden')!;
    const failures = (golden.payload as { failures: Array<{ check: string; seed: unknown; expected?: unknown; actual?: unknown }> })
      .failures;
    expect(failures.some((f) => f.check === 'top_k')).toBe(true);
    expect(failures[0].seed).toBeDefined();
    const alert = h.rt.deps.auditLog.list(h.channel, { cycleId: r.cycleId }).find((d) => d.kind === 'alert')!;
    expect(alert.payload).toMatchObject({ name: 'golden_failed', severity: 'critical' });
  });

  it('a bypass without the operator token is refused and nothing is deployed', async () => {
    const r = await (
      await startCycle(h.client, h.taskQueue, {
        channel: h.channel,
        changes: [{ parameter: 'temperature', value: 0.6 }],
        bypassGolden: { by: 'mallory', reason: 'in a hurry' },
      })
    ).result();
    expect(r.outcome).toBe('invalid_input');
    expect(r.message).toContain('bypass.token: missing or not the authorised operator token');
    expect(h.rt.deps.canaryLog.list(h.channel)).toHaveLength(0);
  });

  it('an authorised bypass skips the gate, is audited and alerted, and the token never reaches workflow history', async () => {
    const suffix = `bypass-${Date.now()}`;
    const cycleId = cycleWorkflowId(h.channel, suffix);
    depositBypassToken(h.rt.deps.config(), cycleId, TOKEN);
    const handle = await startCycle(
      h.client,
      h.taskQueue,
      {
        channel: h.channel,
        changes: [{ parameter: 'temperature', value: 0.6 }],
        bypassGolden: { by: 'alice', reason: 'incident 123: planner hotfix' },
        canary: { durationMs: 500, checkIntervalMs: 500, inconclusiveWindowMs: 0 },
      },
      suffix,
    );
    const r = await handle.result();
    expect(['promoted', 'rolled_back']).toContain(r.outcome); // it reached the canary
    const kinds = h.rt.deps.auditLog.list(h.channel, { cycleId }).map((d) => d.kind);
    expect(kinds).toContain('golden_bypass');
    const audit = h.rt.deps.auditLog.list(h.channel, { cycleId }).find((d) => d.kind === 'golden_bypass')!;
    expect(audit.payload).toMatchObject({ by: 'alice', reason: 'incident 123: planner hotfix' });
    expect(JSON.stringify(audit.payload)).not.toContain(TOKEN);
    const history = JSON.stringify((await h.client.workflow.getHandle(cycleId).fetchHistory()).events);
    expect(history).not.toContain(TOKEN);
    expect(history).not.toContain(Buffer.from(TOKEN).toString('base64'));
  });
});
