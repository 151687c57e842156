// `explain --json` prints exactly one document on stdout in every case (issue 8 §3): good and declined
// decisions, every input kind, and every failure before a rule ran. Each stdout is validated with ajv against
// the shipped schemas/decision.schema.json (compiled here from the file, not the generated validator), and
// the exit code follows the document's result.
import t, { type Test } from 'tap';
import fc from 'fast-check';
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { arc7Env } from '../src/claims/arc7-env.js';
import { htcondorEnv } from './helpers/ce-env.js';
import { put, scratch } from './helpers/files.js';
import { ROOT, runBin, runMain, type RunOptions } from './helpers/run.js';

const CONFIG = join(ROOT, 'mapfiles/tokenmap.ini');
const ARC_CONFIG = join(ROOT, 'mapfiles/arc/tokenmap.ini');
const TOKENS = join(ROOT, 'mapfiles/tokens');
const ATLAS = JSON.parse(readFileSync(join(TOKENS, 'atlas-production.json'), 'utf8')) as Record<string, unknown>;
const ATLAS_JWT = readFileSync(join(TOKENS, 'atlas-production.jwt'), 'utf8').trim();
const ATLAS_SUBJECT = `${ATLAS.iss}/${ATLAS.sub}`;

const ajv = new Ajv2020({ allErrors: true, strict: true });
const validate = ajv.compile(JSON.parse(readFileSync(join(ROOT, 'schemas/decision.schema.json'), 'utf8')));
const EXIT = { mapped: 0, declined: 1, error: 2 } as Record<string, number>;

interface Doc {
  result: string;
  code?: string;
  input?: { kind: string; path?: string; step?: string; ce?: string };
  claims?: Record<string, unknown>;
  token?: Record<string, unknown>;
}

/** The checks every run gets: one schema-valid document, the exit code of its result, one stderr line on error. */
function oneDocument(stdout: string, code: number | null, stderr: string): { doc: Doc | null; problem?: string } {
  let doc: Doc;
  try {
    doc = JSON.parse(stdout) as Doc;
  } catch (e) {
    return { doc: null, problem: `stdout is not one JSON document: ${(e as Error).message}: ${stdout.slice(0, 200)}` };
  }
  if (!stdout.endsWith('}\n')) return { doc, problem: 'stdout does not end with the document and one newline' };
  if (!validate(doc)) return { doc, problem: `not schema-valid: ${ajv.errorsText(validate.errors)}` };
  if (code !== EXIT[doc.result]) return { doc, problem: `exit ${code} for result ${doc.result}` };
  if (doc.result === 'error' && !/^tokenmap: [^\n]+\n$/.test(stderr))
    return { doc, problem: `an error is one stderr line, not ${JSON.stringify(stderr)}` };
  return { doc };
}

async function explain(t: Test, args: string[], opts: RunOptions = {}): Promise<Doc> {
  const r = await runBin(['explain', '--json', ...args], opts);
  const { doc, problem } = oneDocument(r.stdout.toString('utf8'), r.code, r.stderr);
  t.notOk(problem, problem ?? 'one schema-valid document, exit code of its result');
  return doc ?? { result: 'none' };
}

const dir = scratch();
const claimsFile = (name: string, payload: unknown) => put(dir, name, Buffer.from(JSON.stringify(payload)));
const NOW = Math.floor(Date.now() / 1000);

t.test('each input kind, mapped or declined: the input, the whole claims set, the times as data', async (t) => {
  const cases: [string, string[], RunOptions, Partial<Doc> & { result: string }][] = [
    ['claims file', ['--config', CONFIG, '--claims', join(TOKENS, 'atlas-production.json')], {}, { result: 'mapped' }],
    ['claims on stdin', ['--config', CONFIG, '--claims', '-'], { stdin: JSON.stringify(ATLAS) }, { result: 'mapped' }],
    ['TOKEN argument', ['--config', CONFIG, ATLAS_JWT], {}, { result: 'mapped' }],
    [
      'token file',
      ['--config', CONFIG, '--token-file', join(TOKENS, 'atlas-production.jwt')],
      {},
      { result: 'mapped' },
    ],
    ['expired', ['--config', CONFIG, '--claims', join(TOKENS, 'expired.json')], {}, { result: 'declined' }],
    ['ARC 6 subject', ['--config', ARC_CONFIG, '--arc-subject', ATLAS_SUBJECT], {}, { result: 'mapped' }],
    ['ARC 7 environment', ['--config', ARC_CONFIG, '--from-env'], { env: arc7Env(ATLAS) }, { result: 'mapped' }],
    ['HTCondor environment', ['--config', CONFIG, '--from-env'], { env: htcondorEnv(ATLAS) }, { result: 'mapped' }],
  ];
  for (const [name, args, opts, want] of cases) {
    await t.test(name, async (t) => {
      const doc = await explain(t, args, opts);
      t.equal(doc.result, want.result);
      t.ok(doc.claims, 'the claims set evaluated');
      t.ok(doc.token?.validity, 'the token state as data');
    });
  }
});

