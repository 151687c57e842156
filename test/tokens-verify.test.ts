/**
 * Token verification end to end through the real key sources: tokens signed with RSA and P-256 keys
 * generated here, keys from a pinned JWKS file, the WLCG JWKS cache layout on disk, tokenmap's own cache
 * and a real HTTPS issuer on 127.0.0.1 with a test CA. Every code of src/tokens/verification.ts has a case;
 * the clock is injected, so rotation, the refetch rate limit, the negative cache and skew bounds are exact.
 */
import t, { type Test } from 'tap';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { issuerFileName } from '../src/tokens/jwks-cache-file.js';
import { tokenSettings, type TokenSettings } from '../src/tokens/settings.js';
import { VERIFY_CODES, type Verification } from '../src/tokens/verification.js';
import { verifyWithSettings, type SiteAudience } from '../src/tokens/verifier.js';
import { put, scratch } from './helpers/files.js';
import {
  ecKey,
  jwks,
  rsaKey,
  signToken,
  startIssuer,
  subjectHash,
  testCa,
  type TestKey,
} from './helpers/token-keys.js';

const NOW = 1_800_000_000;
const dir = scratch();
const ca = testCa(dir);
const rsa = rsaKey('rsa1');
const ec = ecKey('ec1');
const PINNED = 'https://pinned.example.org/';
const pinnedFile = put(dir, 'pinned.jwks', JSON.stringify(jwks(rsa, ec)));
const noAudience: SiteAudience = { accept: [], wlcgAny: false, scitokensAny: false, missingOkIssuers: [] };
const ceAudience: SiteAudience = { ...noAudience, accept: ['https://ce.example.org'] };

const wlcg = (iss: string, extra: Record<string, unknown> = {}) => ({
  iss,
  sub: 'user1',
  aud: 'https://ce.example.org',
  'wlcg.ver': '1.0',
  jti: 'j1',
  iat: NOW - 10,
  exp: NOW + 600,
  scope: 'compute.create',
  ...extra,
});

function settings(section: Record<string, unknown>): TokenSettings {
  return tokenSettings(
    { system_jwks_cache: 'no', ...section },
    (p) => p,
    () => undefined,
  );
}
const pinned = (extra: Record<string, unknown> = {}) => settings({ jwks: `${PINNED} ${pinnedFile}`, ...extra });

interface Run {
  s?: TokenSettings;
  audience?: SiteAudience;
  at?: number;
  clock?: number;
  env?: Record<string, string>;
  root?: string;
}
const verify = (token: string, r: Run = {}): Promise<Verification> =>
  verifyWithSettings(
    token,
    r.s ?? pinned(),
    r.audience ?? ceAudience,
    { env: r.env ?? {}, now: () => r.clock ?? NOW, root: r.root ?? join(dir, 'no-root') },
    r.at ?? NOW,
  );

const seen = new Set<string>();
async function expectCode(t: Test, token: string, code: string, r: Run = {}, message?: RegExp) {
  const v = await verify(token, r);
  t.equal(v.code, code, `${code}: ${v.message}`);
  t.equal(v.result, code === 'KEYS_UNAVAILABLE' ? 'unavailable' : 'rejected');
  if (message) t.match(v.message, message);
  seen.add(code);
  return v;
}

t.test('verified with pinned RSA and P-256 keys', async (t) => {
  for (const k of [rsa, ec]) {
    const v = await verify(signToken(k, wlcg(PINNED)));
    t.same(
      { result: v.result, alg: v.alg, kid: v.kid, key_source: v.key_source, key_origin: v.key_origin },
      { result: 'verified', alg: k.alg, kid: k.kid, key_source: 'pinned', key_origin: pinnedFile },
    );
  }
});

