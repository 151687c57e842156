// The callouts spawned exactly as HTCondor and ARC spawn them (shared/spec/callout-protocols.md).
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { arc7Env, htcondorEnv } from './helpers/ce-env.js';
import { put, scratch } from './helpers/files.js';
import { BIN, ROOT, runBin } from './helpers/run.js';

// Dozens of spawned callouts: more than tap's default 30 s on the shared, loaded machine.
t.setTimeout(120_000);

const CONFIG = join(ROOT, 'mapfiles/tokenmap.ini');
const token = (name: string) =>
  JSON.parse(readFileSync(join(ROOT, 'mapfiles/tokens', `${name}.json`), 'utf8')) as Record<string, unknown>;
const payload = (name: string) => readFileSync(join(ROOT, 'mapfiles/tokens', `${name}.json`));
const htcondor = (stdin: Buffer | string | 'open', env: Record<string, string> = {}, extra: string[] = []) =>
  runBin(['htcondor-plugin', '--config', CONFIG, ...extra], { stdin, env });
const arc = (env: Record<string, string>, args: string[] = []) =>
  runBin(['arc-plugin', '--config', CONFIG, ...args], { stdin: 'open', env });

t.test('HTCondor: payload on stdin and the environment HTCondor builds from it', async (t) => {
  for (const [name, account] of [
    ['atlas-production', 'atlasprd'],
    ['cms-pilot', 'cmspilot'],
    ['egi-biomed-pilot', 'biomedpilot'],
    ['fnal-pilot', 'fnalpilot'],
  ]) {
    const r = await htcondor(payload(name as string), htcondorEnv(token(name as string)));
    t.equal(r.code, 0, `${name}: exit 0`);
    t.equal(r.stdout.toString(), `${account}\n`, `${name}: the identity and one newline`);
    t.equal(r.stderr, '', `${name}: nothing on stderr`);
  }
});

t.test('HTCondor: an empty stdin falls back to the environment', async (t) => {
  const r = await htcondor('', htcondorEnv(token('cms-pilot')));
  t.equal(r.code, 0);
  t.equal(r.stdout.toString(), 'cmspilot\n');
});

t.test('HTCondor: declined is exit 1 with nothing on stdout', async (t) => {
  const p = { ...token('atlas-production'), sub: 'someone-else' };
  const r = await htcondor(JSON.stringify(p), htcondorEnv(p));
  t.equal(r.code, 1);
  t.equal(r.stdout.length, 0);
});

t.test('HTCondor: expired token, foreign audience, missing sub or jti are clean declines', async (t) => {
  t.equal((await htcondor(payload('expired'))).code, 1, 'expired');
  const { sub: _sub, ...noSub } = token('cms-pilot');
  t.equal((await htcondor(JSON.stringify(noSub))).code, 1, 'no sub');
  const { jti: _jti, ...noJti } = token('cms-pilot');
  t.equal((await htcondor(JSON.stringify(noJti))).code, 1, 'a WLCG token without jti');
  const p = { ...token('atlas-production'), aud: 'https://other-ce.example.org' };
  t.equal((await htcondor(JSON.stringify(p))).code, 1, 'audience of another CE');
});

t.test('HTCondor: a ban is exit 2 with one stderr line naming the line', async (t) => {
  const r = await htcondor(payload('banned'), htcondorEnv(token('banned')));
  t.equal(r.code, 2);
  t.equal(r.stdout.length, 0);
  t.match(
    r.stderr,
    /^tokenmap: banned by \S*mapfiles\/mapfiles\.d\/90-ban\.conf:6 \(leaked@banned\.htcondor\.org\)\n$/,
  );
});

