import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker, bundleWorkflowCode } from '@temporalio/worker';
import { createGoldenActivities } from '../../src/activities/golden';
import { createRollbackActivities } from '../../src/activities/rollback';
import { installRuntime } from '../support/harness';
import { PARAMS, ROOT, engineCommand, testRuntime, type TestRuntime } from '../unit/golden/fixtures';
import type { goldenGateWorkflow, rollbackWorkflow } from '../fixtures/golden-workflows';

const EXAMPLE = readFileSync(join(ROOT, 'config', 'business_logic.example.yaml'), 'utf8');

describe('golden gate and rollback activities on a real worker', () => {
  let t: TestRuntime;
  let client: Client;
  let native: NativeConnection;
  let worker: Worker;
  let running: Promise<void>;
  const taskQueue = `golden-${Math.random().toString(36).slice(2, 10)}`;

  beforeAll(async () => {
    installRuntime();
    const address = process.env.VVTV_TEST_TEMPORAL_ADDRESS!;
    // The engine answers after 4 s: longer than the 2 s heartbeat timeout, so only heartbeats keep the attempt alive.
    t = testRuntime((raw) => (raw.golden = { ...raw.golden, external_engine: { command: engineCommand('slow:4000') } }));
    const { code } = await bundleWorkflowCode({
      workflowsPath: require.resolve('../fixtures/golden-workflows'),
      logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} } as never,
    });
    native = await NativeConnection.connect({ address });
    worker = await Worker.create({
      connection: native,
      taskQueue,
      workflowBundle: { code },
      activities: { ...createGoldenActivities(t.rt.deps), ...createRollbackActivities(t.rt.deps) },
    });
    running = worker.run();
    client = new Client({ connection: await Connection.connect({ address }) });
  });

  afterAll(async () => {
    worker?.shutdown();
    await running;
    await native?.close();
    await client?.connection.close();
    t?.cleanup();
  });

  const start = async <T extends (...args: any[]) => Promise<unknown>>(wf: string, args: Parameters<T>): Promise<Awaited<ReturnType<T>>> =>
    client.workflow.execute(wf, { taskQueue, workflowId: `${wf}-${Math.random().toString(36).slice(2)}`, args: args as unknown[] });

  it('keeps a long golden run alive with heartbeats and returns the verdict to the workflow (6.1, 6.4)', async () => {
    const r = await start<typeof goldenGateWorkflow>('goldenGateWorkflow', [{ channel: 'main', cycleId: 'wf-cycle-1', params: PARAMS }]);
    expect(r).toMatchObject({ passed: true, bypassed: false, status: 'passed', failed: 0 });
    expect(t.rt.deps.auditLog.list('main', { cycleId: 'wf-cycle-1' }).map((d) => d.kind)).toEqual(['golden']);
  });

  it('rolls back to a version through the worker and refuses a corrupted one without retrying (5.3, 5.5)', async () => {
    const deps = t.rt.deps;
    const old = deps.history.storeVersion('main', EXAMPLE.replace('top_k: 8', 'top_k: 10'), {
      parent: null,
      source: 'autopilot',
      changes: [],
      rationale: 'older',
      deployment: { status: 'superseded', updated_at: '2025-06-01T00:00:00.000Z' },
    });
    const ok = await start<typeof rollbackWorkflow>('rollbackWorkflow', [
      { channel: 'main', versionId: old.version_id, by: 'alice', reason: 'test' },
    ]);
    expect(ok.ok).toBe(true);
    expect(readFileSync(deps.cards('main').path, 'utf8')).toBe(EXAMPLE.replace('top_k: 8', 'top_k: 10'));

    const bad = deps.history.storeVersion('main', EXAMPLE.replace('top_k: 8', 'top_k: 12'), {
      parent: null,
      source: 'autopilot',
      changes: [],
      rationale: 'to corrupt',
      deployment: { status: 'superseded', updated_at: '2025-06-01T00:00:00.000Z' },
    });
    writeFileSync(join(deps.history.root, bad.card_file), EXAMPLE.replace('top_k: 8', 'top_k: 13'));
    const refused = await start<typeof rollbackWorkflow>('rollbackWorkflow', [
      { channel: 'main', versionId: bad.version_id, by: 'alice', reason: 'test' },
    ]);
    expect(refused).toMatchObject({ ok: false, type: 'ValidationError', retryState: expect.stringMatching(/NON_RETRYABLE/) });
    expect(deps.auditLog.list('main', { limit: 10 }).filter((d) => d.kind === 'rollback_refused')).toHaveLength(1);
    expect(readFileSync(deps.cards('main').path, 'utf8')).toBe(EXAMPLE.replace('top_k: 8', 'top_k: 10'));
  });
});
