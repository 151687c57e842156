// The fuzz suite through the callouts: generated tokens (payload on stdin, BEARER_TOKEN_0_* environment,
// ARC 6 %D subject) against map files with \1 lines, [mappings] and native rules. Most cases run main()
// in process (spawning Node costs 30-50 ms); a smaller share spawns the real binary as the CEs do.
import t from 'tap';
import fc from 'fast-check';
import { join } from 'node:path';
import { arc7Env, htcondorEnv } from './helpers/ce-env.js';
import { put, scratch } from './helpers/files.js';
import { contractBreach, hostileText, nasty, params, type RunOutcome } from './helpers/fuzz.js';
import { runBin, runMain } from './helpers/run.js';
import { identityBreach } from './helpers/identity-oracle.js';

// Thousands of cases: more than tap's default 30 s on a loaded machine.
t.setTimeout(180_000);
const DIR = scratch({
  condor_mapfile: [
    'SCITOKENS /^https:\\/\\/iss\\.example,(.*)$/ \\1',
    'SCITOKENS /^https:\\/\\/ban\\.example,(.*)$/ \\1@banned.htcondor.org',
    'SCITOKENS /^https:\\/\\/dom\\.example,(.*)$/ \\1@users.htcondor.org',
    'SCITOKENS /^https:\\/\\/two\\.example,([^@]*)@(.*)$/ \\2@\\1',
    'SCITOKENS /^https:\\/\\/plug\\.example,/ PLUGIN:TOKENMAP',
    'SCITOKENS https://lit.example,alice alice',
    '',
  ].join('\n'),
  'policies.d/10-native.ini': [
    '[rule native]',
    'issuer = https://plug.example',
    'audience_optional = yes',
    'scopes = compute.read',
    'account = native',
    '',
    '[rule member]',
    'issuer = https://egi.example',
    'vo = vo.example.org',
    'audience_optional = yes',
    'account = voexample',
    'group = vo',
    '',
  ].join('\n'),
  'policies.d/20-mappings.ini': '[mappings]\nmapped = * https://map.example * compute.read /cms\n',
});
put(
  DIR,
  'tokenmap.ini',
  [
    '[rules]',
    'source[] = mapfile:condor_mapfile',
    'source[] = policy:policies.d/',
    '[htcondor]',
    'plugin_names = TOKENMAP',
    '[plugin TOKENMAP]',
    'policy[] = policies.d/',
    '[tokens]',
    'check = no',
    '',
  ].join('\n'),
);
const CONFIG = join(DIR, 'tokenmap.ini');
const SOURCES = [
  ['--config', CONFIG],
  ['--mapfile', join(DIR, 'condor_mapfile'), '-c', join(DIR, 'policies.d')],
  ['-c', join(DIR, 'policies.d')],
];

const issuer = fc.oneof(
  fc.constantFrom(
    'https://iss.example',
    'https://ban.example',
    'https://dom.example',
    'https://two.example',
    'https://plug.example',
    'https://lit.example',
    'https://egi.example',
    'https://map.example',
    '',
  ),
  hostileText(2),
);
const subject = fc.oneof(
  hostileText(5),
  fc.constantFrom('alice', 'daemon', 'condor', 'root', 'a'.repeat(249), `${'a'.repeat(240)}é`),
  fc.tuple(fc.stringMatching(/^[a-z]{1,8}$/), nasty, fc.stringMatching(/^[a-z.]{0,20}$/)).map((p) => p.join('')),
);
const payload = fc.record(
  {
    iss: issuer,
    sub: subject,
    aud: fc.oneof(hostileText(2), fc.constant('https://ce.example.org')),
    scope: fc.oneof(fc.constant('compute.read'), hostileText(3)),
    'wlcg.groups': fc.array(fc.oneof(fc.constant('/cms'), hostileText(2)), { maxLength: 2 }),
    eduperson_entitlement: fc.array(
      fc.oneof(fc.constant('urn:mace:egi.eu:group:vo.example.org:role=member#aai.egi.eu'), hostileText(3)),
      { maxLength: 2 },
    ),
    jti: fc.string({ maxLength: 8 }),
  },
  { requiredKeys: ['iss', 'sub'] },
);
/** How the token reaches HTCondor's plugin: stdin, environment, both, or both disagreeing. */
const delivery = fc.constantFrom('stdin', 'env', 'both', 'clash');
/** ARC: ARC 7 environment, or the ARC 6 %D subject. */
const arcDelivery = fc.constantFrom('env', 'subject', 'both');

