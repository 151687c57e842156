/**
 * A token issuer for the A-REX integration tests: OIDC discovery and a JWKS over HTTPS on 127.0.0.1
 * (port 0), with a certificate from the test CA, and RS256 tokens minted in process. A-REX fetches
 * `<iss>/.well-known/openid-configuration` and `jwks_uri` for every token it validates (ARC 6 keeps no
 * cache), and its HTTP client sends absolute-form request targets (`GET https://host:port/path`), so the
 * scheme and authority are stripped before routing.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

export interface Issuer {
  /** `iss` of every token, with no trailing slash. */
  readonly url: string;
  /** Discovery and JWKS requests served so far. */
  readonly fetches: () => number;
  /** A signed token: `iss`, `iat`, `nbf`, `exp` (+10 min) and `jti` are added unless given (null drops one). */
  mint(claims: Record<string, unknown>): Promise<string>;
  close(): Promise<void>;
}

const KID = 'tokenmap-it';

export async function startIssuer(certDir: string): Promise<Issuer> {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: KID, alg: 'RS256', use: 'sig' };
  let url = '';
  let fetches = 0;
  const server: Server = createServer(
    { key: readFileSync(join(certDir, 'issuer-key.pem')), cert: readFileSync(join(certDir, 'issuer-cert.pem')) },
    (req, res) => {
      const path = (req.url ?? '').replace(/^https?:\/\/[^/]*/, '').replace(/\?.*$/, '');
      const body =
        path === '/.well-known/openid-configuration'
          ? { issuer: url, jwks_uri: `${url}/jwks` }
          : path === '/jwks'
            ? { keys: [jwk] }
            : null;
      if (body) fetches++;
      res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body ?? { error: 'not found' }));
    },
  );
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('issuer: no port');
  url = `https://127.0.0.1:${address.port}`;
  return {
    url,
    fetches: () => fetches,
    async mint(claims) {
      const now = Math.floor(Date.now() / 1000);
      const full: Record<string, unknown> = {
        iss: url,
        iat: now,
        nbf: now,
        exp: now + 600,
        jti: randomUUID(),
        ...claims,
      };
      for (const [k, v] of Object.entries(full)) if (v === null) delete full[k];
      return new SignJWT(full).setProtectedHeader({ alg: 'RS256', kid: KID, typ: 'JWT' }).sign(privateKey);
    },
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
