// Point 7 of issue 7: no configuration means no decision. Each of these is exit 2, never a decline
// (which would let HTCondor try the next plugin, and ARC carry on).
import t, { type Test } from 'tap';
import { htcondorEnv } from './helpers/ce-env.js';
import { put, scratch } from './helpers/files.js';
import { runBin } from './helpers/run.js';

const ISS = 'https://iss.example';
const POLICY = `[rule r]\nissuer = ${ISS}\naudience_optional = yes\naccount = alice\n`;
const PAYLOAD = { iss: ISS, sub: 'x' };

const fails = (t: Test, r: Awaited<ReturnType<typeof runBin>>, re: RegExp) => {
  t.equal(r.code, 2, 'exit 2');
  t.equal(r.stdout.length, 0);
  t.match(r.stderr, /^tokenmap: [^\n]+\n$/, 'one line');
  t.match(r.stderr, re);
};

t.test('a -c directory with no *.ini, and sources that hold no rule', async (t) => {
  const empty = scratch({ 'README.txt': 'not a policy\n' });
  for (const cmd of ['htcondor-plugin', 'arc-plugin'])
    fails(
      t,
      await runBin([cmd, '-c', empty], { stdin: JSON.stringify(PAYLOAD), env: htcondorEnv(PAYLOAD) }),
      /no \*\.ini policy file in this directory/,
    );
  // Even beside a source that holds rules: a directory the admin filled with *.conf files is a mistake.
  const good = put(scratch(), 'good.ini', POLICY);
  for (const cmd of ['htcondor-plugin', 'arc-plugin'])
    fails(
      t,
      await runBin([cmd, '-c', good, '-c', empty], { stdin: JSON.stringify(PAYLOAD), env: htcondorEnv(PAYLOAD) }),
      new RegExp(`^tokenmap: ${empty}: no \\*\\.ini policy file in this directory`),
    );
  // The dry run shows what these rules do instead: a note, and the decision of the rules that are there.
  const dry = await runBin(['explain', '-c', empty, '--claims', '-'], { stdin: JSON.stringify(PAYLOAD) });
  t.equal(dry.code, 1, 'explain: declined, no rule maps');
  t.match(dry.stdout.toString(), `  - ${empty}: no *.ini policy file in this directory: it holds no rule\n`);
  t.equal(dry.stderr.toString(), '');
  const both = await runBin(['explain', '-c', good, '-c', empty, '--claims', '-'], { stdin: JSON.stringify(PAYLOAD) });
  t.equal(both.code, 0, 'explain: the rules that exist still decide');
  t.match(both.stdout.toString(), `${empty}: no *.ini policy file`);
  const dir = scratch({ condor_mapfile: '# nothing yet\n', 'p.ini': '[logger]\nlevel = INFO\n' });
  const config = put(dir, 'tokenmap.ini', '[rules]\nsource[] = mapfile:condor_mapfile\nsource[] = policy:p.ini\n');
  fails(
    t,
    await runBin(['htcondor-plugin', '--config', config], { stdin: JSON.stringify(PAYLOAD) }),
    /the rule sources hold no SCITOKENS map line and no policy rule/,
  );
  const gsiOnly = put(scratch(), 'condor_mapfile', 'GSI "/DC=org/CN=x" x\n');
  fails(
    t,
    await runBin(['htcondor-plugin', '--mapfile', gsiOnly], { stdin: JSON.stringify(PAYLOAD) }),
    /hold no SCITOKENS map line/,
  );
});

t.test('an empty iss, from the payload or the environment', async (t) => {
  const policy = put(scratch(), 'p.ini', POLICY);
  fails(
    t,
    await runBin(['htcondor-plugin', '-c', policy], { stdin: JSON.stringify({ iss: '', sub: 'x' }) }),
    /the token has an empty iss/,
  );
  fails(
    t,
    await runBin(['htcondor-plugin', '-c', policy], {
      stdin: '',
      env: { BEARER_TOKEN_0_ISSUER: '', BEARER_TOKEN_0_SUBJECT: 'x' },
    }),
    /empty iss/,
  );
  fails(
    t,
    await runBin(['arc-plugin', '-c', policy], {
      stdin: 'open',
      env: { BEARER_TOKEN_0_ISSUER: '', BEARER_TOKEN_0_SUBJECT: 'x' },
    }),
    /empty iss/,
  );
});

t.test('a payload sub that differs from BEARER_TOKEN_0_SUBJECT', async (t) => {
  const policy = put(scratch(), 'p.ini', POLICY);
  const r = await runBin(['htcondor-plugin', '-c', policy], {
    stdin: JSON.stringify(PAYLOAD),
    env: { ...htcondorEnv(PAYLOAD), BEARER_TOKEN_0_SUBJECT: 'someone-else' },
  });
  fails(t, r, /BEARER_TOKEN_0_SUBJECT differs from the payload sub/);
});

t.test('CLAIM_sub_0 and CLAIM_sub_00 both set', async (t) => {
  const policy = put(scratch(), 'p.ini', POLICY);
  const env = { ...htcondorEnv(PAYLOAD), BEARER_TOKEN_0_CLAIM_sub_00: 'y' };
  for (const cmd of ['htcondor-plugin', 'arc-plugin'])
    fails(
      t,
      await runBin([cmd, '-c', policy], { stdin: cmd === 'arc-plugin' ? 'open' : '', env }),
      /two variables give element 0 of claim "sub"/,
    );
});