t.test('TOKEN_MALFORMED: crit, JWE, broken parts, duplicate members', async (t) => {
  await expectCode(t, signToken(rsa, wlcg(PINNED), { crit: ['exp'], exp: 1 }), 'TOKEN_MALFORMED', {}, /crit/);
  await expectCode(t, 'a.b.c.d.e', 'TOKEN_MALFORMED', {}, /JWE/);
  await expectCode(t, signToken(rsa, wlcg(PINNED)).split('.').slice(0, 2).join('.') + '.', 'TOKEN_MALFORMED');
  await expectCode(t, 'e30.e30.@@', 'TOKEN_MALFORMED');
  const dup = Buffer.from('{"iss":"a","iss":"b"}').toString('base64url');
  const [h, , s] = signToken(rsa, wlcg(PINNED)).split('.');
  await expectCode(t, `${h}.${dup}.${s}`, 'TOKEN_MALFORMED', {}, /duplicate/i);
  await expectCode(t, signToken(rsa, wlcg(PINNED), { alg: undefined }), 'TOKEN_MALFORMED', {}, /no alg/);
});

t.test('TOKEN_ALG_REFUSED: none, HMAC, other asymmetric algorithms, the configured subset', async (t) => {
  await expectCode(t, signToken(rsa, wlcg(PINNED), { alg: 'none' }), 'TOKEN_ALG_REFUSED', {}, /never/);
  await expectCode(t, signToken(rsa, wlcg(PINNED), { alg: 'HS256' }), 'TOKEN_ALG_REFUSED', {}, /never/);
  for (const alg of ['RS384', 'PS256', 'ES384', 'EdDSA'])
    await expectCode(t, signToken(rsa, wlcg(PINNED), { alg }), 'TOKEN_ALG_REFUSED');
  await expectCode(t, signToken(rsa, wlcg(PINNED)), 'TOKEN_ALG_REFUSED', { s: pinned({ algorithms: 'ES256' }) });
  t.equal((await verify(signToken(ec, wlcg(PINNED)), { s: pinned({ algorithms: 'ES256' }) })).result, 'verified');
});

t.test('TOKEN_KID_MISSING and TOKEN_KID_UNKNOWN; header keys are ignored', async (t) => {
  await expectCode(t, signToken(rsa, wlcg(PINNED), { kid: undefined }), 'TOKEN_KID_MISSING');
  await expectCode(t, signToken(rsa, wlcg(PINNED), { kid: '' }), 'TOKEN_KID_MISSING');
  await expectCode(t, signToken(rsa, wlcg(PINNED), { kid: 'other' }), 'TOKEN_KID_UNKNOWN', {}, /pinned/);
  // A token that carries its own key (jwk) is still checked against the pinned key only.
  const attacker = rsaKey('rsa1');
  const v = await expectCode(
    t,
    signToken(attacker, wlcg(PINNED), { jwk: attacker.jwk, jku: 'https://evil.example/' }),
    'TOKEN_SIGNATURE_INVALID',
  );
  t.match(v.notes?.join('\n'), /jwk is ignored/);
});

t.test('TOKEN_SIGNATURE_INVALID: a changed payload, and a signature over another header', async (t) => {
  const [h, , s] = signToken(rsa, wlcg(PINNED)).split('.');
  const p = Buffer.from(JSON.stringify(wlcg(PINNED, { sub: 'root' }))).toString('base64url');
  await expectCode(t, `${h}.${p}.${s}`, 'TOKEN_SIGNATURE_INVALID');
  const [h2, p2, s2] = signToken(ec, wlcg(PINNED)).split('.');
  await expectCode(t, `${h2}.${p2}.${s2?.slice(0, -4)}AAAA`, 'TOKEN_SIGNATURE_INVALID');
});

t.test('TOKEN_ISSUER_UNTRUSTED: exact strings, and the trailing slash is pointed out', async (t) => {
  await expectCode(t, signToken(rsa, wlcg('https://other.example.org/')), 'TOKEN_ISSUER_UNTRUSTED');
  await expectCode(t, signToken(rsa, wlcg(PINNED.slice(0, -1))), 'TOKEN_ISSUER_UNTRUSTED', {}, /trailing slash/);
});

