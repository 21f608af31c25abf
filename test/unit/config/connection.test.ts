import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import YAML from 'yaml';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../../src/config/load';
import { ValidationError } from '../../../src/config/errors';
import {
  describeConnection,
  ensureSearchAttributes,
  searchAttributeCommands,
  temporalConnectionOptions,
  type OperatorService,
} from '../../../src/connection';

const dir = mkdtempSync(join(tmpdir(), 'vvtv-conn-'));
const pem = (name: string, label = 'CERTIFICATE') => {
  const p = join(dir, name);
  writeFileSync(p, `-----BEGIN ${label}-----\nAAAA\n-----END ${label}-----\n`);
  return p;
};
const CA = pem('ca.pem');
const CRT = pem('client.pem');
const KEY = pem('client.key', 'PRIVATE KEY');

/** The `temporal:` section as the config loader gives it, with env overrides applied. */
const BASE = YAML.parse(readFileSync(join(__dirname, '..', '..', '..', 'config', 'autopilot.yaml'), 'utf8'));
const section = (patch: string, env: NodeJS.ProcessEnv = {}) =>
  parseConfig(YAML.stringify({ ...BASE, ...(patch ? YAML.parse(patch) : {}) }), 'test.yaml', env).temporal;
const problems = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (err) {
    if (err instanceof ValidationError) return err.problems;
    throw err;
  }
  throw new Error('expected a ValidationError');
};

describe('Temporal connection options (issue 11): one builder for worker, client and vvtvctl', () => {
  it('plain TCP by default: address and namespace, no TLS, no key', () => {
    expect(temporalConnectionOptions(section(''), {})).toEqual({ address: 'localhost:7233', namespace: 'default' });
  });

  it('reads TLS files and the server name from the environment (TEMPORAL_TLS_*)', () => {
    const env = {
      TEMPORAL_ADDRESS: 'temporal.example:7233',
      TEMPORAL_NAMESPACE: 'prod',
      TEMPORAL_TLS_CA: CA,
      TEMPORAL_TLS_CERT: CRT,
      TEMPORAL_TLS_KEY: KEY,
      TEMPORAL_TLS_SERVER_NAME: 'frontend',
    };
    const o = temporalConnectionOptions(section('', env), env);
    expect(o.address).toBe('temporal.example:7233');
    expect(o.namespace).toBe('prod');
    expect(o.tls?.serverNameOverride).toBe('frontend');
    expect(Buffer.from(o.tls!.serverRootCACertificate!).toString()).toContain('BEGIN CERTIFICATE');
    expect(Buffer.from(o.tls!.clientCertPair!.key).toString()).toContain('BEGIN PRIVATE KEY');
  });

  it('an API key comes from the variable named by temporal.api_key_env, turns TLS on, and is never described', () => {
    const t = section('temporal: { api_key_env: VVTV_CLOUD_KEY }');
    const o = temporalConnectionOptions(t, { VVTV_CLOUD_KEY: 'sekret-key-123' });
    expect(o.apiKey).toBe('sekret-key-123');
    expect(o.tls).toEqual({});
    const shown = JSON.stringify(describeConnection(o, t));
    expect(shown).not.toContain('sekret');
    expect(shown).toContain('from VVTV_CLOUD_KEY');
    // TEMPORAL_API_KEY is the default variable.
    expect(temporalConnectionOptions(section(''), { TEMPORAL_API_KEY: 'k' }).apiKey).toBe('k');
  });

  it('names the field: bad address, missing file, cert without key, key without cert, empty key variable', () => {
    expect(problems(() => temporalConnectionOptions(section('temporal: { address: "nohostport" }'), {}))).toEqual([
      'temporal.address: expected host:port, got "nohostport"',
    ]);
    expect(problems(() => temporalConnectionOptions(section('temporal: { address: "h:70000" }'), {}))).toEqual([
      'temporal.address: expected a port in 1..65535, got 70000',
    ]);
    expect(problems(() => temporalConnectionOptions(section(`temporal: { tls: { ca_file: ${join(dir, 'nope.pem')} } }`), {}))).toEqual([
      `temporal.tls.ca_file: cannot read ${join(dir, 'nope.pem')}: no such file`,
    ]);
    expect(problems(() => temporalConnectionOptions(section(`temporal: { tls: { cert_file: ${CRT} } }`), {}))).toEqual([
      'temporal.tls.key_file: required with temporal.tls.cert_file (TEMPORAL_TLS_KEY)',
    ]);
    expect(problems(() => temporalConnectionOptions(section(`temporal: { tls: { key_file: ${KEY} } }`), {}))).toEqual([
      'temporal.tls.cert_file: required with temporal.tls.key_file (TEMPORAL_TLS_CERT)',
    ]);
    expect(problems(() => temporalConnectionOptions(section(''), { TEMPORAL_API_KEY: ' ' }))).toEqual([
      'temporal.api_key_env: the environment variable TEMPORAL_API_KEY is set but empty',
    ]);
    const notPem = join(dir, 'not.pem');
    writeFileSync(notPem, 'hello');
    expect(problems(() => temporalConnectionOptions(section(`temporal: { tls: { ca_file: ${notPem} } }`), {}))).toEqual([
      `temporal.tls.ca_file: ${notPem} is not PEM (no "-----BEGIN" line)`,
    ]);
    expect(problems(() => section('temporal: { api_key_env: "not a name" }'))).toEqual([
      'temporal.api_key_env: expected an environment variable name',
    ]);
  });

  it('an unreadable file is named (permission denied)', () => {
    if (process.getuid?.() === 0) {
      // root reads any file: a directory stands in for the unreadable path
      expect(problems(() => temporalConnectionOptions(section(`temporal: { tls: { ca_file: ${dir} } }`), {}))).toEqual([
        `temporal.tls.ca_file: ${dir} is not a file`,
      ]);
      return;
    }
    const locked = pem('locked.pem');
    chmodSync(locked, 0o000);
    expect(problems(() => temporalConnectionOptions(section(`temporal: { tls: { ca_file: ${locked} } }`), {}))[0]).toContain(
      'permission denied',
    );
  });
});

