import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createSecureServer, createServer, type Http2Server, type Http2SecureServer, type ServerHttp2Stream } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import {
  connectOrExplain,
  probeHandshake,
  temporalConnectionOptions,
  TemporalConnectionError,
  type TemporalSection,
} from '../../../src/connection';
import { makeTestPki, TEST_SERVER_NAME, type TestPki } from '../../support/certs';

/**
 * Real TLS handshakes (issue 11) against a local HTTP/2 server that requires client certificates,
 * with certificates made by openssl: the SDK's gRPC client connects through connectOrExplain, and
 * each way of getting TLS wrong is named by its temporal.tls.* field.
 */
const dir = mkdtempSync(join(tmpdir(), 'vvtv-tls-'));
let pki: TestPki;
let mtls: Http2SecureServer;
let plain: Http2Server;
let mtlsAddress: string;
let plainAddress: string;

/** A gRPC answer without a body: UNIMPLEMENTED, which Connection.connect accepts (older servers). */
const unimplemented = (stream: ServerHttp2Stream) =>
  stream.respond(
    { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '12', 'grpc-message': 'test server' },
    { endStream: true },
  );

const listen = async (server: Http2Server | Http2SecureServer) => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
};

beforeAll(async () => {
  pki = makeTestPki(dir);
  mtls = createSecureServer({
    key: readFileSync(pki.serverKey),
    cert: readFileSync(pki.serverCert),
    ca: readFileSync(pki.ca),
    requestCert: true,
    rejectUnauthorized: true,
  });
  mtls.on('stream', unimplemented);
  mtls.on('tlsClientError', () => undefined);
  plain = createServer();
  plain.on('stream', unimplemented);
  [mtlsAddress, plainAddress] = [await listen(mtls), await listen(plain)];
});

afterAll(async () => {
  await new Promise((r) => mtls.close(r));
  await new Promise((r) => plain.close(r));
  rmSync(dir, { recursive: true, force: true });
});

const section = (address: string, tls?: TemporalSection['tls']): TemporalSection =>
  ({
    address,
    namespace: 'default',
    task_queue: 'q',
    ui_url: 'http://localhost:8233',
    api_key_env: 'VVTV_TEST_NO_KEY',
    tls,
  }) as TemporalSection;

/** connectOrExplain around the SDK's own Connection.connect, as the worker host and vvtvctl call it. */
async function connect(t: TemporalSection): Promise<Connection> {
  const o = temporalConnectionOptions(t, {});
  const { namespace: _ns, ...opts } = o;
  return connectOrExplain(o, t, 'client', () => Connection.connect({ ...opts, connectTimeout: 1500 }));
}