t.test('the input is named: argument, file, stdin, subject, environment with its CE', async (t) => {
  t.same((await explain(t, ['--config', CONFIG, ATLAS_JWT])).input, { kind: 'argument' });
  const file = join(TOKENS, 'atlas-production.jwt');
  t.same((await explain(t, ['--config', CONFIG, '--token-file', file])).input, { kind: 'token-file', path: file });
  const s = await explain(t, ['--config', CONFIG, '--claims', '-'], { stdin: JSON.stringify(ATLAS) });
  t.same(s.input, { kind: 'stdin' });
  const arc6 = await explain(t, ['--config', ARC_CONFIG, '--arc-subject', ATLAS_SUBJECT]);
  t.same(arc6.input, { kind: 'arc-subject', ce: 'arc' });
  t.equal(arc6.claims?.arc_subject, ATLAS_SUBJECT);
  t.same(arc6.claims?.scopes, [], 'ARC 6 carries no claims');
  t.equal(arc6.token?.validity, 'unchecked');
  const arc7 = await explain(t, ['--config', ARC_CONFIG, '--from-env'], { env: arc7Env(ATLAS) });
  t.same(arc7.input, { kind: 'environment', ce: 'arc' });
  t.same(arc7.claims?.scopes, String(ATLAS.scope).split(' '));
  const condor = await explain(t, ['--config', CONFIG, '--from-env'], { env: htcondorEnv(ATLAS) });
  t.same(condor.input, { kind: 'environment', ce: 'htcondor' });
});

t.test('discovery: the step that found the token, and its file', async (t) => {
  const bt = await explain(t, ['--config', CONFIG], { env: { BEARER_TOKEN: ATLAS_JWT } });
  t.same(bt.input, { kind: 'discovery', step: 'BEARER_TOKEN' });
  const file = join(dir, 'bt');
  writeFileSync(file, ATLAS_JWT + '\n', { mode: 0o600 });
  const viaFile = await explain(t, ['--config', CONFIG], { env: { BEARER_TOKEN_FILE: file } });
  t.same(viaFile.input, { kind: 'discovery', step: 'BEARER_TOKEN_FILE', path: file });
  const loose = join(dir, 'bt-loose');
  writeFileSync(loose, ATLAS_JWT, { mode: 0o600 });
  chmodSync(loose, 0o666);
  const unsafe = await explain(t, ['--config', CONFIG], { env: { BEARER_TOKEN_FILE: loose } });
  t.same([unsafe.code, unsafe.input], ['TOKEN_UNSAFE', { kind: 'discovery', step: 'BEARER_TOKEN_FILE', path: loose }]);
  const spaced = await explain(t, ['--config', CONFIG], { env: { BEARER_TOKEN: 'two words' } });
  t.same(
    [spaced.code, spaced.input],
    ['TOKEN_INVALID', { kind: 'discovery', step: 'BEARER_TOKEN' }],
    'a failed step too',
  );
  const uid = process.geteuid?.() ?? 0;
  put(dir, `run/bt_u${uid}`, ATLAS_JWT);
  const xdg = await explain(t, ['--config', CONFIG], { env: { XDG_RUNTIME_DIR: join(dir, 'run') } });
  t.same(xdg.input, { kind: 'discovery', step: 'XDG_RUNTIME_DIR', path: join(dir, `run/bt_u${uid}`) });
});

