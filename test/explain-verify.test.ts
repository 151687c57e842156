// explain verifies the tokens it is given, through the real binary: the Decision's verification member
// (schemas/decision.schema.json in every case), the one signature line, exit 1 with the code for a
// rejected token, exit 2 naming the transport error when keys cannot be had, and --no-verify.
import t from 'tap';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { validate } from '../src/generated/decision-validator.js';
import { issuerFileName } from '../src/tokens/jwks-cache-file.js';
import { put, scratch } from './helpers/files.js';
import { ROOT, runBin, type RunResult } from './helpers/run.js';
import { ecKey, jwks, rsaKey, signToken, startIssuer, testCa, wlcgPayload } from './helpers/token-keys.js';

const dir = scratch();
const ca = testCa(dir);
const rsa = rsaKey('rsa1');
const ec = ecKey('ec1');
const PINNED = 'https://pinned.example.org/';
const SYSTEM = 'https://system-cached.example.org/';
put(dir, 'pinned.jwks', JSON.stringify(jwks(rsa)));
put(dir, 'p.ini', `[rule r]\nissuer = ${PINNED}\naccount = mapped\n[rule s]\nissuer = ${SYSTEM}\naccount = sysjwks\n`);
const now = Math.floor(Date.now() / 1000);
const payload = (iss: string, extra: Record<string, unknown> = {}) => wlcgPayload(iss, now, extra);
const config = (extra = '') =>
  put(
    dir,
    `c${Math.random().toString(36).slice(2)}.ini`,
    `[rules]\nsource[] = policy:p.ini\n[audience]\naccept = https://ce.example.org\n[tokens]\n` +
      `jwks[] = ${PINNED} pinned.jwks\nsystem_jwks_cache = yes\n${extra}`,
  );
const CONFIG = config();

async function explain(args: string[], env: Record<string, string> = {}) {
  const text = await runBin(['explain', ...args], { env });
  const json = await runBin(['explain', '--json', ...args], { env });
  const doc = JSON.parse(json.stdout.toString());
  const v = validate as ((d: unknown) => boolean) & { errors?: unknown };
  t.ok(v(doc), `valid against the decision schema (${JSON.stringify(v.errors ?? null)})`);
  t.equal(json.code, text.code, 'same exit code with --json');
  return { text, out: text.stdout.toString(), doc };
}

t.test('verified with a pinned key: one signature line; JSON verification member', async (t) => {
  const { text, out, doc } = await explain(['--config', CONFIG, signToken(rsa, payload(PINNED))]);
  t.equal(text.code, 0, text.stderr);
  t.match(out, `signature    verified: RS256, kid rsa1, key pinned in ${join(dir, 'pinned.jwks')}\n`);
  t.same(doc.verification, {
    result: 'verified',
    alg: 'RS256',
    kid: 'rsa1',
    key_source: 'pinned',
    key_origin: join(dir, 'pinned.jwks'),
  });
});

t.test('a rejected token is exit 1 with its code, even when the rules would map it', async (t) => {
  const attacker = rsaKey('rsa1');
  const cases: [string, string][] = [
    [signToken(attacker, payload(PINNED)), 'TOKEN_SIGNATURE_INVALID'],
    [signToken(rsa, payload(PINNED), { alg: 'HS256' }), 'TOKEN_ALG_REFUSED'],
    [signToken(rsa, payload(PINNED), { kid: 'nope' }), 'TOKEN_KID_UNKNOWN'],
    [signToken(rsa, payload(PINNED, { aud: 'https://elsewhere' })), 'TOKEN_AUDIENCE'],
    [signToken(rsa, payload(PINNED, { nbf: now + 3000 })), 'TOKEN_NOT_YET_VALID'],
  ];
  for (const [token, code] of cases) {
    const { text, out, doc } = await explain(['--config', CONFIG, token]);
    t.equal(text.code, 1, code);
    t.equal(doc.result, 'declined');
    t.equal(doc.verification.code, code);
    t.match(out, `signature    rejected: ${code}: `);
    t.match(doc.reason, `token rejected (${code})`);
    t.equal(text.stderr, '', 'a clean negative answer: nothing on stderr');
  }
  const { doc } = await explain(['--config', CONFIG, signToken(attacker, payload(PINNED))]);
  t.match(doc.reason, /the rules alone would have mapped by \S+p\.ini:1/);
  t.notOk(doc.account, 'no account in a rejected decision');
});