t.test('TOKEN_KEY_REFUSED: short RSA key, key type or curve not fitting alg, key alg/use', async (t) => {
  const short = rsaKey('short', 1024);
  const p384 = ecKey('p384', 'P-384');
  const other = { ...rsa, kid: 'rsa-enc', jwk: { ...rsa.jwk, kid: 'rsa-enc', use: 'enc' } };
  const wrongAlg = { ...rsa, kid: 'rsa-ps', jwk: { ...rsa.jwk, kid: 'rsa-ps', alg: 'PS256' } };
  const file = put(dir, 'refused.jwks', JSON.stringify(jwks(short, p384, ec, other as TestKey, wrongAlg as TestKey)));
  const s = settings({ jwks: `${PINNED} ${file}` });
  await expectCode(t, signToken(short, wlcg(PINNED)), 'TOKEN_KEY_REFUSED', { s }, /1024 bits/);
  await expectCode(t, signToken(p384, wlcg(PINNED), { alg: 'ES256' }), 'TOKEN_KEY_REFUSED', { s }, /P-384/);
  await expectCode(t, signToken(rsa, wlcg(PINNED), { kid: 'ec1' }), 'TOKEN_KEY_REFUSED', { s }, /kty RSA/);
  await expectCode(t, signToken(other as TestKey, wlcg(PINNED)), 'TOKEN_KEY_REFUSED', { s }, /use/);
  await expectCode(t, signToken(wrongAlg as TestKey, wlcg(PINNED)), 'TOKEN_KEY_REFUSED', { s }, /PS256/);
});

t.test('exp without leeway; nbf and iat with the skew, at each bound', async (t) => {
  const tok = (extra: Record<string, unknown>) => signToken(rsa, wlcg(PINNED, extra));
  t.equal((await verify(tok({ exp: NOW + 1 }))).result, 'verified', 'one second before exp');
  await expectCode(t, tok({ exp: NOW }), 'TOKEN_EXPIRED', {}, /no leeway/);
  await expectCode(t, tok({ exp: undefined }), 'TOKEN_EXPIRED', {}, /no expiry/);
  t.equal((await verify(tok({ nbf: NOW + 60 }))).result, 'verified', 'nbf at now + skew');
  await expectCode(t, tok({ nbf: NOW + 60.5 }), 'TOKEN_NOT_YET_VALID');
  t.equal((await verify(tok({ iat: NOW + 60 }))).result, 'verified', 'iat at now + skew');
  await expectCode(t, tok({ iat: NOW + 61 }), 'TOKEN_NOT_YET_VALID', {}, /future/);
  const s = pinned({ skew: '0' });
  t.equal((await verify(tok({ nbf: NOW }), { s })).result, 'verified', 'skew 0: nbf = now');
  await expectCode(t, tok({ nbf: NOW + 1 }), 'TOKEN_NOT_YET_VALID', { s });
  await expectCode(t, tok({}), 'TOKEN_EXPIRED', { at: NOW + 600 }, /expired 0 s ago/);
  // One duration style (src/duration.ts) in verification messages too.
  await expectCode(t, tok({}), 'TOKEN_EXPIRED', { at: NOW + 600 + 8040 }, /expired 2 h 14 min ago/);
  await expectCode(t, tok({ nbf: NOW + 3 * 86400 }), 'TOKEN_NOT_YET_VALID', {}, /\(3 d from now; skew 60 s\)/);
});

