/**
 * One place builds the Temporal connection options (address, TLS, API key) from the config's
 * `temporal:` section and the environment: the worker's NativeConnection, the client's Connection
 * and vvtvctl all use it. Validation happens here, at start, with errors naming the field.
 */
import { readFileSync, statSync } from 'node:fs';
import type { TLSConfig } from '@temporalio/client';
import type { AutopilotConfig } from '../config/schema';
import { ValidationError } from '../config/errors';

export type TemporalSection = AutopilotConfig['temporal'];

export interface TemporalConnectionOptions {
  address: string;
  namespace: string;
  /** Absent: plain TCP. */
  tls?: TLSConfig;
  /** Read from the environment variable named by `temporal.api_key_env`; never logged. */
  apiKey?: string;
}

/** PEM files are small; anything larger is not a certificate. */
const MAX_PEM_BYTES = 1024 * 1024;

/** `host:port` or `[v6]:port`, port 1–65535. */
export function addressProblem(address: string): string | null {
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9][A-Za-z0-9.-]*):(\d{1,5})$/.exec(address);
  if (!m) return `expected host:port, got ${JSON.stringify(address)}`;
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return `expected a port in 1..65535, got ${m[2]}`;
  return null;
}

function readPem(field: string, path: string, problems: string[]): Buffer | undefined {
  try {
    const st = statSync(path);
    if (!st.isFile()) {
      problems.push(`${field}: ${path} is not a file`);
      return undefined;
    }
    if (st.size > MAX_PEM_BYTES) {
      problems.push(`${field}: ${path} is ${st.size} bytes, more than a PEM file holds (${MAX_PEM_BYTES})`);
      return undefined;
    }
    const data = readFileSync(path);
    if (!data.toString('utf8').includes('-----BEGIN ')) {
      problems.push(`${field}: ${path} is not PEM (no "-----BEGIN" line)`);
      return undefined;
    }
    return data;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'not readable (permission denied)' : (err as Error).message;
    problems.push(`${field}: cannot read ${path}: ${why}`);
    return undefined;
  }
}

/**
 * The options for `Connection.connect` / `NativeConnection.connect`. Throws a ValidationError
 * listing every problem (bad address, missing or unreadable file, a certificate without its key,
 * an API key variable that is named but empty).
 */
export function temporalConnectionOptions(t: TemporalSection, env: NodeJS.ProcessEnv = process.env): TemporalConnectionOptions {
  const problems: string[] = [];
  const addr = addressProblem(t.address);
  if (addr) problems.push(`temporal.address: ${addr}`);
  if (!t.namespace) problems.push('temporal.namespace: expected a namespace name');

  const tlsCfg = t.tls ?? {};
  const { ca_file, cert_file, key_file, server_name } = tlsCfg;
  if (cert_file && !key_file) problems.push('temporal.tls.key_file: required with temporal.tls.cert_file (TEMPORAL_TLS_KEY)');
  if (key_file && !cert_file) problems.push('temporal.tls.cert_file: required with temporal.tls.key_file (TEMPORAL_TLS_CERT)');
  const ca = ca_file ? readPem('temporal.tls.ca_file', ca_file, problems) : undefined;
  const crt = cert_file ? readPem('temporal.tls.cert_file', cert_file, problems) : undefined;
  const key = key_file ? readPem('temporal.tls.key_file', key_file, problems) : undefined;

  const apiKey = env[t.api_key_env]?.trim() || undefined;
  if (env[t.api_key_env] !== undefined && !apiKey)
    problems.push(`temporal.api_key_env: the environment variable ${t.api_key_env} is set but empty`);
  if (problems.length) throw new ValidationError('temporal connection', problems);

  const tlsOn = tlsCfg.enabled ?? Boolean(ca_file || cert_file || server_name || apiKey);
  const opts: TemporalConnectionOptions = { address: t.address, namespace: t.namespace };
  if (tlsOn) {
    opts.tls = {
      ...(ca ? { serverRootCACertificate: ca } : {}),
      ...(crt && key ? { clientCertPair: { crt, key } } : {}),
      ...(server_name ? { serverNameOverride: server_name } : {}),
    };
  }
  if (apiKey) opts.apiKey = apiKey;
  return opts;
}

/** What may be logged about a connection: never the key, never file contents. */
export function describeConnection(o: TemporalConnectionOptions, t: TemporalSection): Record<string, unknown> {
  return {
    address: o.address,
    namespace: o.namespace,
    tls: o.tls
      ? { ca_file: t.tls?.ca_file ?? null, client_cert: Boolean(o.tls.clientCertPair), server_name: t.tls?.server_name ?? null }
      : false,
    apiKey: o.apiKey ? `from ${t.api_key_env}` : null,
  };
}