t.test('a token that is not a JWS tokenmap can check is malformed input: exit 2, never a decline', async (t) => {
  const good = signToken(rsa, payload(PINNED));
  const cases: [string, RegExp][] = [
    [signToken(rsa, payload(PINNED), { crit: ['x'] }), /crit/],
    [signToken(rsa, payload(PINNED), { alg: undefined }), /no alg/],
    [good.split('.').slice(0, 2).join('.') + '.', /signature is missing or not base64url/],
    [good.split('.').slice(0, 2).join('.') + '.@@', /signature is missing or not base64url/],
  ];
  for (const [token, why] of cases) {
    const { text, out, doc } = await explain(['--config', CONFIG, token]);
    t.equal(text.code, 2, String(why));
    t.equal(doc.result, 'error');
    t.equal(doc.code, 'TOKEN_INVALID');
    t.equal(doc.verification.code, 'TOKEN_MALFORMED');
    t.match(doc.reason, why);
    t.match(out, 'signature    rejected: TOKEN_MALFORMED: ');
    t.match(text.stderr, /^tokenmap: token malformed \(TOKEN_MALFORMED\): .*\n$/);
    t.notOk(doc.account, 'no account');
  }
});

t.test('the WLCG system JWKS cache, then discovery over HTTPS and tokenmap cache', async (t) => {
  const cacheDir = scratch();
  const file = put(
    cacheDir,
    issuerFileName(SYSTEM),
    JSON.stringify({ [SYSTEM]: { expiration: now + 600, jwks: jwks(ec) } }),
  );
  let r = await explain(['--config', config(`trust[] = ${SYSTEM}\n`), signToken(ec, payload(SYSTEM))], {
    JWKS_CACHE_DIR: cacheDir,
  });
  t.equal(r.text.code, 0, r.text.stderr);
  t.match(r.out, `signature    verified: ES256, kid ec1, key from WLCG JWKS cache ${file}\n`);
  t.equal(r.doc.verification.key_source, 'wlcg-jwks-cache');

  const issuer = await startIssuer(ca.server, jwks(rsa, ec));
  t.teardown(() => issuer.close());
  const keyCache = join(scratch(), 'keys');
  put(dir, 'q.ini', `[rule q]\nissuer = ${issuer.url}\naccount = fetched\n`);
  const c = put(
    dir,
    'fetch.ini',
    `[rules]\nsource[] = policy:q.ini\n[audience]\naccept = https://ce.example.org\n[tokens]\ntrust[] = ${issuer.url}\nca = ${ca.caCert}\nkey_cache = ${keyCache}\nsystem_jwks_cache = no\n`,
  );
  r = await explain(['--config', c, signToken(rsa, payload(issuer.url))]);
  t.equal(r.text.code, 0, r.text.stderr);
  t.match(r.out, `signature    verified: RS256, kid rsa1, key fetched from ${issuer.url}/jwks\n`);
  r = await explain(['--config', c, signToken(ec, payload(issuer.url))]);
  t.match(r.out, `key from tokenmap's cache ${join(keyCache, issuerFileName(issuer.url))}\n`);
  t.equal(issuer.hits.length, 2, 'text and --json runs after the first fetched nothing');
  t.match(readFileSync(join(keyCache, issuerFileName(issuer.url)), 'utf8'), /"next_update"/);
});

t.test('keys that cannot be had: exit 2 naming the transport error', async (t) => {
  const issuer = await startIssuer(ca.wrongName, jwks(rsa));
  t.teardown(() => issuer.close());
  const c = config(`trust[] = ${issuer.url}\nca = ${ca.caCert}\n`);
  const { text, out, doc } = await explain(['--config', c, signToken(rsa, payload(issuer.url))]);
  t.equal(text.code, 2);
  t.same(
    [doc.result, doc.code, doc.verification.result, doc.verification.code],
    ['error', 'KEYS_UNAVAILABLE', 'unavailable', 'KEYS_UNAVAILABLE'],
  );
  t.match(out, /signature +unavailable: KEYS_UNAVAILABLE: .*ERR_TLS_CERT_ALTNAME_INVALID/);
  t.match(text.stderr, /^tokenmap: keys of \S+: \S+openid-configuration: ERR_TLS_CERT_ALTNAME_INVALID/);
  t.equal(text.stderr.trim().split('\n').length, 1, 'one stderr line');
});