async function failure(t: TemporalSection): Promise<TemporalConnectionError> {
  const err = await connect(t).then(
    async (c) => {
      await c.close();
      return null;
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TemporalConnectionError);
  return err as TemporalConnectionError;
}

const full = () => ({ ca_file: pki.ca, cert_file: pki.clientCert, key_file: pki.clientKey, server_name: TEST_SERVER_NAME });

describe('mutual TLS against a server that requires client certificates (real handshakes)', () => {
  it('connects with the CA, the client certificate and the server name', async () => {
    const conn = await connect(section(mtlsAddress, full()));
    await conn.close();
    const o = temporalConnectionOptions(section(mtlsAddress, full()), {});
    const report = await probeHandshake(o, section(mtlsAddress, full()));
    expect(report.outcome).toBe('handshake_ok');
    expect(report.server).toMatchObject({ subject: `CN=${TEST_SERVER_NAME}`, issuer: 'CN=test-ca' });
    expect(report.server!.names).toEqual([`DNS:${TEST_SERVER_NAME}`, 'DNS:localhost', 'IP Address:127.0.0.1']);
  });

  it('connects by IP without a server name: the certificate lists 127.0.0.1', async () => {
    const { server_name: _n, ...noName } = full();
    const conn = await connect(section(mtlsAddress, noName));
    await conn.close();
  });

  it('without a client certificate: refused, and the error names the address and temporal.tls.cert_file / key_file', async () => {
    const err = await failure(section(mtlsAddress, { ca_file: pki.ca, server_name: TEST_SERVER_NAME }));
    expect(err.report?.outcome).toBe('client_cert_required');
    expect(err.message).toContain(`cannot connect to Temporal at ${mtlsAddress} (namespace default, TLS)`);
    expect(err.message).toContain('requires a client certificate (mutual TLS) and none was sent');
    expect(err.message).toContain('temporal.tls.cert_file (TEMPORAL_TLS_CERT) and temporal.tls.key_file (TEMPORAL_TLS_KEY)');
    expect(err.message).toContain('[client: Failed to connect before the deadline]'); // the SDK's own words, last
  });

  it('with a CA that did not sign the server certificate: refused, naming temporal.tls.ca_file and its path', async () => {
    const err = await failure(section(mtlsAddress, { ...full(), ca_file: pki.otherCa }));
    expect(err.report?.outcome).toBe('untrusted_server');
    expect(err.message).toContain(`the server's certificate (CN=${TEST_SERVER_NAME}, issued by CN=test-ca) is not signed by a CA`);
    expect(err.message).toContain(`temporal.tls.ca_file (TEMPORAL_TLS_CA) = ${pki.otherCa}`);
  });

  it('with a wrong server name: the handshake fails, naming temporal.tls.server_name and the names the certificate has', async () => {
    const err = await failure(section(mtlsAddress, { ...full(), server_name: 'frontend.wrong.test' }));
    expect(err.report?.outcome).toBe('wrong_server_name');
    expect(err.message).toContain(
      `the server's certificate is for DNS:${TEST_SERVER_NAME}, DNS:localhost, IP Address:127.0.0.1, not "frontend.wrong.test"`,
    );
    expect(err.message).toContain('temporal.tls.server_name (TEMPORAL_TLS_SERVER_NAME) = frontend.wrong.test');
  });

  it('with a client certificate another CA signed: refused, naming temporal.tls.cert_file', async () => {
    // Node's server closes without an alert (the Temporal server sends one: test/cluster/tls.test.ts).
    const err = await failure(section(mtlsAddress, { ...full(), cert_file: pki.rogueCert, key_file: pki.rogueKey }));
    expect(err.report?.outcome).toBe('client_cert_refused');
    expect(err.message).toContain(
      `check that temporal.tls.cert_file (TEMPORAL_TLS_CERT) = ${pki.rogueCert} is signed by a CA the server trusts`,
    );
  });

  it('plain TCP to a TLS server, TLS to a plain server, nothing listening: each said as such', async () => {
    const toTls = await failure(section(mtlsAddress));
    expect(toTls.report?.outcome).toBe('server_speaks_tls');
    expect(toTls.message).toContain(`(namespace default, plain TCP): the server at ${mtlsAddress} speaks TLS`);
    expect(toTls.message).toContain('set temporal.tls.ca_file (TEMPORAL_TLS_CA) to the CA of its certificate (issuer CN=test-ca)');

    const toPlain = await failure(section(plainAddress, full()));
    expect(toPlain.report?.outcome).toBe('server_not_tls');
    expect(toPlain.message).toContain(`the server at ${plainAddress} does not answer the TLS handshake`);

    const gone = createServer();
    const freed = await listen(gone); // a port that was free a moment ago
    await new Promise((r) => gone.close(r));
    const refused = await failure(section(freed, full()));
    expect(refused.report?.outcome).toBe('refused');
    expect(refused.message).toContain(`nothing listens at ${freed} (connection refused)`);
  });

  it('a plain server reached over plain TCP is not wrapped: the connection works', async () => {
    const conn = await connect(section(plainAddress));
    await conn.close();
  });
});
