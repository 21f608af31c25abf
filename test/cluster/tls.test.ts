import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Long from 'long';
import YAML from 'yaml';
import { NativeConnection, Runtime } from '@temporalio/worker';
import { connectClient, startCycle } from '../../src/client';
import {
  connectOrExplain,
  CUSTOM_SEARCH_ATTRIBUTES,
  temporalConnectionOptions,
  TemporalConnectionError,
  type TemporalSection,
} from '../../src/connection';
import { dailyScheduleId } from '../../src/workflows/messages';
import { ROOT } from '../support/harness';
import { makeTestPki, type TestPki } from '../support/certs';
import { Fleet, waitFor } from './fleet';

const SHORT_CANARY = { durationMs: 15_000, checkIntervalMs: 3_000, inconclusiveWindowMs: 0 };
const NAMESPACE = 'vvtv-tls';

/**
 * Issue 11: a second cluster of scripts/cluster.sh, brought up with --tls (its own run folder and
 * ports): the frontend requires client certificates signed by the run folder's private CA. Every
 * assertion is a real handshake with the Temporal server v1.29.1.
 */
describe('mutual TLS on a real Temporal cluster (scripts/cluster.sh up --tls)', () => {
  const runDir = mkdtempSync(join(tmpdir(), 'vvtv-cluster-tls-'));
  const pkiDir = mkdtempSync(join(tmpdir(), 'vvtv-tls-other-'));
  const cluster = (...args: string[]) =>
    execFileSync('bash', [join(ROOT, 'scripts', 'cluster.sh'), ...args], {
      env: { ...process.env, VVTV_CLUSTER_DIR: runDir, VVTV_CLUSTER_TLS: '' },
      stdio: ['ignore', 'pipe', 'inherit'],
      timeout: 300_000,
    }).toString();
  let env: Record<string, string>;
  let fleet: Fleet;
  let pki: TestPki;
  let tls: NonNullable<TemporalSection['tls']>;

  beforeAll(async () => {
    chmodSync(runDir, 0o755);
    const started = Date.now();
    cluster('up', '--tls');
    process.stderr.write(`[cluster] TLS cluster up in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    env = Object.fromEntries(
      readFileSync(join(runDir, 'cluster.env'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => l.split('=', 2) as [string, string]),
    );
    tls = {
      ca_file: env.TEMPORAL_TLS_CA,
      cert_file: env.TEMPORAL_TLS_CERT,
      key_file: env.TEMPORAL_TLS_KEY,
      server_name: env.TEMPORAL_TLS_SERVER_NAME,
    };
    pki = makeTestPki(pkiDir); // another CA, and a client certificate it signed
    fleet = new Fleet(1, { temporal: { address: env.TEMPORAL_ADDRESS!, namespace: NAMESPACE, tls } });
    await fleet.start();
    // A namespace of its own, created over mTLS, where the host must register the search attributes.
    await fleet.client.workflowService.registerNamespace({
      namespace: NAMESPACE,
      workflowExecutionRetentionPeriod: { seconds: Long.fromNumber(72 * 3600) },
    });
    await waitFor('the namespace served', () => fleet.client.connection.operatorService.listSearchAttributes({ namespace: NAMESPACE }));
  }, 300_000);

  afterAll(async () => {
    // The refused NativeConnections left the SDK's core runtime in this process with nothing to close.
    await Runtime.instance().shutdown();
    await fleet?.close();
    cluster('down', ...(process.env.VVTV_KEEP_TEST_SERVER ? [] : ['--purge']));
    rmSync(pkiDir, { recursive: true, force: true });
  });

  it('cluster.env lists the certificates, and the frontend requires them', () => {
    expect(env.CLUSTER_TLS).toBe('1');
    expect(env.TEMPORAL_TLS_CA).toBe(join(runDir, 'tls', 'ca.pem'));
    expect(env.TEMPORAL_TLS_SERVER_NAME).toBe('temporal.vvtv.test');
    const config = readFileSync(join(runDir, 'config', 'cluster.yaml'), 'utf8');
    expect(YAML.parse(config).global.tls.frontend.server).toMatchObject({ requireClientAuth: true, clientCaFiles: [env.TEMPORAL_TLS_CA] });
    expect(cluster('status')).toContain(`temporal: serving at ${env.TEMPORAL_ADDRESS}`); // the CLI's health check, over mTLS
  });

  it('a worker host with temporal.tls.* connects, registers the search attributes and completes a cycle', async () => {
    const host = await fleet.startHost('tls-host');
    const log = readFileSync(host.logFile, 'utf8');
    expect(log).toContain('"client_cert":true');
    expect(log).toContain(`search attributes: registered VvtvChannel, VvtvOutcome, VvtvState (namespace ${NAMESPACE})`);
    const listed = await fleet.client.connection.operatorService.listSearchAttributes({ namespace: NAMESPACE });
    for (const a of CUSTOM_SEARCH_ATTRIBUTES) expect(listed.customAttributes?.[a.name]).toBe(2); // Keyword
    // The schedule's own workflow runs in the server's system worker, which reaches the frontend over mTLS.
    const channel = fleet.channels[0]!;
    const schedule = await fleet.client.schedule.getHandle(dailyScheduleId(channel)).describe();
    expect(schedule.scheduleId).toBe(dailyScheduleId(channel));

    fleet.startSimulators(300);
    const handle = await startCycle(fleet.client, fleet.taskQueue, { channel, canary: SHORT_CANARY });
    const r = await handle.result();
    expect(['promoted', 'rolled_back']).toContain(r.outcome);
    expect(fleet.rt.deps.cycleLog.list(channel)).toEqual([expect.objectContaining({ status: 'completed', outcome: r.outcome })]);
    expect(fleet.rt.deps.cards(channel).readOverlay()).toBeNull();
  }, 240_000);

  it('a host without a client certificate is refused and exits, its log naming the address and temporal.tls.cert_file', async () => {
    const raw = YAML.parse(readFileSync(fleet.configPath, 'utf8'));
    raw.temporal.tls = { ca_file: tls.ca_file, server_name: tls.server_name };
    const noCert = join(fleet.dir, 'no-client-cert.yaml');
    writeFileSync(noCert, YAML.stringify(raw));
    const host = fleet.spawnHost('no-cert-host', noCert);
    expect(await host.exited).toBe(1);
    const log = readFileSync(host.logFile, 'utf8');
    expect(log).toContain(`cannot connect to Temporal at ${env.TEMPORAL_ADDRESS} (namespace ${NAMESPACE}, TLS)`);
    expect(log).toContain('the server requires a client certificate (mutual TLS) and none was sent');
    expect(log).toContain('set temporal.tls.cert_file (TEMPORAL_TLS_CERT) and temporal.tls.key_file (TEMPORAL_TLS_KEY)');
  }, 120_000);

  /** The same connection as vvtvctl's (connectClient) and as the worker's (NativeConnection), both explained. */
  async function refusals(patch: Partial<NonNullable<TemporalSection['tls']>>): Promise<TemporalConnectionError[]> {
    const section = { ...fleet.rt.live.get().temporal, tls: { ...tls, ...patch } };
    const o = temporalConnectionOptions(section, {});
    const { namespace: _ns, ...conn } = o;
    const viaClient = await connectClient(section, 3000, {}).then(
      async (c) => {
        await c.connection.close();
        return null;
      },
      (e: unknown) => e,
    );
    const viaWorker = await connectOrExplain(o, section, 'worker', () => NativeConnection.connect(conn)).then(
      async (c) => {
        await c.close();
        return null;
      },
      (e: unknown) => e,
    );
    for (const e of [viaClient, viaWorker]) expect(e).toBeInstanceOf(TemporalConnectionError);
    return [viaClient, viaWorker] as TemporalConnectionError[];
  }

  it('a CA that did not sign the server certificate is refused, naming temporal.tls.ca_file', async () => {
    for (const err of await refusals({ ca_file: pki.otherCa })) {
      expect(err.report?.outcome).toBe('untrusted_server');
      expect(err.message).toContain(`cannot connect to Temporal at ${env.TEMPORAL_ADDRESS}`);
      expect(err.message).toContain('is not signed by a CA this connection trusts');
      expect(err.message).toContain(`temporal.tls.ca_file (TEMPORAL_TLS_CA) = ${pki.otherCa}`);
    }
  });

  it('a client certificate from another CA is refused by the server, naming temporal.tls.cert_file', async () => {
    for (const err of await refusals({ cert_file: pki.rogueCert, key_file: pki.rogueKey })) {
      expect(err.report?.outcome).toBe('client_cert_refused');
      expect(err.message).toContain(
        `the server refused the client certificate of temporal.tls.cert_file (TEMPORAL_TLS_CERT) = ${pki.rogueCert}`,
      );
    }
  });

  it('a wrong server_name fails the handshake, naming temporal.tls.server_name and the certificate’s names', async () => {
    for (const err of await refusals({ server_name: 'frontend.elsewhere.test' })) {
      expect(err.report?.outcome).toBe('wrong_server_name');
      expect(err.message).toContain(
        `the server's certificate is for DNS:temporal.vvtv.test, DNS:localhost, IP Address:127.0.0.1, not "frontend.elsewhere.test"`,
      );
      expect(err.message).toContain('temporal.tls.server_name (TEMPORAL_TLS_SERVER_NAME) = frontend.elsewhere.test');
    }
  });
});
