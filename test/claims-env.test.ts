// Claims rebuilt from the BEARER_TOKEN_0_* environment: names with dots and underscores, indices,
// numeric claims absent, types checked as far as the environment allows.
import t from 'tap';
import { arc7Env, htcondorEnv } from './helpers/ce-env.js';
import { policyFile } from './helpers/decide.js';
import { runMain } from './helpers/run.js';

const IAM = 'https://wlcg.cloud.cnaf.infn.it/';
// TV-A1 of callout-protocols.md
const TVA1 = {
  'wlcg.ver': '1.0',
  sub: 'e83eec5a-e2e3-43c6-bb67-df8f5ec3e8d0',
  iss: IAM,
  aud: 'https://ce.example.org',
  scope: 'compute.create compute.read compute.modify compute.cancel',
  'wlcg.groups': ['/wlcg', '/wlcg/pilots'],
  exp: 1900000000,
  nbf: 1700000000,
  iat: 1700000000,
  jti: 'a1b2',
};
const POLICY = `[rule pilots]\nissuer = ${IAM}\naudience = https://ce.example.org\ngroups = /wlcg/pilots\nscopes = compute.create compute.cancel\naccount = wlcgpilot\ngroup = wlcg\n`;

t.test('TV-A1 as ARC 7 and as HTCondor set it', async (t) => {
  const file = policyFile(POLICY);
  const arc = await runMain(['arc-plugin', '-c', file], { env: arc7Env(TVA1), stdinForbidden: true });
  t.equal(arc.stdout, 'wlcgpilot:wlcg');
  const condor = await runMain(['htcondor-plugin', '-c', file], { stdin: '', env: htcondorEnv(TVA1) });
  t.equal(condor.stdout, 'wlcgpilot\n');
  t.notOk('BEARER_TOKEN_0_CLAIM_exp_0' in arc7Env(TVA1), 'numeric claims are not exported (the helper follows the CE)');
});

t.test('HTCondor: only element 0 is in AUDIENCE; the full list is read from CLAIM_aud_<i>', async (t) => {
  const p = { ...TVA1, aud: ['other', 'https://ce.example.org'] };
  const env = htcondorEnv(p);
  t.equal(env.BEARER_TOKEN_0_AUDIENCE, 'other');
  t.equal((await runMain(['htcondor-plugin', '-c', policyFile(POLICY)], { stdin: '', env })).stdout, 'wlcgpilot\n');
});

t.test('a claim name with underscores and digits keeps its last _<digits> as the index', async (t) => {
  const p = { iss: IAM, sub: 's', aud: 'https://ce.example.org', x_1_2: ['a', 'b'] };
  const env = htcondorEnv(p);
  t.equal(env.BEARER_TOKEN_0_CLAIM_x_1_2_1, 'b');
  const r = await runMain(['explain', '-c', policyFile(POLICY), '--claims', '/dev/null', '--json'], { env });
  t.equal(r.code, 2, 'explain reads a claims file, not the environment');
});

t.test('a string claim given twice in the environment is malformed (exit 2)', async (t) => {
  const env = { ...arc7Env(TVA1), BEARER_TOKEN_0_CLAIM_sub_1: 'second' };
  const r = await runMain(['arc-plugin', '-c', policyFile(POLICY)], { env });
  t.equal(r.code, 2);
  t.match(r.stderr, /claim "sub" must be a string, but the environment holds 2 values/);
});

t.test('SUBJECT and CLAIM_sub_0 that disagree are malformed (exit 2)', async (t) => {
  const env = { ...arc7Env(TVA1), BEARER_TOKEN_0_SUBJECT: 'other' };
  t.equal((await runMain(['arc-plugin', '-c', policyFile(POLICY)], { env })).code, 2);
});

t.test('index gaps end a list', async (t) => {
  const env = { ...arc7Env(TVA1) };
  delete env['BEARER_TOKEN_0_CLAIM_wlcg.groups_0'];
  delete env.BEARER_TOKEN_0_GROUP_0;
  delete env.BEARER_TOKEN_0_GROUP_1;
  t.equal(
    (await runMain(['arc-plugin', '-c', policyFile(POLICY)], { env })).code,
    1,
    'CLAIM_wlcg.groups_1 alone is not read',
  );
});