const malformed: [string, string | Buffer][] = [
  ['not JSON', 'eyJhbGciOi'],
  ['a JSON array', '[1,2]'],
  [
    'an aud array holding a number',
    JSON.stringify({ ...token('atlas-production'), aud: ['https://ce.example.org', 7] }),
  ],
  ['wlcg.groups holding a number', JSON.stringify({ ...token('cms-pilot'), 'wlcg.groups': ['/cms', 1] })],
  ['wlcg.groups as a string', JSON.stringify({ ...token('cms-pilot'), 'wlcg.groups': '/cms' })],
  ['iss as a number', JSON.stringify({ ...token('cms-pilot'), iss: 5 })],
  ['exp as a string', JSON.stringify({ ...token('cms-pilot'), exp: '4102444800' })],
  [
    'a duplicate member name',
    '{"iss":"https://cms-auth.web.cern.ch/","sub":"a","sub":"bad55f4e-602c-4e8d-a5c5-bd8ffb762113"}',
  ],
  ['a duplicate member name, nested', '{"iss":"x","sub":"y","act":{"sub":"a","sub":"b"}}'],
  ['an unpaired surrogate escape', '{"iss":"x","sub":"\\ud800"}'],
  ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0x69, 0x73, 0x73, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d])],
  ['no iss', JSON.stringify({ sub: 'a' })],
  ['deep nesting', '['.repeat(100000) + ']'.repeat(100000)],
];
for (const [what, input] of malformed) {
  t.test(`HTCondor: malformed payload (${what}) is exit 2, never a decline`, async (t) => {
    const r = await htcondor(input);
    t.equal(r.code, 2);
    t.equal(r.stdout.length, 0);
    t.match(r.stderr, /^tokenmap: [^\n]+\n$/, 'one line');
    t.notMatch(r.stderr, /\bat \S+:\d+/, 'no stack trace');
  });
}

t.test('HTCondor: BEARER_TOKEN_0_ISSUER that contradicts the payload is exit 2', async (t) => {
  const r = await htcondor(payload('cms-pilot'), {
    ...htcondorEnv(token('cms-pilot')),
    BEARER_TOKEN_0_ISSUER: 'https://other/',
  });
  t.equal(r.code, 2);
  t.match(r.stderr, /differs from the payload iss/);
});

t.test('HTCondor: oversized stdin is exit 2, fast', async (t) => {
  const r = await htcondor(Buffer.alloc(10 * 1024 * 1024, 0x20));
  t.equal(r.code, 2);
  t.match(r.stderr, /stdin holds more than 65536 bytes/);
  t.ok(r.ms < 3000, `answered in ${r.ms} ms`);
});

t.test('HTCondor: a stdin that is never closed is exit 2 within the deadline', async (t) => {
  const r = await htcondor('open', {}, ['--deadline', '0.5']);
  t.equal(r.code, 2);
  t.match(r.stderr, /stdin was not closed within the deadline/);
  t.ok(r.ms < 4000, `gave up after ${r.ms} ms`);
});

t.test('HTCondor: no token at all is exit 2', async (t) => {
  const r = await htcondor('');
  t.equal(r.code, 2);
  t.match(r.stderr, /no token: stdin is empty and BEARER_TOKEN_0_ISSUER is not set/);
});