function htcondorRun(p: Record<string, unknown>, how: string): { stdin: string; env: Record<string, string> } {
  const env = how === 'stdin' ? {} : htcondorEnv(p);
  if (how === 'clash') env.BEARER_TOKEN_0_SUBJECT = `${env.BEARER_TOKEN_0_SUBJECT ?? ''}x`;
  return { stdin: how === 'env' ? '' : JSON.stringify(p), env };
}

function arcRun(p: Record<string, unknown>, how: string): { args: string[]; env: Record<string, string> } {
  return {
    env: how === 'subject' ? {} : arc7Env(p),
    args: how === 'env' ? [] : [`${String(p.iss)}/${String(p.sub)}`],
  };
}

/** What execve can carry: no NUL in an argument or an environment value. */
const noNul = (s: string) => s.replace(/\0/g, '');
const execEnv = (env: Record<string, string>) =>
  Object.fromEntries(Object.entries(env).map(([k, v]) => [noNul(k), noNul(v)]));

const breach = (ce: 'htcondor' | 'arc', r: RunOutcome): string | null =>
  contractBreach(r) ?? (r.code === 0 ? identityBreach(ce, r.stdout) : null);

t.test('htcondor-plugin in process: the contract holds for any token', async (t) => {
  await fc.assert(
    fc.asyncProperty(payload, delivery, fc.constantFrom(...SOURCES), async (p, how, sources) => {
      const { stdin, env } = htcondorRun(p, how);
      const started = Date.now();
      const r = await runMain(['htcondor-plugin', ...sources], { stdin, env });
      const why = breach('htcondor', { ...r, ms: Date.now() - started });
      if (why) throw new Error(`${why}\nstdout: ${JSON.stringify(r.stdout)}\nstderr: ${r.stderr}`);
    }),
    params(1800),
  );
});

t.test('arc-plugin in process: the contract holds for any token, and stdin is never touched', async (t) => {
  await fc.assert(
    fc.asyncProperty(payload, arcDelivery, fc.constantFrom(...SOURCES), async (p, how, sources) => {
      const { args, env } = arcRun(p, how);
      const started = Date.now();
      const r = await runMain(['arc-plugin', ...sources, ...args], { env, stdinForbidden: true });
      const why = breach('arc', { ...r, ms: Date.now() - started });
      if (why) throw new Error(`${why}\nstdout: ${JSON.stringify(r.stdout)}\nstderr: ${r.stderr}`);
    }),
    params(1500),
  );
});

t.test('lookup in process: any principal', async (t) => {
  await fc.assert(
    fc.asyncProperty(issuer, subject, async (iss, sub) => {
      const r = await runMain(['lookup', '--mapfile', join(DIR, 'condor_mapfile'), `${iss},${sub}`]);
      const why = contractBreach(r);
      if (why) throw new Error(`${why}\nstderr: ${r.stderr}`);
    }),
    params(800),
  );
});

t.test('the real binary, spawned as HTCondor, ARC and an admin spawn it', async (t) => {
  const cases = fc.sample(fc.tuple(payload, delivery, arcDelivery, fc.constantFrom(...SOURCES)), params(45));
  const failures: string[] = [];
  // Two at a time: the machine has two cores.
  for (let i = 0; i < cases.length; i += 2) {
    await Promise.all(
      cases.slice(i, i + 2).map(async ([p, how, arcHow, sources], j) => {
        const kind = (i + j) % 3;
        let r: RunOutcome;
        let ce: 'htcondor' | 'arc' | null = null;
        if (kind === 0) {
          const { stdin, env } = htcondorRun(p, how);
          const b = await runBin(['htcondor-plugin', ...sources], { stdin, env: execEnv(env) });
          r = { code: b.code, stdout: b.stdout.toString('latin1'), stderr: b.stderr, ms: b.ms };
          ce = 'htcondor';
        } else if (kind === 1) {
          const { args, env } = arcRun(p, arcHow);
          const b = await runBin(['arc-plugin', ...sources, ...args.map(noNul)], { stdin: 'open', env: execEnv(env) });
          r = { code: b.code, stdout: b.stdout.toString('latin1'), stderr: b.stderr, ms: b.ms };
          ce = 'arc';
        } else {
          const b = await runBin([
            'lookup',
            '--mapfile',
            join(DIR, 'condor_mapfile'),
            `${String(p.iss)},${String(p.sub)}`,
          ]);
          r = { code: b.code, stdout: b.stdout.toString('latin1'), stderr: b.stderr, ms: b.ms };
        }
        const why = ce ? breach(ce, r) : contractBreach(r);
        if (why) failures.push(`${why}: ${JSON.stringify(p)} (${how}/${arcHow}) ${r.stderr}`);
      }),
    );
  }
  t.same(failures, [], `${cases.length} spawned runs keep the contract`);
});
