// `tokenmap keys fetch|show` through the real binary: pre-seeding the key cache from a real HTTPS issuer
// (test CA), showing every source, and the transport error when an issuer cannot be reached.
import t from 'tap';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { issuerFileName } from '../src/tokens/jwks-cache-file.js';
import { put, scratch } from './helpers/files.js';
import { runBin } from './helpers/run.js';
import { ecKey, jwks, rsaKey, startIssuer, testCa } from './helpers/token-keys.js';

const dir = scratch();
const ca = testCa(dir);
const rsa = rsaKey('rsa1');
const ec = ecKey('ec1');

t.test('keys fetch seeds the cache; keys show lists each source in order', async (t) => {
  const issuer = await startIssuer(ca.server, jwks(rsa, ec));
  t.teardown(() => issuer.close());
  const pinnedFile = put(dir, 'pinned.jwks', JSON.stringify(jwks(rsa)));
  const config = put(
    dir,
    'tokenmap.ini',
    `[rules]\nsource[] = policy:p.ini\n[tokens]\ntrust[] = ${issuer.url}\njwks[] = https://pinned.example/ pinned.jwks\nca = ${ca.caCert}\nkey_cache = cache\nsystem_jwks_cache = no\n`,
  );
  put(dir, 'p.ini', '');
  let r = await runBin(['keys', 'fetch', '--config', config]);
  t.equal(r.code, 0, r.stderr);
  const file = join(dir, 'cache', issuerFileName(issuer.url));
  t.match(String(r.stdout), `${issuer.url}: rsa1 RSA, ec1 EC P-256 from ${issuer.url}/jwks -> ${file}`);
  t.match(String(r.stdout), `https://pinned.example/: keys pinned in ${pinnedFile}; not fetched`);
  t.ok(JSON.parse(readFileSync(file, 'utf8'))[issuer.url].jwks.keys.length === 2);
  r = await runBin(['keys', 'show', '--config', config]);
  t.equal(r.code, 0, r.stderr);
  const out = String(r.stdout);
  t.match(out, `1 pinned            ${pinnedFile}: rsa1 RSA (the only source used for this issuer)`);
  t.match(out, `2 WLCG JWKS cache   not read (system_jwks_cache = no)`);
  t.match(out, new RegExp(`3 tokenmap cache    ${file}: rsa1 RSA, ec1 EC P-256 from .*fetched `));
  t.match(out, `4 discovery         ${issuer.url}/.well-known/openid-configuration`);
  issuer.status = 502;
  r = await runBin(['keys', 'fetch', '--config', config, issuer.url, 'https://untrusted.example/']);
  t.equal(r.code, 2);
  t.match(String(r.stdout), `${issuer.url}: fetch failed: ${issuer.url}/.well-known/openid-configuration: HTTP 502`);
  t.match(String(r.stdout), 'https://untrusted.example/: not on the trust list');
  t.match(r.stderr, '2 issuer(s) failed');
  r = await runBin(['keys', 'show', '--config', config, issuer.url]);
  t.match(String(r.stdout), /last refresh failed: .*HTTP 502/, 'the cached keys are kept, the failure shown');
});

t.test('keys: usage and configuration errors are exit 2', async (t) => {
  const config = put(dir, 'bare.ini', `[rules]\nsource[] = policy:p.ini\n`);
  let r = await runBin(['keys', 'fetch', '--config', config]);
  t.equal(r.code, 2);
  t.match(r.stderr, `${config}: keys fetch: no [tokens] key_cache`);
  r = await runBin(['keys', 'drop', '--config', config]);
  t.equal(r.code, 2);
  const bad = put(dir, 'bad.ini', `[rules]\nsource[] = policy:p.ini\n[tokens]\nkey_refresh = 60\n`);
  r = await runBin(['keys', 'show', '--config', bad]);
  t.equal(r.code, 2);
  t.match(r.stderr, `${bad}:4: [tokens] key_refresh: 60 is outside [3600, 21600]`);
});