t.test('unreadable or invalid configuration is exit 2 naming it', async (t) => {
  const dir = scratch({ 'bad.ini': '[rules]\nsource[] = mapfile:condor_mapfile\n[audience]\nacept = x\n' });
  for (const [config, re] of [
    [join(dir, 'missing.ini'), /missing\.ini: cannot read configuration \(ENOENT/],
    [join(dir, 'bad.ini'), /bad\.ini:4: unknown key "acept"/],
    [dir, /cannot read configuration \(EISDIR/],
  ] as const) {
    const r = await runBin(['htcondor-plugin', '--config', config], { stdin: payload('cms-pilot') });
    t.equal(r.code, 2, config);
    t.match(r.stderr, re);
    const a = await runBin(['arc-plugin', '--config', config], { stdin: 'open', env: arc7Env(token('cms-pilot')) });
    t.equal(a.code, 2, `arc: ${config}`);
  }
  const viaEnv = await runBin(['htcondor-plugin'], {
    stdin: payload('cms-pilot'),
    env: { TOKENMAP_CONFIG: join(dir, 'missing.ini') },
  });
  t.match(viaEnv.stderr, /missing\.ini: cannot read configuration/, '$TOKENMAP_CONFIG is honoured');
});

t.test('ARC 7: the environment, with stdin open and never written', async (t) => {
  for (const [name, out] of [
    ['atlas-production', 'atlasprd'],
    ['cms-pilot', 'cmspilot'],
    ['egi-biomed-pilot', 'biomedpilot:biomed'],
    ['fnal-pilot', 'fnalpilot:fermilab'],
  ]) {
    const r = await arc(arc7Env(token(name as string)));
    t.equal(r.code, 0, `${name}: exit 0`);
    t.same([...r.stdout], [...Buffer.from(out as string)], `${name}: exactly ${JSON.stringify(out)}, no newline`);
  }
});

t.test('ARC 7: a client certificate DN in X509_SUBJECT_NAME does not change the token claims', async (t) => {
  const r = await arc(arc7Env(token('cms-pilot'), '/DC=org/CN=Alice'), ['/DC=org/CN=Alice']);
  t.equal(r.stdout.toString(), 'cmspilot');
});

t.test('ARC 7: declined is exit 1, banned exit 2', async (t) => {
  t.equal((await arc(arc7Env({ ...token('atlas-production'), sub: 'x' }))).code, 1);
  const banned = await arc(arc7Env(token('banned')));
  t.equal(banned.code, 2);
  t.equal(banned.stdout.length, 0);
});

t.test('ARC 6: the %D subject alone', async (t) => {
  const dir = scratch({
    'p.ini':
      '[rule dirac]\nissuer = https://iam.example.org/\nsubject = pilot-1\naccount = diracpilot\n[rule needs-scope]\nissuer = https://iam.example.org/\nsubject = pilot-2\nscopes = compute.create\naccount = other\n',
  });
  const run = (subject: string) => runBin(['arc-plugin', '-c', join(dir, 'p.ini'), subject], { stdin: 'open' });
  const ok = await run('https://iam.example.org//pilot-1');
  t.equal(ok.code, 0);
  t.equal(ok.stdout.toString(), 'diracpilot', 'compared whole with issuer/subject (double slash kept)');
  t.equal((await run('https://iam.example.org/pilot-1')).code, 1, 'never split or normalised');
  t.equal((await run('https://iam.example.org//pilot-2')).code, 1, 'a rule needing other claims does not match');
  t.equal((await run('/DC=org/DC=example/CN=Alice')).code, 1, 'a certificate DN matches no token rule');
  const none = await runBin(['arc-plugin', '-c', join(dir, 'p.ini')], { stdin: 'open' });
  t.equal(none.code, 2, 'neither environment nor subject: exit 2');
});

t.test('the audit log: one JSON line per decision, never the token', async (t) => {
  const dir = scratch();
  const log = join(dir, 'audit.jsonl');
  const config = put(
    dir,
    'tokenmap.ini',
    readFileSync(CONFIG, 'utf8')
      .replace(/^source\[\] = mapfile:condor_mapfile$/m, `source[] = mapfile:${ROOT}mapfiles/condor_mapfile`)
      .replace('policy[] = policies.d/', `policy[] = ${ROOT}mapfiles/policies.d/`)
      .replace('file[] = bans', `file[] = ${ROOT}mapfiles/bans`) + `\n[audit]\nlog = ${log}\n`,
  );
  await runBin(['htcondor-plugin', '--config', config], { stdin: payload('atlas-production') });
  await runBin(['arc-plugin', '--config', config], { stdin: 'open', env: arc7Env(token('banned')) });
  await runBin(['htcondor-plugin', '--config', config], { stdin: '{"iss":1}' });
  const lines = readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  t.equal(lines.length, 3);
  t.match(lines[0], {
    ce: 'htcondor',
    iss: 'https://atlas-auth.web.cern.ch/',
    sub: '7dee38a3-6ab8-4fe2-9e4c-58039c21d817',
    jti: '4e7a5b0c-1d2e-4f3a-8b9c-0d1e2f3a4b5c',
    result: 'mapped',
    identity: 'atlasprd@users.htcondor.org',
  });
  t.match(lines[0].rule, /10-scitokens\.conf:6/);
  t.type(lines[0].ms, 'number');
  t.match(lines[1], { ce: 'arc', result: 'error' });
  t.match(lines[2], { ce: 'htcondor', result: 'error' });
  t.notMatch(readFileSync(log, 'utf8'), /compute\.create|client_id/, 'no payload content beyond iss, sub, jti');
});

t.test('a regex that backtracks for ever is cut by the callout deadline: exit 2 naming the line', async (t) => {
  const dir = scratch({ condor_mapfile: 'SCITOKENS /^https:\\/\\/slow\\.example,(a+)+$/ slow\n' });
  // A matching budget above the deadline: the deadline is what cuts it.
  const config = put(
    dir,
    'tokenmap.ini',
    '[rules]\nsource[] = mapfile:condor_mapfile\n[tokens]\ncheck = no\n[limits]\ndeadline = 0.5\nregex_budget = 10\n',
  );
  const r = await runBin(['htcondor-plugin', '--config', config], {
    stdin: JSON.stringify({ iss: 'https://slow.example', sub: 'a'.repeat(40) + 'b' }),
  });
  t.equal(r.code, 2);
  t.match(
    r.stderr,
    /^tokenmap: \S+condor_mapfile:1: the decision exceeded the deadline \(\d+ ms left\) in this map line\n$/,
  );
  t.ok(r.ms < 4000, `cut after ${r.ms} ms`);
});

// Rules that run no configured regex are evaluated without the vm watchdog (cli/evaluation.ts coldBound)
// and held to the same bounds afterwards: an evaluation past them still fails closed with the same error.
// A 200,000-line ban list is what makes one slow here (it is parsed inside the evaluation).
t.test('rules without a regex: an evaluation past the budget or the deadline is still exit 2', async (t) => {
  const bans = Array.from({ length: 200_000 }, (_, i) => `subject https://iss.example user-${i}\n`).join('');
  const dir = scratch({ condor_mapfile: 'SCITOKENS /^https:\\/\\/iss\\.example,/ x\n', bans });
  const stdin = JSON.stringify({ iss: 'https://iss.example', sub: 'xavier' });
  const run = async (limits: string) =>
    runBin(
      [
        'htcondor-plugin',
        '--config',
        put(
          dir,
          'tokenmap.ini',
          `[rules]\nsource[] = mapfile:condor_mapfile\n[tokens]\ncheck = no\n[bans]\nfile[] = bans\n[limits]\n${limits}`,
        ),
      ],
      { stdin },
    );
  const mapped = await run('deadline = 30\nregex_budget = 30\n');
  t.equal(mapped.code, 0, mapped.stderr);
  t.equal(mapped.stdout.toString(), 'x\n');
  const budget = await run('deadline = 30\nregex_budget = 0.001\n');
  t.equal(budget.code, 2);
  t.equal(
    budget.stderr,
    'tokenmap: matching ran past its budget of 1 ms of CPU time ([limits] regex_budget) (these rules run no ' +
      'configured regular expression: large ban lists or a large token); failing closed\n',
  );
  const late = await run('deadline = 0.1\nregex_budget = 30\n');
  t.equal(late.code, 2);
  t.match(late.stderr, /^tokenmap: the (deadline passed before the evaluation started|decision exceeded the deadline)/);
  t.equal(budget.stdout.length + late.stdout.length, 0, 'nothing on stdout');
});

// A token with more than UNWATCHED_MAX_ITEMS list items is evaluated under the watchdog whatever the rules:
// cut at the deadline, not after its whole evaluation (here the parse of a 400,000-line ban list).
t.test('a token with many list items is cut at the deadline even by rules without a regex', async (t) => {
  const bans = Array.from({ length: 400_000 }, (_, i) => `subject https://iss.example user-${i}\n`).join('');
  const dir = scratch({ condor_mapfile: 'SCITOKENS /^https:\\/\\/iss\\.example,/ x\n', bans });
  const config = put(
    dir,
    'tokenmap.ini',
    '[rules]\nsource[] = mapfile:condor_mapfile\n[tokens]\ncheck = no\n[bans]\nfile[] = bans\n' +
      '[limits]\ndeadline = 0.15\nregex_budget = 30\nstdin_max = 1048576\n',
  );
  const token = (groups: number) =>
    JSON.stringify({
      iss: 'https://iss.example',
      sub: 'xavier',
      'wlcg.groups': Array.from({ length: groups }, (_, i) => `/g${i}`),
    });
  const few = await runBin(['htcondor-plugin', '--config', config], { stdin: token(10) });
  const many = await runBin(['htcondor-plugin', '--config', config], { stdin: token(1025) });
  for (const r of [few, many]) {
    t.equal(r.code, 2);
    t.match(r.stderr, /^tokenmap: the (deadline passed before the evaluation started|decision exceeded the deadline)/);
  }
  t.ok(many.ms < few.ms, `cut while it ran (${many.ms} ms), not after it (${few.ms} ms)`);
});

// HTCondor's stdin is a pipe(2) (Node's own spawn would give a socket pair): a shell pipeline makes one.
t.test('HTCondor: a real pipe, read to EOF; a real pipe never closed is abandoned at the deadline', async (t) => {
  const payloadFile = join(ROOT, 'mapfiles/tokens/egi-biomed-pilot.json');
  const ok = await runBin(
    ['-c', `cat "$1" | exec env -u NODE_OPTIONS "$0" htcondor-plugin --config "$2"`, BIN, payloadFile, CONFIG],
    { via: '/bin/sh' },
  );
  t.equal(ok.code, 0);
  t.equal(ok.stdout.toString(), 'biomedpilot\n');
  // A FIFO opened read-write: the child gets a pipe whose write end stays open for ever.
  const fifo = join(scratch(), 'fifo');
  execFileSync('mkfifo', [fifo]);
  const fd = openSync(fifo, constants.O_RDWR);
  const stuck = await runBin(['htcondor-plugin', '--config', CONFIG, '--deadline', '0.5'], { stdinFd: fd });
  closeSync(fd);
  t.equal(stuck.code, 2);
  t.match(stuck.stderr, /stdin was not closed within the deadline/);
  t.ok(stuck.ms < 4000, `gave up after ${stuck.ms} ms`);
});

// The deadline's timer is set only once a chunk does not arrive at once (read-stdin.ts): a payload whose
// first part is in the pipe and whose rest comes later is still read whole, and one whose writer stops
// after the first part is still abandoned at the deadline.
t.test('HTCondor: a real pipe written in two parts, and one whose writer stops halfway', async (t) => {
  const payloadFile = join(ROOT, 'mapfiles/tokens/egi-biomed-pilot.json');
  const half = Math.floor(payload('egi-biomed-pilot').length / 2);
  const pipeline = (rest: string, extra = '') =>
    runBin(
      [
        '--norc', // stdin is a socket here: bash would take itself for a remote shell and read ~/.bashrc
        '-c',
        // bash's process substitution is a pipe, and bash execs the callout: nothing waits for the writer.
        `exec env -u NODE_OPTIONS "$0" htcondor-plugin --config "$2" ${extra} < <({ head -c ${half} "$1"; ${rest}; } 2>/dev/null)`,
        BIN,
        payloadFile,
        CONFIG,
      ],
      { via: '/bin/bash' },
    );
  const late = await pipeline(`sleep 0.3; tail -c +${half + 1} "$1"`);
  t.equal(late.code, 0, late.stderr);
  t.equal(late.stdout.toString(), 'biomedpilot\n');
  const stopped = await pipeline('exec sleep 3', '--deadline 0.5');
  t.equal(stopped.code, 2);
  t.match(stopped.stderr, /^tokenmap: stdin was not closed within the deadline \(\d+ ms\)\n$/);
  t.ok(stopped.ms < 2500, `gave up after ${stopped.ms} ms, before the writer's 3 s`);
});

t.test('the audit log under concurrent callouts: every line whole', async (t) => {
  const dir = scratch();
  const log = join(dir, 'audit.jsonl');
  const config = put(
    dir,
    'tokenmap.ini',
    `[rules]\nsource[] = mapfile:${ROOT}mapfiles/condor_mapfile\n[plugin TOKENMAP]\npolicy[] = ${ROOT}mapfiles/policies.d/\n[audit]\nlog = ${log}\n`,
  );
  const names = ['atlas-production', 'cms-pilot', 'egi-biomed-pilot', 'fnal-pilot', 'banned'];
  const runs = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      runBin(['htcondor-plugin', '--config', config], { stdin: payload(names[i % names.length] as string) }),
    ),
  );
  // fnal-pilot needs the site's [audience] list, which this configuration lacks: a decline.
  const expected: Record<string, number> = {
    'atlas-production': 0,
    'cms-pilot': 0,
    'egi-biomed-pilot': 0,
    'fnal-pilot': 1,
    banned: 2,
  };
  t.same(
    runs.map((r) => r.code),
    runs.map((_, i) => expected[names[i % names.length] as string]),
  );
  const lines = readFileSync(log, 'utf8').split('\n').filter(Boolean);
  t.equal(lines.length, 20, 'one line per decision');
  t.ok(
    lines.every((l) => {
      try {
        return typeof JSON.parse(l).result === 'string';
      } catch {
        return false;
      }
    }),
    'every line is one whole JSON document',
  );
});

t.test('TOKENMAP_DEBUG=1 adds the stack to the error line, and only then', async (t) => {
  const plain = await htcondor('[1]');
  const debug = await htcondor('[1]', { TOKENMAP_DEBUG: '1' });
  t.equal(debug.code, 2);
  t.notMatch(plain.stderr, /\n\s+at /);
  t.match(debug.stderr, /^tokenmap: the payload must be a JSON object, not an array\n[\s\S]*\n\s+at /);
});
