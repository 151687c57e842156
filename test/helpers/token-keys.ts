/**
 * Real keys, real signed tokens and a real HTTPS key server for the verification tests: RSA and P-256 key
 * pairs from node:crypto, tokens signed by hand (so that headers such as crit or alg none can be
 * written), a test CA and server certificates made with the openssl CLI, and an OpenID issuer served on
 * 127.0.0.1 (port 0) whose JWKS the test can rotate, break or slow down.
 */
import { execFileSync } from 'node:child_process';
import { createHmac, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import { join } from 'node:path';
import { put } from './files.js';

export interface TestKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: KeyObject;
  jwk: Record<string, unknown>;
}

export function rsaKey(kid: string, bits = 2048): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  return { kid, alg: 'RS256', privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, use: 'sig' } };
}

export function ecKey(kid: string, namedCurve = 'P-256'): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve });
  return { kid, alg: 'ES256', privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid } };
}

export const jwks = (...keys: TestKey[]) => ({ keys: keys.map((k) => k.jwk) });

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

/** A compact JWS; `header` overrides or removes (undefined) members of {alg, kid, typ}. */
export function signToken(key: TestKey, payload: unknown, header: Record<string, unknown> = {}): string {
  const h = Object.fromEntries(
    Object.entries({ alg: key.alg, kid: key.kid, typ: 'at+jwt', ...header }).filter(([, v]) => v !== undefined),
  );
  const input = `${b64(h)}.${b64(payload)}`;
  const alg = h.alg;
  let sig: Buffer;
  if (alg === 'none') sig = Buffer.alloc(0);
  else if (typeof alg === 'string' && alg.startsWith('HS')) sig = createHmac('sha256', 'secret').update(input).digest();
  else
    sig = sign('sha256', Buffer.from(input), {
      key: key.privateKey,
      ...(key.alg === 'ES256' ? { dsaEncoding: 'ieee-p1363' as const } : {}),
    });
  return `${input}.${sig.toString('base64url')}`;
}

export interface TestCa {
  dir: string;
  caCert: string;
  /** Certificate and key for 127.0.0.1 (SAN IP), signed by the CA. */
  server: { cert: string; key: string };
  /** Signed by the CA, but for another host name. */
  wrongName: { cert: string; key: string };
}

export function testCa(dir: string): TestCa {
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  run(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=tokenmap test CA',
  );
  const leaf = (name: string, san: string) => {
    run(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      `/CN=${name}`,
    );
    put(dir, `${name}.ext`, `subjectAltName=${san}\n`);
    run(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.pem`,
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
    );
    return { cert: join(dir, `${name}.pem`), key: join(dir, `${name}.key`) };
  };
  return {
    dir,
    caCert: join(dir, 'ca.pem'),
    server: leaf('server', 'IP:127.0.0.1'),
    wrongName: leaf('wrong', 'DNS:wrong.example'),
  };
}

/** The OpenSSL subject hash of a certificate (the CApath file name stem). */
export function subjectHash(cert: string): string {
  return execFileSync('openssl', ['x509', '-hash', '-noout', '-in', cert]).toString().trim();
}

export interface Issuer {
  url: string;
  server: Server;
  /** The JWKS served now. */
  jwks: unknown;
  /** Requests seen, by path. */
  hits: string[];
  /** When set, every response has this status. */
  status?: number;
  cacheControl?: string;
  close(): Promise<void>;
}

export async function startIssuer(
  tls: { cert: string; key: string },
  jwksNow: unknown,
  realm = '/realm',
): Promise<Issuer> {
  const { readFileSync } = await import('node:fs');
  // The handler reads the issuer object, so a test changes what is served by assigning to it.
  const issuer = { jwks: jwksNow, hits: [] as string[] } as Issuer;
  const server = createServer({ cert: readFileSync(tls.cert), key: readFileSync(tls.key) }, (req, res) => {
    issuer.hits.push(req.url ?? '');
    if (issuer.status) {
      res.writeHead(issuer.status).end('no');
      return;
    }
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (issuer.cacheControl) headers['cache-control'] = issuer.cacheControl;
    if (req.url === `${realm}/.well-known/openid-configuration`)
      res.writeHead(200, headers).end(JSON.stringify({ issuer: issuer.url, jwks_uri: `${issuer.url}/jwks` }));
    else if (req.url === `${realm}/jwks`) res.writeHead(200, headers).end(JSON.stringify(issuer.jwks));
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  issuer.server = server;
  issuer.url = `https://127.0.0.1:${(server.address() as { port: number }).port}${realm}`;
  issuer.close = () =>
    new Promise<void>((r) => {
      server.close(() => r());
      server.closeAllConnections();
    });
  return issuer;
}

/** A WLCG 1.0 payload for issuer `iss`, valid for an hour from `now`, for the audience the test sites accept. */
export const wlcgPayload = (iss: string, now: number, extra: Record<string, unknown> = {}) => ({
  iss,
  sub: 'u1',
  aud: 'https://ce.example.org',
  'wlcg.ver': '1.0',
  jti: 'j',
  iat: now - 5,
  exp: now + 3600,
  ...extra,
});