t.test('the whole claims set, and exp / seconds left as numbers', async (t) => {
  const payload = {
    iss: 'https://wlcg.cloud.cnaf.infn.it/',
    sub: 'alice',
    aud: ['https://ce.example.org', 'other'],
    scope: 'compute.read eduperson_entitlement:urn:mace:egi.eu:group:vo.example#aai.egi.eu',
    'wlcg.groups': ['/atlas', 'not a group'],
    exp: NOW + 2 * 3600 + 14 * 60 + 10,
    iat: NOW - 60,
    nbf: NOW - 60,
    acr: 'extra claim',
  };
  const doc = await explain(t, ['--config', CONFIG, '--claims', claimsFile('all.json', payload)]);
  const c = doc.claims as Record<string, unknown>;
  t.same(c.aud, payload.aud);
  t.same(c.scopes, payload.scope.split(' '));
  t.same(c.groups, ['/atlas']);
  t.same(c.ignored_groups, ['not a group']);
  t.same(c.entitlements, [
    { value: 'urn:mace:egi.eu:group:vo.example#aai.egi.eu', claim: 'scope', requested_by_scope: true },
  ]);
  t.same([c.exp, c.iat, c.nbf], [payload.exp, payload.iat, payload.nbf]);
  t.same(c.raw, payload, 'raw: the claims as given, extra claims included');
  const tok = doc.token as Record<string, number | string>;
  t.equal(tok.validity, 'valid');
  t.equal(tok.exp, payload.exp);
  t.equal(tok.seconds_left, Math.floor(payload.exp - Number(tok.at)), 'seconds_left = exp - at, whole seconds');
  t.match(tok.state, /^valid, expires in 2 h 1[34] min$/, 'the state line in the one duration style');

  const nbf = NOW + 3 * 86400;
  const later = await explain(t, ['--config', CONFIG, '--claims', claimsFile('nbf.json', { ...payload, nbf })]);
  t.equal(later.token?.validity, 'not-yet-valid');
  t.equal(later.token?.valid_in, Math.ceil(nbf - Number(later.token?.at)), 'valid_in = nbf - at, whole seconds');
  t.match(later.token?.state, /not yet valid \(valid in 3 d\)/);
  const expired = await explain(t, ['--config', CONFIG, '--claims', join(TOKENS, 'expired.json')]);
  t.equal(expired.token?.validity, 'expired');
  t.ok((expired.token?.seconds_left as number) < 0, 'seconds_left is negative once expired');
});

t.test('every failure before a rule ran is one document too', async (t) => {
  const badConfig = put(dir, 'bad.ini', '[nosuchsection]\nx = 1\n');
  const cases: [string, string[], RunOptions, string][] = [
    ['unreadable configuration', ['--config', join(dir, 'missing.ini'), ATLAS_JWT], {}, 'CONFIG_UNREADABLE'],
    ['invalid configuration', ['--config', badConfig, ATLAS_JWT], {}, 'CONFIG_INVALID'],
    ['malformed token', ['--config', CONFIG, 'not-a-token'], {}, 'CLAIMS_INVALID'],
    ['empty TOKEN argument', ['--config', CONFIG, ''], {}, 'TOKEN_INVALID'],
    ['claims file not JSON', ['--config', CONFIG, '--claims', put(dir, 'x.json', '{"iss": ')], {}, 'CLAIMS_MALFORMED'],
    [
      'claims of the wrong type',
      ['--config', CONFIG, '--claims', claimsFile('t.json', { iss: 7 })],
      {},
      'CLAIMS_INVALID',
    ],
    ['unreadable claims file', ['--config', CONFIG, '--claims', join(dir, 'none.json')], {}, 'INPUT_UNREADABLE'],
    ['stdin not JSON', ['--config', CONFIG, '--claims', '-'], { stdin: '\u00ff\u0000' }, 'CLAIMS_MALFORMED'],
    ['stdin too large', ['--config', CONFIG, '--claims', '-'], { stdin: 'x'.repeat(70000) }, 'INPUT_TOO_LARGE'],
    ['no token found', ['--config', CONFIG], {}, 'TOKEN_NOT_FOUND'],
    ['--from-env with no token there', ['--config', CONFIG, '--from-env'], {}, 'CLAIMS_INVALID'],
    ['empty --arc-subject', ['--config', CONFIG, '--arc-subject', ''], {}, 'CLAIMS_INVALID'],
    ['a bad --at', ['--config', CONFIG, '--at', 'yesterday', ATLAS_JWT], {}, 'USAGE'],
    ['--config with -c', ['--config', CONFIG, '-c', join(ROOT, 'mapfiles/policies.d'), ATLAS_JWT], {}, 'USAGE'],
    ['--config with --mapfile', ['--config', CONFIG, '--mapfile', join(ROOT, 'mapfiles/condor_mapfile')], {}, 'USAGE'],
    ['banned', ['--config', CONFIG, '--claims', join(TOKENS, 'banned.json')], {}, 'BANNED'],
    [
      'ARC 6 under an [audience] gate',
      ['--config', CONFIG, '--arc-subject', ATLAS_SUBJECT],
      {},
      'AUDIENCE_UNCHECKABLE',
    ],
  ];
  for (const [name, args, opts, code] of cases) {
    const doc = await explain(t, args, opts);
    t.equal(doc.result, 'error', name);
    t.equal(doc.code, code, `${name}: ${code}`);
  }
});

