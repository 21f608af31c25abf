import Long from 'long';
import pino from 'pino';
import { Connection } from '@temporalio/client';
import { Harness } from '../support/harness';
import { startWorkerHost, type WorkerHost } from '../../src/host';
import { startCycle } from '../../src/client';
import { CUSTOM_SEARCH_ATTRIBUTES, ensureSearchAttributes } from '../../src/connection';

/** Issue 11: a namespace the dev-server launcher did not prepare gets its attributes from the host. */
describe('the worker host registers the custom search attributes through the operator service', () => {
  const namespace = `vvtv-sa-${Math.random().toString(36).slice(2, 8)}`;
  // metrics_port 0: /metrics on a free port; the host runs in a namespace of its own.
  const h = new Harness({
    backfillHours: 0,
    patchConfig: (raw) => {
      raw.metrics_port = 0;
      raw.temporal.namespace = namespace;
    },
  });
  let admin: Connection;
  let host: WorkerHost | undefined;
  const lines: string[] = [];
  const custom = async () =>
    Object.keys((await admin.operatorService.listSearchAttributes({ namespace })).customAttributes ?? {}).filter((n) =>
      n.startsWith('Vvtv'),
    );

  beforeAll(async () => {
    admin = await Connection.connect({ address: h.address });
    await admin.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: { seconds: Long.fromNumber(86_400) } });
    // The namespace is usable once the frontend knows it (its cache refreshes within seconds).
    for (const deadline = Date.now() + 60_000; ;) {
      try {
        await admin.operatorService.listSearchAttributes({ namespace });
        break;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    // One of the three is already there (a half-prepared namespace), two are missing.
    await admin.operatorService.addSearchAttributes({ namespace, searchAttributes: { VvtvChannel: 2 } });
    await h.start();
    await h.stopWorker(); // the host is the worker here
  });
  afterAll(async () => {
    await host?.stop();
    await h.close();
    await admin?.close();
  });

  it('adds the two missing attributes at start, and a cycle that writes them runs in that namespace', async () => {
    expect((await custom()).sort()).toEqual(['VvtvChannel']);
    host = await startWorkerHost({
      rt: h.rt,
      log: pino({ level: 'silent' }),
      say: (l) => lines.push(l),
      workflowBundle: { codePath: process.env.VVTV_TEST_WORKFLOW_BUNDLE! },
    });
    expect((await custom()).sort()).toEqual(CUSTOM_SEARCH_ATTRIBUTES.map((a) => a.name).sort());
    expect(lines).toContain(`• search attributes: registered VvtvOutcome, VvtvState (namespace ${namespace})`);

    // Idempotent: a second reconciliation adds nothing.
    expect(await ensureSearchAttributes(admin.operatorService, namespace)).toEqual({
      present: ['VvtvChannel', 'VvtvOutcome', 'VvtvState'],
      added: [],
    });

    // The cycle upserts VvtvChannel and VvtvOutcome: it would fail on a namespace without them.
    const handle = await startCycle(host.client, h.taskQueue, {
      channel: h.channel,
      changes: [{ parameter: 'nope', value: 1 }],
      reason: 'sa test',
    });
    expect((await handle.result()).outcome).toBe('invalid_input');
    const described = await handle.describe();
    expect(described.searchAttributes.VvtvOutcome).toEqual(['invalid_input']);
  });
});
