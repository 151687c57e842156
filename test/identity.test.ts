// Whatever a map file substitution or a policy produces, an unsafe account is never emitted: exit 2
// naming the rule (never a decline, never a truncated name).
import t from 'tap';
import { arc7Env } from './helpers/ce-env.js';
import { put, scratch } from './helpers/files.js';
import { runMain } from './helpers/run.js';

const ISS = 'https://iss.example/';
const MAP = 'SCITOKENS /^https:\\/\\/iss\\.example\\/,(.*)$/ \\1\n';

async function viaMap(sub: string) {
  const file = put(scratch(), 'condor_mapfile', MAP);
  const payload = { iss: ISS, sub };
  const htcondor = await runMain(['htcondor-plugin', '--mapfile', file], { stdin: JSON.stringify(payload) });
  const arc = await runMain(['arc-plugin', '--mapfile', file], { env: arc7Env(payload), stdinForbidden: true });
  return { htcondor, arc };
}

t.test('a safe substitution maps', async (t) => {
  const { htcondor, arc } = await viaMap('alice');
  t.equal(htcondor.stdout, 'alice\n');
  t.equal(arc.stdout, 'alice');
});

for (const [what, sub] of [
  ['root', 'root'],
  ['a leading dash', '-rf'],
  ['a slash', 'a/../../etc'],
  ['a control character', 'a\u0007b'],
  ['a TAB', 'alice\troot'],
  ['a space', 'alice bob'],
  ['a comma (HTCondor would take the first token)', 'alice,root'],
  ['a colon (ARC would read a group)', 'alice:wheel'],
  ['upper case (outside the default safe pattern)', 'Alice'],
  ['an empty name', ''],
  ['33 characters', 'a'.repeat(33)],
  ['a leading star (ARC treats it as no user)', '*alice'],
] as const) {
  t.test(`unsafe: ${what}`, async (t) => {
    const { htcondor, arc } = await viaMap(sub);
    // ARC exports no variable for an empty value: without a sub, no map file line can apply (exit 1).
    if (sub === '') t.equal(arc.code, 1, 'arc: an empty sub is not exported, so nothing maps');
    for (const [ce, r] of sub === ''
      ? ([['htcondor', htcondor]] as const)
      : ([
          ['htcondor', htcondor],
          ['arc', arc],
        ] as const)) {
      t.equal(r.code, 2, `${ce}: exit 2`);
      t.equal(r.stdout, '', `${ce}: nothing on stdout`);
      t.match(r.stderr, /condor_mapfile:1/, `${ce}: names the map line`);
    }
  });
}

t.test(
  'a user@domain canonical name: refused unless the domain is allowed; then HTCondor gets both, ARC the user',
  async (t) => {
    const dir = scratch({ condor_mapfile: 'SCITOKENS /^https:\\/\\/iss\\.example\\/,(.*)$/ \\1@vo.example\n' });
    const payload = { iss: ISS, sub: 'alice' };
    const flags = ['--mapfile', `${dir}/condor_mapfile`];
    const refused = await runMain(['htcondor-plugin', ...flags], { stdin: JSON.stringify(payload) });
    t.equal(refused.code, 2, 'vo.example is not UID_DOMAIN');
    t.equal((await runMain(['arc-plugin', ...flags], { env: arc7Env(payload) })).code, 2, 'nor for ARC');
    const config = put(
      dir,
      'tokenmap.ini',
      '[rules]\nsource[] = mapfile:condor_mapfile\n[tokens]\ncheck = no\n[identity]\ndomains = vo.example\n',
    );
    t.equal(
      (await runMain(['htcondor-plugin', '--config', config], { stdin: JSON.stringify(payload) })).stdout,
      'alice@vo.example\n',
    );
    t.equal((await runMain(['arc-plugin', '--config', config], { env: arc7Env(payload) })).stdout, 'alice');
  },
);

t.test('a degenerate PLUGIN: name is used literally by HTCondor, and refused here', async (t) => {
  const file = put(scratch(), 'condor_mapfile', 'SCITOKENS /^https:\\/\\/iss\\.example\\/,/ PLUGIN:,\n');
  const r = await runMain(['htcondor-plugin', '--mapfile', file], { stdin: JSON.stringify({ iss: ISS, sub: 'a' }) });
  t.equal(r.code, 2);
  t.match(r.stderr, /"PLUGIN:," is unsafe/);
});

t.test('a site deny list and safe pattern apply to policy results too', async (t) => {
  const dir = scratch({
    'p.ini': `[rule r]\nissuer = ${ISS}\naudience_optional = yes\naccount = condor\n`,
    'tokenmap.ini': '[rules]\nsource[] = policy:p.ini\n[identity]\ndeny = condor\n[tokens]\ncheck = no\n',
  });
  const r = await runMain(['htcondor-plugin', '--config', `${dir}/tokenmap.ini`], {
    stdin: JSON.stringify({ iss: ISS, sub: 'a' }),
  });
  t.equal(r.code, 2);
  t.match(r.stderr, /account "condor" is denied by the identity policy; rule .*p\.ini:1/);
});

t.test('an unsafe group is reported as a group, and an unsafe account as an account', async (t) => {
  const dir = scratch();
  const payload = { iss: ISS, sub: 'alice' };
  for (const [result, want] of [
    ['account = alice\ngroup = a:b', /: group name "a:b" is unsafe/],
    ['account = a:b', /: account name "a:b" is unsafe/],
    ['account = alice\ngroup = root', /: group "root" is denied by the identity policy/],
  ] as const) {
    const policy = put(
      dir,
      'p.ini',
      `[rule r]\nissuer = ${ISS}\nsubject = alice\naudience_optional = yes\n${result}\n`,
    );
    const r = await runMain(['arc-plugin', '-c', policy], { env: arc7Env(payload), stdinForbidden: true });
    t.equal(r.code, 2, result);
    t.match(r.stderr, want);
  }
});