t.test('--no-verify decodes only and says so; -c runs trust no issuer; a claims set is not a token', async (t) => {
  const token = signToken(rsaKey('other'), payload(PINNED));
  let r = await explain(['--config', CONFIG, '--no-verify', token]);
  t.equal(r.text.code, 0);
  t.match(r.out, 'signature    not verified (--no-verify): decoded only (RS256, kid other)');
  t.same(r.doc.verification, { result: 'not-verified', alg: 'RS256', kid: 'other' });
  const policy = join(dir, 'p.ini');
  r = await explain(['-c', policy, signToken(rsa, payload(PINNED))]);
  t.equal(r.text.code, 1);
  t.equal(r.doc.verification.code, 'TOKEN_ISSUER_UNTRUSTED');
  t.match(r.out, /no site configuration, so no issuer is trusted/);
  r = await explain(['-c', policy, '--no-verify', signToken(rsa, payload(PINNED))]);
  t.same([r.doc.verification.result, r.doc.reason], ['not-verified', 'no rule maps this token'], 'the rules decide');
  const claims = put(dir, 'claims.json', JSON.stringify(payload(PINNED)));
  r = await explain(['--config', CONFIG, '--claims', claims]);
  t.same([r.text.code, r.doc.verification], [0, { result: 'not-a-token' }]);
  t.match(r.out, 'signature    none: a claims set, not a token');
});

t.test('the shipped demo tokens are signed by the demo key pinned in mapfiles/', async (t) => {
  const want: Record<string, [number, string]> = {
    'atlas-production': [0, 'RS256, kid rsa1'],
    'cms-pilot': [0, 'ES256, kid ec1'],
    'egi-biomed-pilot': [0, 'RS256, kid rsa1'],
    'fnal-pilot': [0, 'ES256, kid ec1'],
    banned: [2, 'RS256, kid rsa1'],
  };
  for (const [name, [code, what]] of Object.entries(want)) {
    const r: RunResult = await runBin([
      'explain',
      '--config',
      join(ROOT, 'mapfiles/tokenmap.ini'),
      '--token-file',
      join(ROOT, 'mapfiles/tokens', `${name}.jwt`),
    ]);
    t.equal(r.code, code, `${name}: ${r.stderr}`);
    t.match(
      r.stdout.toString(),
      `signature    verified: ${what}, key pinned in ${join(ROOT, 'mapfiles/keys/demo.jwks')}`,
    );
    const payloadPart = readFileSync(join(ROOT, 'mapfiles/tokens', `${name}.jwt`), 'utf8').split('.')[1] as string;
    t.equal(
      Buffer.from(payloadPart, 'base64url').toString(),
      readFileSync(join(ROOT, 'mapfiles/tokens', `${name}.json`), 'utf8').trim(),
      `${name}: the claims of ${name}.json`,
    );
  }
  const expired = await runBin([
    'explain',
    '--config',
    join(ROOT, 'mapfiles/tokenmap.ini'),
    '--token-file',
    join(ROOT, 'mapfiles/tokens/expired.jwt'),
  ]);
  t.equal(expired.code, 1);
  t.match(expired.stdout.toString(), 'signature    rejected: TOKEN_EXPIRED');
});

t.test('an inherited NODE_TLS_REJECT_UNAUTHORIZED=0 does not turn the TLS checks off (L4)', async (t) => {
  const issuer = await startIssuer(ca.wrongName, jwks(rsa));
  t.teardown(() => issuer.close());
  const c = config(`trust[] = ${issuer.url}\nca = ${ca.caCert}\n`);
  const r = await runBin(['explain', '--config', c, signToken(rsa, payload(issuer.url))], {
    env: { NODE_TLS_REJECT_UNAUTHORIZED: '0' },
  });
  t.equal(r.code, 2, r.stderr);
  t.match(r.stdout.toString(), /signature +unavailable: KEYS_UNAVAILABLE: .*ERR_TLS_CERT_ALTNAME_INVALID/);
});

t.test('[tokens] skew is bounded: over an hour is a configuration error naming FILE:LINE (L8)', async (t) => {
  const c = config('skew = 999999999\n');
  const r = await runBin(['explain', '--config', c, signToken(rsa, payload(PINNED))]);
  t.equal(r.code, 2);
  t.match(r.stderr, new RegExp(`^tokenmap: ${c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+: .*skew`));
  t.equal(r.stderr.trim().split('\n').length, 1);
});

t.test('no [audience] configured: a token for any other service is TOKEN_AUDIENCE, never verified (M3)', async (t) => {
  const c = put(
    dir,
    'noaud.ini',
    `[rules]\nsource[] = policy:p.ini\n[tokens]\njwks[] = ${PINNED} pinned.jwks\nsystem_jwks_cache = no\n`,
  );
  for (const aud of ['https://storage.elsewhere.example', 'some-oidc-client-id', ['a', 'b']]) {
    const r = await runBin(['explain', '--config', c, signToken(rsa, payload(PINNED, { aud }))]);
    t.equal(r.code, 1, r.stderr);
    t.match(r.stdout.toString(), /signature +rejected: TOKEN_AUDIENCE: .*accepts no audience/);
  }
});