t.test('TOKEN_AUDIENCE: exact values, the any values per profile, a missing aud', async (t) => {
  await expectCode(t, signToken(rsa, wlcg(PINNED, { aud: 'https://CE.example.org' })), 'TOKEN_AUDIENCE');
  await expectCode(t, signToken(rsa, wlcg(PINNED, { aud: undefined })), 'TOKEN_AUDIENCE', { audience: noAudience });
  const any = { ...ceAudience, wlcgAny: true, scitokensAny: true };
  const wlcgAny = signToken(rsa, wlcg(PINNED, { aud: 'https://wlcg.cern.ch/jwt/v1/any' }));
  t.equal((await verify(wlcgAny, { audience: any })).result, 'verified');
  await expectCode(t, wlcgAny, 'TOKEN_AUDIENCE');
  const sciAny = (aud: string, ver: Record<string, unknown>) =>
    signToken(rsa, { ...wlcg(PINNED, { aud }), 'wlcg.ver': undefined, ...ver });
  t.equal((await verify(sciAny('ANY', { ver: 'scitoken:2.0' }), { audience: any })).result, 'verified');
  await expectCode(t, signToken(rsa, wlcg(PINNED, { aud: 'ANY' })), 'TOKEN_AUDIENCE', { audience: any });
  const egi = { iss: PINNED, sub: 'u@egi.eu', exp: NOW + 60, iat: NOW };
  await expectCode(t, signToken(rsa, egi), 'TOKEN_AUDIENCE', {}, /no audience/);
  t.equal(
    (await verify(signToken(rsa, egi), { audience: { ...ceAudience, missingOkIssuers: [PINNED] } })).result,
    'verified',
  );
});

t.test('TOKEN_PROFILE: versions and required claims', async (t) => {
  await expectCode(t, signToken(rsa, wlcg(PINNED, { 'wlcg.ver': '2.0' })), 'TOKEN_PROFILE', {}, /major/);
  await expectCode(t, signToken(rsa, wlcg(PINNED, { ver: 'scitokens:3.0' })), 'TOKEN_PROFILE');
  await expectCode(t, signToken(rsa, wlcg(PINNED, { jti: undefined })), 'TOKEN_PROFILE', {}, /jti/);
  await expectCode(t, signToken(rsa, wlcg(PINNED, { sub: undefined })), 'TOKEN_PROFILE', {}, /sub/);
  t.equal((await verify(signToken(rsa, wlcg(PINNED, { 'wlcg.ver': '1.3' })))).result, 'verified', 'newer minor');
});

t.test('WLCG system JWKS cache: search order, SHA-256 names, concatenated objects, expiration', async (t) => {
  const ISS = 'https://wlcg-cached.example.org/';
  const entry = (k: TestKey, expiration: number) =>
    JSON.stringify({ [ISS]: { expiration, jwks: jwks(k), next_update: 1 } });
  const root = scratch();
  const envDir = join(root, 'env-dir');
  const older = rsaKey('older');
  put(root, `etc/jwks/${issuerFileName(ISS)}`, entry(rsa, NOW + 100));
  put(root, 'etc/jwks/cache.json', entry(ec, NOW + 100));
  const s = settings({ trust: ISS, system_jwks_cache: 'yes' });
  const run = (k: TestKey, env: Record<string, string> = {}) => verify(signToken(k, wlcg(ISS)), { s, root, env });
  let v = await run(rsa);
  t.same(
    [v.result, v.key_source, v.key_origin],
    ['verified', 'wlcg-jwks-cache', join(root, 'etc/jwks', issuerFileName(ISS))],
  );
  // The directory entry has no ec1; the file location after it is not consulted (first hit wins), and
  // without network the kid is unknown.
  v = await run(ec);
  t.equal(v.code, 'KEYS_UNAVAILABLE', 'fell through to the network (none here)');
  // JWKS_CACHE_DIR comes first; an expired entry there is skipped.
  put(envDir, issuerFileName(ISS), entry(older, NOW - 1));
  v = await run(rsa, { JWKS_CACHE_DIR: envDir });
  t.equal(v.key_origin, join(root, 'etc/jwks', issuerFileName(ISS)), 'expired entry skipped');
  put(envDir, issuerFileName(ISS), entry(older, NOW + 1) + '\n' + entry(ec, NOW + 5) + '\n');
  v = await run(ec, { JWKS_CACHE_DIR: envDir });
  t.same(
    [v.result, v.key_origin],
    ['verified', join(envDir, issuerFileName(ISS))],
    'the later object replaces the earlier',
  );
  // JWKS_CACHE_FILE after the directory; garbage after an object stops the parse, keeping the object.
  const file = put(root, 'file.json', entry(older, NOW + 5) + ' junk ' + entry(rsa, NOW + 5));
  v = await run(older, { JWKS_CACHE_FILE: file });
  t.same([v.result, v.key_origin], ['verified', file]);
  t.match(v.notes?.join('\n'), /stopped at offset/);
  // The first location with an unexpired entry is the only one used: rsa1 after the junk is not read,
  // and /etc/jwks (which has rsa1) is not reached.
  v = await run(rsa, { JWKS_CACHE_FILE: file, JWKS_CACHE_DIR: join(root, 'missing') });
  t.equal(v.code, 'KEYS_UNAVAILABLE');
  t.match(v.notes?.join('\n'), /not in the WLCG JWKS cache entry .*file\.json/);
  // A file that fails to parse is a miss, reported.
  put(root, 'broken.json', '{"x": ');
  v = await run(rsa, { JWKS_CACHE_FILE: join(root, 'broken.json') });
  t.equal(v.result, 'verified');
  t.match(v.notes?.join('\n'), /broken\.json.*miss/);
  // /var/cache/jwks is searched last.
  const root2 = scratch();
  put(root2, 'var/cache/jwks/cache.json', entry(ec, NOW + 5));
  v = await verify(signToken(ec, wlcg(ISS)), { s, root: root2 });
  t.same([v.result, v.key_origin], ['verified', join(root2, 'var/cache/jwks/cache.json')]);
});