t.test('two inputs are a usage error naming both, for every pair', async (t) => {
  const inputs: [string, string[]][] = [
    ['a TOKEN argument', [ATLAS_JWT]],
    ['--token-file', ['--token-file', join(TOKENS, 'atlas-production.jwt')]],
    ['--claims', ['--claims', join(TOKENS, 'atlas-production.json')]],
    ['--arc-subject', ['--arc-subject', ATLAS_SUBJECT]],
    ['--from-env', ['--from-env']],
  ];
  for (let i = 0; i < inputs.length; i++)
    for (let j = i + 1; j < inputs.length; j++) {
      const [a, argsA] = inputs[i] as [string, string[]];
      const [b, argsB] = inputs[j] as [string, string[]];
      const r = await runBin(['explain', '--config', CONFIG, ...argsB, ...argsA], { env: htcondorEnv(ATLAS) });
      t.equal(r.code, 2, `${a} + ${b}: exit 2`);
      const line = r.stderr.split('\n').filter(Boolean);
      t.equal(line.length, 1, 'one stderr line');
      t.ok(line[0]?.includes(a) && line[0].includes(b), `it names both: ${line[0]}`);
      t.equal(r.stdout.length, 0, 'text mode: nothing on stdout');
      const json = await explain(t, ['--config', CONFIG, ...argsA, ...argsB], { env: htcondorEnv(ATLAS) });
      t.equal(json.code, 'USAGE');
    }
});

t.test('attacker bytes in claims reach the JSON escaped, the same strings once parsed', async (t) => {
  const hostile = 'x\u001b[2J\u009b31m\u202eevil\u2028\u2066y';
  const path = claimsFile('hostile.json', { iss: 'https://iss.example/', sub: hostile, acr: hostile });
  const r = await runBin(['explain', '--json', '--config', CONFIG, '--claims', path]);
  const out = r.stdout.toString('utf8');
  t.notMatch(out, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u2028\u2029]/);
  const doc = JSON.parse(out) as Doc;
  t.equal(doc.claims?.sub, hostile);
  t.ok(validate(doc));
});

// Malformed input of every shape: bytes, JSON of any type, objects whose claims have any type, tokens whose
// parts are anything. stdout is one schema-valid document and the exit code follows it, every time.
const json = fc.jsonValue({ maxDepth: 2 });
const claimsObject = fc.record(
  {
    iss: fc.oneof(fc.constant('https://atlas-auth.web.cern.ch/'), json),
    sub: fc.oneof(fc.string(), json),
    aud: json,
    scope: fc.oneof(fc.string(), json),
    exp: fc.oneof(fc.integer(), fc.double(), json),
    nbf: json,
    'wlcg.groups': json,
    eduperson_entitlement: json,
  },
  { requiredKeys: [] },
);
const b64 = (v: string) => Buffer.from(v).toString('base64url');
const stdinBytes = fc.oneof(
  fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
  json.map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
  claimsObject.map((o) => Buffer.from(JSON.stringify(o))),
);
const tokenText = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc
    .tuple(fc.oneof(json, fc.constant({ alg: 'RS256', kid: 'rsa1' })), fc.oneof(claimsObject, json), fc.string())
    .map(([h, p, s]) => `${b64(JSON.stringify(h) ?? '')}.${b64(JSON.stringify(p) ?? '')}.${b64(s)}`),
);

