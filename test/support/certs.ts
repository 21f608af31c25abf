import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** PEM file paths of one test PKI. */
export interface TestPki {
  ca: string;
  /** A second CA that signed nothing the server knows. */
  otherCa: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** A client certificate signed by `otherCa`. */
  rogueCert: string;
  rogueKey: string;
}

export const TEST_SERVER_NAME = 'temporal.vvtv.test';

/**
 * A private CA, a server certificate (temporal.vvtv.test, localhost, 127.0.0.1), a client
 * certificate, and a second CA with its own client certificate; EC P-256, made with openssl
 * (the same shape as scripts/cluster.sh --tls).
 */
export function makeTestPki(dir: string): TestPki {
  const p = (n: string) => join(dir, n);
  const cnf = p('openssl.cnf');
  writeFileSync(
    cnf,
    [
      '[req]',
      'distinguished_name = dn',
      'prompt = no',
      '[dn]',
      'CN = unused',
      '[ca]',
      'basicConstraints = critical, CA:TRUE',
      'keyUsage = critical, keyCertSign, cRLSign',
      'subjectKeyIdentifier = hash',
      '[server]',
      'basicConstraints = critical, CA:FALSE',
      'keyUsage = critical, digitalSignature',
      'extendedKeyUsage = serverAuth',
      `subjectAltName = DNS:${TEST_SERVER_NAME}, DNS:localhost, IP:127.0.0.1`,
      '[client]',
      'basicConstraints = critical, CA:FALSE',
      'keyUsage = critical, digitalSignature',
      'extendedKeyUsage = clientAuth',
      '',
    ].join('\n'),
  );
  const ssl = (...args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const key = (name: string) => (
    ssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', p(`${name}.key`)),
    p(`${name}.key`)
  );
  const ca = (name: string) => {
    ssl(
      'req',
      '-new',
      '-x509',
      '-config',
      cnf,
      '-extensions',
      'ca',
      '-key',
      key(name),
      '-subj',
      `/CN=${name}`,
      '-days',
      '2',
      '-out',
      p(`${name}.pem`),
    );
    return p(`${name}.pem`);
  };
  const leaf = (name: string, cn: string, ext: 'server' | 'client', signer: string) => {
    ssl('req', '-new', '-config', cnf, '-key', key(name), '-subj', `/CN=${cn}`, '-out', p(`${name}.csr`));
    ssl(
      'x509',
      '-req',
      '-in',
      p(`${name}.csr`),
      '-CA',
      p(`${signer}.pem`),
      '-CAkey',
      p(`${signer}.key`),
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      cnf,
      '-extensions',
      ext,
      '-out',
      p(`${name}.pem`),
    );
    return p(`${name}.pem`);
  };
  const pki: TestPki = {
    ca: ca('test-ca'),
    otherCa: ca('other-ca'),
    serverCert: leaf('server', TEST_SERVER_NAME, 'server', 'test-ca'),
    serverKey: p('server.key'),
    clientCert: leaf('client', 'vvtv-autopilot', 'client', 'test-ca'),
    clientKey: p('client.key'),
    rogueCert: leaf('rogue', 'vvtv-autopilot', 'client', 'other-ca'),
    rogueKey: p('rogue.key'),
  };
  return pki;
}