t.test('discovery over HTTPS with the test CA, then tokenmap cache; rotation; rate limit', async (t) => {
  const issuer = await startIssuer(ca.server, jwks(rsa));
  t.teardown(() => issuer.close());
  const cache = join(scratch(), 'keys');
  const s = settings({ trust: issuer.url, ca: ca.caCert, key_cache: cache });
  const run = (k: TestKey, clock: number) => verify(signToken(k, wlcg(issuer.url)), { s, clock });
  let v = await run(rsa, NOW);
  t.same([v.result, v.key_source, v.key_origin], ['verified', 'discovery', `${issuer.url}/jwks`]);
  t.same(issuer.hits, ['/realm/.well-known/openid-configuration', '/realm/jwks']);
  const cached = JSON.parse(readFileSync(join(cache, issuerFileName(issuer.url)), 'utf8'));
  t.equal(cached[issuer.url].expiration, NOW + 172800, 'WLCG cache format, default expiry 2 d');
  t.equal(cached[issuer.url].next_update, NOW + 21600, 'refresh 6 h');
  v = await run(rsa, NOW + 10);
  t.same([v.result, v.key_source, issuer.hits.length], ['verified', 'cache', 2], 'from the cache, no request');
  // Rotation: the issuer publishes ec1; the first unknown kid causes one refetch (the first fetch did not
  // count against the limit, though it was 20 s ago).
  issuer.jwks = jwks(rsa, ec);
  v = await run(ec, NOW + 20);
  t.same([v.result, v.key_source, issuer.hits.length], ['verified', 'discovery', 4], 'found after one refetch');
  const later = ecKey('ec2');
  issuer.jwks = jwks(rsa, ec, later);
  v = await run(later, NOW + 20 + 299);
  t.same([v.code, issuer.hits.length], ['TOKEN_KID_UNKNOWN', 4], 'refetch rate-limited: no request');
  t.match(v.message, /rate-limited/);
  seen.add('TOKEN_KID_UNKNOWN');
  v = await run(later, NOW + 20 + 300);
  t.same([v.result, issuer.hits.length], ['verified', 6], 'allowed again after the interval');
  // A kid the issuer never publishes: one refetch, then unknown.
  v = await run(rsaKey('ghost'), NOW + 1000);
  t.same([v.code, issuer.hits.length], ['TOKEN_KID_UNKNOWN', 8]);
  t.match(v.message, /even after a refetch/);
});