const malformed = fc.oneof(
  stdinBytes.map((b) => ({ b })),
  tokenText.map((k) => ({ k })),
);

/** One malformed input, run by `run` (the binary or main() in process), checked as every run is. */
async function checkMalformed(
  run: (args: string[], stdin?: Buffer) => Promise<{ stdout: string; code: number | null; stderr: string }>,
  input: { b: Buffer } | { k: string },
): Promise<void> {
  const base = ['explain', '--json', '--config', CONFIG];
  const r = 'b' in input ? await run([...base, '--claims', '-'], input.b) : await run([...base, '--', input.k]);
  const { problem } = oneDocument(r.stdout, r.code, r.stderr);
  if (problem) throw new Error(problem);
}

t.test('property: malformed claims and tokens through the binary give one valid document', async (t) => {
  const bin = async (args: string[], stdin?: Buffer) => {
    const r = await runBin(args, { stdin });
    return { ...r, stdout: r.stdout.toString('utf8') };
  };
  await fc.assert(
    fc.asyncProperty(malformed, (input) => checkMalformed(bin, input)),
    { numRuns: 40, seed: 8 },
  );
  t.pass('one schema-valid document every time');
});

t.test('property: many more of them through main() in process', async (t) => {
  // runMain hands stdout over as latin1 (bytes).
  const inProcess = async (args: string[], stdin?: Buffer) => {
    const r = await runMain(args, { stdin });
    return { ...r, stdout: Buffer.from(r.stdout, 'latin1').toString('utf8') };
  };
  await fc.assert(
    fc.asyncProperty(malformed, (input) => checkMalformed(inProcess, input)),
    { numRuns: 400, seed: 18 },
  );
  t.pass('one schema-valid document every time');
});

t.test('discovery reports each step it found the token at (the /tmp step with a uid of its own)', async (t) => {
  const { discoverToken } = await import('../src/tokens/discover.js');
  // A uid nobody has, so that /tmp/bt_u<uid> is this test's alone; the file is ours, so discovery warns.
  const uid = 3_000_000_000 + (process.pid % 1_000_000);
  const path = `/tmp/bt_u${uid}`;
  writeFileSync(path, ATLAS_JWT, { mode: 0o600 });
  t.teardown(() => rmSync(path, { force: true }));
  const found = discoverToken({}, uid);
  t.same([found.step, found.path, found.token], ['/tmp', path, ATLAS_JWT]);
  t.match(found.warnings.join('\n'), /not owned by uid/);
  t.same(discoverToken({ BEARER_TOKEN: ATLAS_JWT }, uid).step, 'BEARER_TOKEN', 'BEARER_TOKEN comes first');
});

t.test('the text view names the input too', async (t) => {
  const arc6 = await runBin(['explain', '--config', ARC_CONFIG, '--arc-subject', ATLAS_SUBJECT]);
  t.equal(arc6.code, 0);
  t.match(arc6.stdout.toString(), /^input +ARC 6 subject \(%D\): <iss>\/<sub> only, no claims$/m);
  t.match(arc6.stdout.toString(), /^ARC +atlasprd:atlas$/m);
  const env = await runBin(['explain', '--config', ARC_CONFIG, '--from-env'], { env: arc7Env(ATLAS) });
  t.match(env.stdout.toString(), /^input +BEARER_TOKEN_0_\* environment \(ARC 7\)$/m);
  const stdin = await runBin(['explain', '--config', CONFIG, '--claims', '-'], { stdin: JSON.stringify(ATLAS) });
  t.match(stdin.stdout.toString(), /^input +claims set on stdin$/m);
  const bt = await runBin(['explain', '--config', CONFIG], { env: { BEARER_TOKEN: ATLAS_JWT } });
  t.match(bt.stdout.toString(), /^input +WLCG Bearer Token Discovery: BEARER_TOKEN$/m);
});