describe('search attributes when the server refuses the operator service (e.g. Temporal Cloud)', () => {
  /** The SDK's operator service surface; its errors carry the gRPC status code, as @grpc/grpc-js's do. */
  const refusing = (code: number, at: 'list' | 'add', listed: Record<string, number> = {}): OperatorService =>
    ({
      listSearchAttributes: async () => {
        if (at === 'list') throw Object.assign(new Error('request denied'), { code });
        return { customAttributes: listed };
      },
      addSearchAttributes: async () => {
        throw Object.assign(new Error('request denied'), { code });
      },
    }) as unknown as OperatorService;

  it('fails with the exact temporal operator commands for the missing attributes', async () => {
    const err = await ensureSearchAttributes(refusing(7, 'add', { VvtvChannel: 2 }), 'prod').catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain('PERMISSION_DENIED');
    expect((err as Error).message).toContain(
      'temporal operator search-attribute create --namespace prod --name VvtvOutcome --type Keyword',
    );
    expect((err as Error).message).toContain('temporal operator search-attribute create --namespace prod --name VvtvState --type Keyword');
    expect((err as Error).message).not.toContain('--name VvtvChannel');
  });

  it('an unimplemented list names all three commands; a wrong type is refused', async () => {
    const msg = ((await ensureSearchAttributes(refusing(12, 'list'), 'ns').catch((e: Error) => e)) as Error).message;
    expect(msg).toContain('UNIMPLEMENTED');
    for (const c of searchAttributeCommands('ns')) expect(msg).toContain(c);
    const wrong = await ensureSearchAttributes(refusing(7, 'add', { VvtvChannel: 1, VvtvOutcome: 2, VvtvState: 2 }), 'ns').catch(
      (e: Error) => e,
    );
    expect((wrong as Error).message).toContain('VvtvChannel is Text, expected Keyword');
  });
});
