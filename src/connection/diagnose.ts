/**
 * When a connection to Temporal fails, the SDK says little: "Failed to connect before the deadline"
 * (@grpc/grpc-js, whatever the cause) or a tonic error chain (the worker's core). This repeats the
 * TLS handshake with node:tls and the same settings, and says what went wrong in terms of the
 * config: which `temporal.tls.*` field, which file, which certificate names.
 */
import { connect as tlsConnect, checkServerIdentity, type PeerCertificate } from 'node:tls';
import { isIP } from 'node:net';
import type { TemporalConnectionOptions, TemporalSection } from './options';

export type HandshakeOutcome =
  | 'handshake_ok'
  | 'plain_ok'
  | 'refused'
  | 'no_answer'
  | 'server_speaks_tls'
  | 'server_not_tls'
  | 'untrusted_server'
  | 'server_cert_expired'
  | 'wrong_server_name'
  | 'client_cert_required'
  | 'client_cert_refused'
  | 'handshake_failed';

/** What the probe found, with its evidence (the server certificate, the TLS error code). */
export interface HandshakeReport {
  outcome: HandshakeOutcome;
  /** One sentence for the operator, naming the config field to look at. */
  message: string;
  server?: { subject: string; issuer: string; names: string[]; validTo: string };
  code?: string;
}

export class TemporalConnectionError extends Error {
  override readonly name = 'TemporalConnectionError';
  constructor(
    message: string,
    readonly report: HandshakeReport | null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const HTTP2_PREFACE = Buffer.concat([
  Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'),
  Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]), // an empty SETTINGS frame
]);

const name = (field: string, env: string) => `temporal.tls.${field} (${env})`;

function serverEvidence(c: PeerCertificate): NonNullable<HandshakeReport['server']> {
  const dn = (d: PeerCertificate['subject'] | undefined) => (d?.CN ? `CN=${d.CN}` : JSON.stringify(d ?? {}));
  return {
    subject: dn(c.subject),
    issuer: dn(c.issuer),
    names: (c.subjectaltname ?? '').split(', ').filter(Boolean),
    validTo: c.valid_to,
  };
}

function alertOutcome(code: string, message: string, sentCert: boolean): HandshakeOutcome | null {
  const text = `${code} ${message}`.toUpperCase();
  if (/CERTIFICATE_REQUIRED|CERTIFICATE REQUIRED/.test(text)) return 'client_cert_required';
  if (/ALERT_BAD_CERTIFICATE|ALERT_UNKNOWN_CA|ALERT_CERTIFICATE_UNKNOWN|BAD CERTIFICATE|UNKNOWN CA/.test(text))
    return sentCert ? 'client_cert_refused' : 'client_cert_required';
  if (/ALERT_HANDSHAKE_FAILURE/.test(text) && !sentCert) return 'client_cert_required';
  return null;
}

/**
 * One TLS handshake (or, for a plain connection, a check whether the server wants TLS) against
 * `o.address`, with `o.tls`'s CA, client certificate and server name. Never throws.
 */