t.test('refresh after max-age (clamped), cached keys kept when a refresh fails, expiry', async (t) => {
  const issuer = await startIssuer(ca.server, jwks(rsa));
  t.teardown(() => issuer.close());
  const cache = join(scratch(), 'keys');
  const s = settings({ trust: issuer.url, ca: ca.caCert, key_cache: cache, key_expiry: '86400' });
  const run = (clock: number) => verify(signToken(rsa, wlcg(issuer.url)), { s, clock, at: NOW });
  issuer.cacheControl = 'public, max-age=60';
  await run(NOW);
  const next = JSON.parse(readFileSync(join(cache, issuerFileName(issuer.url)), 'utf8'))[issuer.url].next_update;
  t.equal(next, NOW + 3600, 'max-age 60 s is raised to the 1 h minimum');
  let v = await run(NOW + 3599);
  t.same([v.key_source, issuer.hits.length], ['cache', 2]);
  issuer.status = 503;
  v = await run(NOW + 3600);
  t.same([v.result, v.key_source, issuer.hits.length], ['verified', 'cache', 3], 'refresh tried, failed, cache used');
  t.match(v.notes?.join('\n'), /refresh .* failed .*HTTP 503/);
  v = await run(NOW + 3659);
  t.same([v.result, issuer.hits.length], ['verified', 3], 'a failed refresh is not retried on every run');
  v = await run(NOW + 3660);
  t.same([v.result, issuer.hits.length], ['verified', 4], 'retried after fetch_failure_ttl, cache still used');
  v = await run(NOW + 86400);
  t.same([v.code, issuer.hits.length], ['KEYS_UNAVAILABLE', 5], 'expired after 1 d; the fetch fails');
  t.match(v.message, /HTTP 503/);
});

