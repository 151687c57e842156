// `tokenmap explain`: the dry run site admins use, as text and as JSON that validates against
// schemas/decision.schema.json.
import t from 'tap';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { validate } from '../src/generated/decision-validator.js';
import { scratch } from './helpers/files.js';
import { ROOT, runBin } from './helpers/run.js';

const CONFIG = join(ROOT, 'mapfiles/tokenmap.ini');
const TOKENS = join(ROOT, 'mapfiles/tokens');

t.test('an EGI token: the map file hands over to the plugin policies; both CE views', async (t) => {
  const r = await runBin(['explain', '--config', CONFIG, '--claims', join(TOKENS, 'egi-biomed-pilot.json')]);
  t.equal(r.code, 0);
  const out = r.stdout.toString();
  t.match(out, /no-match +\S*10-scitokens\.conf:6/);
  t.match(out, /matched +\S*10-scitokens\.conf:\d+ .*\n +hands over to plugin TOKENMAP/);
  t.match(out, /matched +\S*10-egi-biomed\.ini:5 \[rule biomed-pilots\]/);
  t.match(out, /entitlement requested by scope, not asserted/);
  t.match(out, /HTCondor +biomedpilot@users\.htcondor\.org/);
  t.match(out, /ARC +biomedpilot:biomed/);
});

t.test('--json validates against the decision schema', async (t) => {
  for (const name of ['atlas-production', 'egi-biomed-pilot', 'banned', 'expired']) {
    const r = await runBin(['explain', '--config', CONFIG, '--json', '--claims', join(TOKENS, `${name}.json`)]);
    const doc = JSON.parse(r.stdout.toString());
    const v = validate as ((d: unknown) => boolean) & { errors?: unknown };
    t.ok(v(doc), `${name}: valid (${JSON.stringify(v.errors ?? null)})`);
    t.equal(
      r.code,
      { mapped: 0, declined: 1, error: 2 }[doc.result as string],
      `${name}: exit code follows the result`,
    );
    if (doc.result === 'error')
      t.match(r.stderr, /^tokenmap: banned by \S+90-ban\.conf:6/, `${name}: and one stderr line`);
  }
});

t.test('a compact JWT from a file or argv, and WLCG Bearer Token Discovery', async (t) => {
  const jwt = readFileSync(join(TOKENS, 'atlas-production.jwt'), 'utf8').trim();
  const fromFile = await runBin(['explain', '--config', CONFIG, '--token-file', join(TOKENS, 'atlas-production.jwt')]);
  t.match(
    fromFile.stdout.toString(),
    /signature +verified: RS256, kid rsa1, key pinned in \S+mapfiles\/keys\/demo\.jwks/,
  );
  t.match(fromFile.stdout.toString(), /HTCondor +atlasprd@users\.htcondor\.org/);
  t.equal((await runBin(['explain', '--config', CONFIG, jwt])).code, 0);
  t.equal(
    (await runBin(['explain', '--config', CONFIG], { env: { BEARER_TOKEN: `  ${jwt}\n` } })).code,
    0,
    'BEARER_TOKEN, whitespace stripped',
  );
  const dir = scratch();
  const file = join(dir, 'bt');
  writeFileSync(file, jwt + '\n', { mode: 0o600 });
  const viaFile = await runBin(['explain', '--config', CONFIG], {
    env: { BEARER_TOKEN: '  ', BEARER_TOKEN_FILE: file },
  });
  t.equal(viaFile.code, 0, 'an empty BEARER_TOKEN falls through to BEARER_TOKEN_FILE');
  writeFileSync(file, `${jwt}\n${jwt}\n`, { mode: 0o600 });
  const two = await runBin(['explain', '--config', CONFIG], { env: { BEARER_TOKEN_FILE: file } });
  t.equal(two.code, 2, 'two tokens in one file: an error naming the source');
  t.match(two.stderr, /BEARER_TOKEN_FILE/);
  writeFileSync(file, jwt);
  chmodSync(file, 0o666);
  const loose = await runBin(['explain', '--config', CONFIG], { env: { BEARER_TOKEN_FILE: file } });
  t.equal(loose.code, 2, 'a world-writable token file is refused');
});

t.test('--at evaluates at another time: an expired token was valid then', async (t) => {
  const args = ['explain', '--config', CONFIG, '--claims', join(TOKENS, 'expired.json')];
  const now = await runBin(args);
  t.equal(now.code, 1);
  t.match(now.stdout.toString(), /token rejected: the token expired/);
  const then = await runBin([...args, '--at', '2023-11-14T23:00:00Z']);
  t.equal(then.code, 0);
  t.match(then.stdout.toString(), /state +valid, expires in/);
});

t.test('malformed tokens and claims are exit 2', async (t) => {
  for (const bad of ['not-a-token', 'a.b.c.d.e', 'eyJhbGciOiJub25lIn0.bm90IGpzb24.x']) {
    const r = await runBin(['explain', '--config', CONFIG, bad]);
    t.equal(r.code, 2, bad);
    t.notMatch(r.stderr, /\bat \S+:\d+/);
  }
});

t.test('a token whose iss lacks the trailing slash of an IAM map line: explain says so', async (t) => {
  const dir = scratch();
  const claims = join(dir, 'c.json');
  const p = JSON.parse(readFileSync(join(TOKENS, 'atlas-production.json'), 'utf8'));
  writeFileSync(claims, JSON.stringify({ ...p, iss: 'https://atlas-auth.web.cern.ch' }));
  const r = await runBin(['explain', '--config', CONFIG, '--claims', claims]);
  t.equal(r.code, 1);
  t.match(
    r.stdout.toString(),
    /10-scitokens\.conf:6 would match if the issuer were "https:\/\/atlas-auth\.web\.cern\.ch\/": the token's iss differs only by a trailing slash/,
  );
});