export async function probeHandshake(o: TemporalConnectionOptions, t: TemporalSection, timeoutMs = 5000): Promise<HandshakeReport> {
  const m = /^\[?(.*?)\]?:(\d+)$/.exec(o.address);
  const host = m?.[1] ?? o.address;
  const port = Number(m?.[2] ?? 7233);
  const tls = o.tls;
  const sentCert = Boolean(tls?.clientCertPair);
  const serverName = tls?.serverNameOverride ?? host;
  const caField = t.tls?.ca_file
    ? `${name('ca_file', 'TEMPORAL_TLS_CA')} = ${t.tls.ca_file}`
    : `${name('ca_file', 'TEMPORAL_TLS_CA')}, not set: the system roots`;
  const certField = `${name('cert_file', 'TEMPORAL_TLS_CERT')}${t.tls?.cert_file ? ` = ${t.tls.cert_file}` : ''}`;
  const keyField = name('key_file', 'TEMPORAL_TLS_KEY');
  const nameSource = tls?.serverNameOverride
    ? `${name('server_name', 'TEMPORAL_TLS_SERVER_NAME')} = ${tls.serverNameOverride}`
    : 'the host of temporal.address';

  return new Promise<HandshakeReport>((resolve) => {
    let secured = false;
    let settled = false;
    let server: HandshakeReport['server'];
    const socket = tlsConnect({
      host,
      port,
      ...(isIP(serverName) ? {} : { servername: serverName }),
      ALPNProtocols: ['h2'],
      rejectUnauthorized: false, // checked below, to say which check failed
      ...(tls?.serverRootCACertificate ? { ca: Buffer.from(tls.serverRootCACertificate) } : {}),
      ...(tls?.clientCertPair ? { cert: Buffer.from(tls.clientCertPair.crt), key: Buffer.from(tls.clientCertPair.key) } : {}),
    });
    const done = (r: HandshakeReport) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(server && !r.server ? { ...r, server } : r);
    };
    const timer = setTimeout(
      () =>
        done(
          secured
            ? { outcome: 'handshake_ok', message: `the TLS handshake succeeded but the server sent nothing within ${timeoutMs} ms` }
            : { outcome: 'no_answer', message: `no TLS handshake with ${o.address} within ${timeoutMs} ms` },
        ),
      timeoutMs,
    );

    socket.once('secureConnect', () => {
      secured = true;
      const peer = socket.getPeerCertificate();
      server = peer && Object.keys(peer).length ? serverEvidence(peer) : undefined;
      if (!tls)
        return done({
          outcome: 'server_speaks_tls',
          message:
            `the server at ${o.address} speaks TLS and this connection is plain TCP: set ${name('ca_file', 'TEMPORAL_TLS_CA')} ` +
            `to the CA of its certificate (issuer ${server?.issuer ?? 'unknown'}), and ${name('cert_file', 'TEMPORAL_TLS_CERT')} and ` +
            `${name('key_file', 'TEMPORAL_TLS_KEY')} when it requires client certificates`,
        });
      const authErr = socket.authorizationError as (Error & { code?: string }) | string | null;
      const authCode = !authErr ? null : typeof authErr === 'string' ? authErr : (authErr.code ?? authErr.message);
      // Node reports a name mismatch here too; the name check below says more.
      if (authCode && authCode !== 'ERR_TLS_CERT_ALTNAME_INVALID') {
        const code = authCode;
        if (code === 'CERT_HAS_EXPIRED')
          return done({ outcome: 'server_cert_expired', code, message: `the server's certificate expired (${server?.validTo})` });
        return done({
          outcome: 'untrusted_server',
          code,
          message:
            `the server's certificate (${server?.subject}, issued by ${server?.issuer}) is not signed by a CA this connection ` +
            `trusts (${caField}; ${code}): point temporal.tls.ca_file at the CA that signed it`,
        });
      }
      const mismatch = checkServerIdentity(serverName, peer);
      if (mismatch)
        return done({
          outcome: 'wrong_server_name',
          code: (mismatch as Error & { code?: string }).code ?? 'ERR_TLS_CERT_ALTNAME_INVALID',
          message:
            `the server's certificate is for ${server?.names.join(', ') || server?.subject}, not "${serverName}"` +
            ` (${nameSource})` +
            `: set temporal.tls.server_name to one of its names`,
        });
      // The server checks the client certificate after its side of the handshake: speak first.
      socket.write(HTTP2_PREFACE);
    });
    socket.once('data', () =>
      done({
        outcome: 'handshake_ok',
        message:
          `the TLS handshake with ${o.address} succeeds ` +
          `(server ${server?.subject}, client certificate ${sentCert ? 'accepted' : 'not asked for'})`,
      }),
    );
    socket.once('error', (err: Error & { code?: string }) => {
      const code = err.code ?? '';
      if (code === 'ECONNREFUSED')
        return done({ outcome: 'refused', code, message: `nothing listens at ${o.address} (connection refused)` });
      const alert = alertOutcome(code, err.message, sentCert);
      if (alert === 'client_cert_required')
        return done({
          outcome: alert,
          code,
          message: `the server requires a client certificate (mutual TLS) and none was sent: set ${certField} and ${keyField}`,
        });
      if (alert === 'client_cert_refused')
        return done({
          outcome: alert,
          code,
          message: `the server refused the client certificate of ${certField}: it is not signed by a CA the server trusts, or it expired`,
        });
      if (!tls) return done({ outcome: 'plain_ok', code, message: `the server at ${o.address} does not speak TLS (${err.message})` });
      if (!secured && /WRONG_VERSION_NUMBER|ECONNRESET|disconnected before secure TLS/i.test(`${code} ${err.message}`))
        return done({
          outcome: 'server_not_tls',
          code,
          message:
            `the server at ${o.address} does not answer the TLS handshake (${err.message}): ` +
            `it may serve plain TCP; check temporal.address and temporal.tls`,
        });
      done({ outcome: 'handshake_failed', code, message: `the TLS handshake with ${o.address} failed: ${err.message}` });
    });
    socket.once('close', () => {
      if (!secured)
        return done({
          outcome: tls ? 'server_not_tls' : 'plain_ok',
          message: `the server at ${o.address} closed the connection during the TLS handshake`,
        });
      done(
        sentCert
          ? {
              outcome: 'client_cert_refused',
              message:
                `the server closed the connection right after the TLS handshake, as a server refusing the client certificate does ` +
                `(one without an alert): check that ${certField} is signed by a CA the server trusts and has not expired`,
            }
          : {
              outcome: 'client_cert_required',
              message:
                `the server closed the connection right after the TLS handshake, as a server requiring a client certificate does: ` +
                `set ${certField} and ${keyField}`,
            },
      );
    });
  });
}

/**
 * The error to show for a failed connect: the address, the namespace, the probe's finding, and
 * the SDK's own message at the end (kept as `cause`).
 */
export async function explainConnectError(
  err: unknown,
  o: TemporalConnectionOptions,
  t: TemporalSection,
  what = 'connect',
  probeTimeoutMs = 5000,
): Promise<TemporalConnectionError> {
  if (err instanceof TemporalConnectionError) return err;
  const sdk = (err as Error)?.message?.split('\n')[0] ?? String(err);
  const report = await probeHandshake(o, t, probeTimeoutMs).catch(() => null);
  const mode = o.tls ? (o.tls.clientCertPair ? 'mutual TLS' : 'TLS') : 'plain TCP';
  const finding =
    !report || report.outcome === 'plain_ok'
      ? ''
      : report.outcome === 'handshake_ok'
        ? `${report.message}, so the failure is past TLS: `
        : `${report.message}. `;
  return new TemporalConnectionError(
    `cannot connect to Temporal at ${o.address} (namespace ${o.namespace}, ${mode}): ${finding}[${what}: ${sdk}]`,
    report,
    { cause: err },
  );
}

/** Runs `connect` (Connection.connect, NativeConnection.connect) and explains its failure. */
export async function connectOrExplain<T>(
  o: TemporalConnectionOptions,
  t: TemporalSection,
  what: string,
  connect: () => Promise<T>,
): Promise<T> {
  try {
    return await connect();
  } catch (err) {
    throw await explainConnectError(err, o, t, what);
  }
}