t.test('an issuer that publishes an empty JWKS does not wipe good cached keys', async (t) => {
  const issuer = await startIssuer(ca.server, jwks(rsa));
  t.teardown(() => issuer.close());
  const s = settings({ trust: issuer.url, ca: ca.caCert, key_cache: join(scratch(), 'keys'), key_expiry: '86400' });
  const run = (clock: number) => verify(signToken(rsa, wlcg(issuer.url)), { s, clock, at: NOW });
  t.equal((await run(NOW)).result, 'verified');
  issuer.jwks = { keys: [] };
  let v = await run(NOW + 6 * 3600);
  t.same([v.result, v.key_source, issuer.hits.length], ['verified', 'cache', 4], 'refresh got no keys: cache used');
  t.match(v.notes?.join('\n'), /refresh .* failed \(the issuer publishes no keys/);
  v = await run(NOW + 6 * 3600 + 10);
  t.same([v.result, issuer.hits.length], ['verified', 4], 'and that failure is not refetched on every run');
  const fresh = await startIssuer(ca.server, { keys: [] }, '/empty');
  t.teardown(() => fresh.close());
  const s2 = settings({ trust: fresh.url, ca: ca.caCert, key_cache: join(scratch(), 'keys') });
  v = await verify(signToken(rsa, wlcg(fresh.url)), { s: s2, clock: NOW, at: NOW });
  t.same([v.code, fresh.hits.length], ['KEYS_UNAVAILABLE', 2]);
  t.match(v.message, /publishes no keys/);
  t.notMatch(v.message, /undefined/);
  v = await verify(signToken(rsa, wlcg(fresh.url)), { s: s2, clock: NOW + 10, at: NOW });
  t.same([v.code, fresh.hits.length], ['KEYS_UNAVAILABLE', 2], 'negatively cached like any failed fetch');
});

t.test('negative cache: a failed fetch is not retried for fetch_failure_ttl', async (t) => {
  const issuer = await startIssuer(ca.server, jwks(rsa));
  t.teardown(() => issuer.close());
  issuer.status = 500;
  const s = settings({ trust: issuer.url, ca: ca.caCert, key_cache: join(scratch(), 'keys') });
  const run = (clock: number) => verify(signToken(rsa, wlcg(issuer.url)), { s, clock });
  let v = await expectCode(t, signToken(rsa, wlcg(issuer.url)), 'KEYS_UNAVAILABLE', { s }, /HTTP 500/);
  t.equal(issuer.hits.length, 1);
  v = await run(NOW + 59);
  t.same([v.code, issuer.hits.length], ['KEYS_UNAVAILABLE', 1]);
  t.match(v.message, /negative cache/);
  issuer.status = undefined;
  v = await run(NOW + 60);
  t.same([v.result, issuer.hits.length], ['verified', 3]);
});

t.test('KEYS_UNAVAILABLE carries the real transport error', async (t) => {
  // Host-name verification: a certificate of the right CA for another name.
  const wrong = await startIssuer(ca.wrongName, jwks(rsa));
  t.teardown(() => wrong.close());
  let s = settings({ trust: wrong.url, ca: ca.caCert });
  await expectCode(
    t,
    signToken(rsa, wlcg(wrong.url)),
    'KEYS_UNAVAILABLE',
    { s },
    /ERR_TLS_CERT_ALTNAME_INVALID|altnames/,
  );
  // An unknown CA (Node's own store only).
  const good = await startIssuer(ca.server, jwks(rsa));
  t.teardown(() => good.close());
  s = settings({ trust: good.url });
  await expectCode(
    t,
    signToken(rsa, wlcg(good.url)),
    'KEYS_UNAVAILABLE',
    { s },
    /self.signed|unable to get local issuer|UNABLE_TO_VERIFY/i,
  );
  // The CA as an OpenSSL-hashed directory, as /etc/grid-security/certificates is laid out.
  const caDir = scratch({
    [`${subjectHash(ca.caCert)}.0`]: readFileSync(ca.caCert),
    'x.signing_policy': 'junk',
    'y.r0': 'crl',
  });
  s = settings({ trust: good.url, ca: caDir });
  t.equal((await verify(signToken(rsa, wlcg(good.url)), { s })).result, 'verified', 'CA directory');
  // Connection refused, a timeout, a size cap, plain http.
  await good.close();
  t.comment('closed');
  s = settings({ trust: good.url, ca: ca.caCert });
  await expectCode(t, signToken(rsa, wlcg(good.url)), 'KEYS_UNAVAILABLE', { s }, /ECONNREFUSED/);
  const { createServer } = await import('node:net');
  const sockets: import('node:net').Socket[] = [];
  const silent = createServer((c) => sockets.push(c));
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  t.teardown(() => {
    sockets.forEach((c) => c.destroy());
    return new Promise<void>((r) => silent.close(() => r()));
  });
  const slowUrl = `https://127.0.0.1:${(silent.address() as { port: number }).port}/x`;
  s = settings({ trust: slowUrl, ca: ca.caCert, fetch_timeout: '0.3' });
  await expectCode(t, signToken(rsa, wlcg(slowUrl)), 'KEYS_UNAVAILABLE', { s }, /timed out after 300 ms/);
  const big = await startIssuer(ca.server, { keys: [rsa.jwk], pad: 'x'.repeat(5000) });
  t.teardown(() => big.close());
  s = settings({ trust: big.url, ca: ca.caCert, fetch_max_bytes: '2048' });
  await expectCode(t, signToken(rsa, wlcg(big.url)), 'KEYS_UNAVAILABLE', { s }, /larger than 2048 bytes/);
  s = settings({ trust: 'http://127.0.0.1:1/' });
  await expectCode(t, signToken(rsa, wlcg('http://127.0.0.1:1/')), 'KEYS_UNAVAILABLE', { s }, /HTTPS only/);
});

t.test('every code has a case', async (t) => {
  t.same(
    Object.keys(VERIFY_CODES).filter((c) => !seen.has(c)),
    [],
  );
});
