import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createGoldenActivities, type GoldenGateResult, type RunGoldenSetInput } from '../../../src/activities/golden';
import { PARAMS, engineCommand, testRuntime, type TestRuntime } from './fixtures';

const TOKEN = 'op-token-7c1f0e9b-emergency';
const TOKEN_SHA = createHash('sha256').update(TOKEN).digest('hex');

describe('runGoldenSet activity (6.1, 6.3, 6.4)', () => {
  let t: TestRuntime;
  afterEach(() => t?.cleanup());

  const run = async (input: Omit<RunGoldenSetInput, 'channel' | 'cycleId'>, opts = {}) => {
    const env = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
    const beats: unknown[] = [];
    env.on('heartbeat', (d: unknown) => beats.push(d));
    const acts = createGoldenActivities(t.rt.deps, { heartbeatIntervalMs: 50, ...opts });
    const result: GoldenGateResult = await env.run(acts.runGoldenSet, { channel: 'main', cycleId: 'cycle-1', ...input });
    return { result, beats };
  };
  const decisions = (kind: string) => t.rt.deps.auditLog.list('main', { cycleId: 'cycle-1' }).filter((d) => d.kind === kind);

  it('passes the shipped set, heartbeats while running, stores a `golden` decision and caches the result', async () => {
    t = testRuntime();
    const { result, beats } = await run({ params: PARAMS });
    expect(result).toMatchObject({ passed: true, bypassed: false, status: 'passed', failed: 0, failures: [], cacheHit: false });
    expect(result.total).toBeGreaterThan(40);
    expect(beats.length).toBeGreaterThan(0);
    expect(beats[beats.length - 1]).toEqual({ done: result.total, total: result.total });
    const [d] = decisions('golden');
    expect(d.summary).toBe(`golden set passed: ${result.total} cases`);
    expect(d.payload).toMatchObject({ status: 'passed', params: PARAMS, cacheHit: false, setHash: result.setHash });
    expect(readdirSync(join(t.rt.deps.config().data_dir, 'golden-cache'))).toHaveLength(1);

    const again = await run({ params: PARAMS });
    expect(again.result).toMatchObject({ passed: true, cacheHit: true, total: result.total });
    expect(decisions('golden')).toHaveLength(2);
  });

  it('fails the gate on a production engine that ignores top_k and stores the failure analysis (6.3)', async () => {
    t = testRuntime((raw) => (raw.golden = { ...raw.golden, external_engine: { command: engineCommand('ignore-top-k') } }));
    const { result } = await run({ params: PARAMS });
    expect(result).toMatchObject({ passed: false, bypassed: false, status: 'failed', cacheHit: false });
    expect(result.failed).toBeGreaterThan(10);
    expect(result.failures).toHaveLength(20);
    expect(result.engine).toBe('external:unversioned');
    const [d] = decisions('golden');
    expect(d.summary).toMatch(/^golden set FAILED: \d+ of \d+ cases/);
    const payload = d.payload as { failures: Array<Record<string, unknown>>; status: string };
    expect(payload.status).toBe('failed');
    expect(payload.failures.length).toBeGreaterThan(20);
    expect(payload.failures[0]).toEqual(
      expect.objectContaining({
        case: 'pin-base',
        check: 'expected_order',
        seed: 'slot:pin-base',
        expected: expect.any(Array),
        actual: expect.any(Array),
        diff: expect.any(Array),
      }),
    );
    expect(existsSync(join(t.rt.deps.config().data_dir, 'golden-cache'))).toBe(false);
  });

  it('fails the gate, never passes it, when the run exceeds its hard timeout (6.4)', async () => {
    t = testRuntime((raw) => (raw.golden = { ...raw.golden, external_engine: { command: engineCommand('slow:30000'), version: 'v1' } }));
    const { result } = await run({ params: PARAMS }, { timeoutMs: 1000 });
    expect(result).toMatchObject({ passed: false, status: 'timed_out', failures: [expect.objectContaining({ check: 'timeout' })] });
    expect(decisions('golden')[0].summary).toMatch(/TIMED OUT/);
  });

  it('refuses a bypass with a wrong or missing token: ValidationError, nothing run, audited (6.x bypass)', async () => {
    t = testRuntime((raw) => (raw.golden = { ...raw.golden, bypass_token_sha256: TOKEN_SHA }));
    for (const token of ['wrong-token', '']) {
      await expect(run({ params: PARAMS, bypass: { token, reason: 'hotfix for outage', by: 'alice' } })).rejects.toMatchObject({
        type: 'ValidationError',
        nonRetryable: true,
        message: expect.stringMatching(/bypass\.token: missing or not the authorised operator token/),
      });
    }
    expect(decisions('golden')).toHaveLength(0);
    expect(decisions('golden_bypass')).toHaveLength(0);
    expect(decisions('golden_bypass_refused')).toHaveLength(2);
    expect(t.alerts.alerts.map((a) => a.name)).toEqual(['golden_bypass_refused', 'golden_bypass_refused']);
  });

  it('refuses a bypass without a reason even with the right token, and any bypass when no hash is configured', async () => {
    t = testRuntime((raw) => (raw.golden = { ...raw.golden, bypass_token_sha256: TOKEN_SHA }));
    await expect(run({ params: PARAMS, bypass: { token: TOKEN, reason: ' ', by: 'alice' } })).rejects.toMatchObject({
      type: 'ValidationError',
      message: expect.stringMatching(/bypass\.reason: a reason is required/),
    });
    t.cleanup();
    t = testRuntime();
    await expect(run({ params: PARAMS, bypass: { token: TOKEN, reason: 'outage', by: 'alice' } })).rejects.toMatchObject({
      message: expect.stringMatching(/golden\.bypass_token_sha256 is not configured/),
    });
  });

  it('accepts an authorised bypass: skips the run, audits it, raises a critical alert, never logs the token', async () => {
    t = testRuntime((raw) => (raw.golden = { ...raw.golden, bypass_token_sha256: TOKEN_SHA }));
    const { result } = await run({ params: PARAMS, bypass: { token: TOKEN, reason: 'planner outage, emergency fix', by: 'alice' } });
    expect(result).toMatchObject({ passed: true, bypassed: true, status: 'bypassed', total: 0 });
    const [d] = decisions('golden_bypass');
    expect(d.summary).toBe('golden set BYPASSED by alice: planner outage, emergency fix');
    expect(d.payload).toEqual({ by: 'alice', reason: 'planner outage, emergency fix', params: PARAMS });
    expect(t.alerts.alerts).toEqual([expect.objectContaining({ severity: 'critical', name: 'golden_bypassed', channel: 'main' })]);
    const everything = JSON.stringify(t.rt.deps.auditLog.list('main', { limit: 100 })) + JSON.stringify(t.alerts.alerts) + t.logText();
    expect(t.logText()).toContain('golden set bypassed');
    expect(everything).not.toContain(TOKEN);
    expect(everything).not.toContain(TOKEN_SHA);
  });

  it('rejects invalid proposed parameters with the field named', async () => {
    t = testRuntime();
    await expect(run({ params: { ...PARAMS, temperature: 0 } })).rejects.toMatchObject({
      type: 'ValidationError',
      message: expect.stringMatching(/params\.temperature/),
    });
  });
});
