// Points 1-3 of issue 7, the identity boundary: the whole identity is checked (domain included), bans
// survive HTCondor's 255-byte cut, system accounts and groups are refused by default. Examples through
// the real binary for both CEs, and properties over generated subjects and account names through `\1`
// map lines, [mappings] and native rules.
import t from 'tap';
import fc from 'fast-check';
import { join } from 'node:path';
import { arc7Env } from './helpers/ce-env.js';
import { accountFixture, SYSTEM_GROUPS, SYSTEM_NAMES } from './helpers/account-fixture.js';
import { put, scratch } from './helpers/files.js';
import { hostileText, nasty, params } from './helpers/fuzz.js';
import { identityBreach } from './helpers/identity-oracle.js';
import { runBin, runMain } from './helpers/run.js';

t.setTimeout(180_000);

const MAP = [
  'SCITOKENS /^https:\\/\\/iss\\.example,(.*)$/ \\1',
  'SCITOKENS /^https:\\/\\/ban\\.example,(.*)$/ \\1@banned.htcondor.org',
  'SCITOKENS /^https:\\/\\/BAN\\.example,(.*)$/ \\1@BANNED.HTCondor.org',
  'SCITOKENS /^https:\\/\\/unm\\.example,(.*)$/ \\1@unmapped',
  'SCITOKENS /^https:\\/\\/dom\\.example,(.*)$/ \\1@other.example',
  '',
].join('\n');

/** A site: the map file, the account fixture, and extra [identity] lines. */
function site(identity = '', policy = ''): string {
  const dir = scratch({ condor_mapfile: MAP });
  if (policy) put(dir, 'p.ini', policy);
  return put(
    dir,
    'tokenmap.ini',
    `[rules]\nsource[] = mapfile:condor_mapfile\n${policy ? 'source[] = policy:p.ini\n' : ''}` +
      `[tokens]\ncheck = no\n[identity]\n${accountFixture(dir)}${identity}`,
  );
}

const htcondor = (config: string, iss: string, sub: string) =>
  runBin(['htcondor-plugin', '--config', config], { stdin: JSON.stringify({ iss, sub }) });
const arc = (config: string, iss: string, sub: string) =>
  runBin(['arc-plugin', '--config', config], {
    stdin: 'open',
    env: { BEARER_TOKEN_0_ISSUER: iss, BEARER_TOKEN_0_SUBJECT: sub },
  });

t.test('1. a \\1 subject naming a daemon identity is refused by both CEs, naming the rule', async (t) => {
  const config = site();
  for (const run of [htcondor, arc]) {
    const r = await run(config, 'https://iss.example', 'condor@daemon.htcondor.org');
    t.equal(r.code, 2, `${run.name}: exit 2`);
    t.equal(r.stdout.length, 0);
    t.match(
      r.stderr,
      /^tokenmap: domain "daemon\.htcondor\.org" is neither UID_DOMAIN nor one of \[identity\] domains .*; map file line \S+condor_mapfile:1\n$/,
    );
  }
  for (const domain of ['users.htcondor.org\u0000x', 'users .htcondor.org', 'usérs.htcondor.org', 'x\u001b[0m']) {
    const r = await htcondor(config, 'https://iss.example', `alice@${domain}`);
    t.equal(r.code, 2, JSON.stringify(domain));
    t.notMatch(r.stderr, /\u001b/, 'escaped');
  }
  const ok = await htcondor(config, 'https://iss.example', 'alice@USERS.htcondor.org');
  t.equal(ok.stdout.toString(), 'alice@USERS.htcondor.org\n', 'UID_DOMAIN compares case-insensitively');
  const other = await htcondor(config, 'https://dom.example', 'alice');
  t.equal(other.code, 2, 'another domain by default');
  const listed = await htcondor(site('domains = other.example more.example\n'), 'https://dom.example', 'alice');
  t.equal(listed.code, 0, '[identity] domains');
  t.equal(listed.stdout.toString(), 'alice@other.example\n');
  const user = await arc(config, 'https://iss.example', 'alice@users.htcondor.org');
  t.equal(user.stdout.toString(), 'alice', 'ARC gets the user of an allowed identity');
});

t.test('2. bans and @unmapped are decided before the 255-byte cut, case-insensitively', async (t) => {
  const config = site();
  const long = 'a'.repeat(249);
  for (const [iss, re] of [
    ['https://ban.example', /banned by \S+condor_mapfile:2/],
    ['https://BAN.example', /banned by \S+condor_mapfile:3/],
    ['https://unm.example', /condor_mapfile:4 maps to \w+@unmapped, which HTCondor-CE denies/],
  ] as const)
    for (const sub of [long, 'alice'])
      for (const run of [htcondor, arc]) {
        const r = await run(config, iss, sub);
        t.equal(r.code, 2, `${iss} ${sub.length}`);
        t.match(r.stderr, re);
      }
  const cut = await htcondor(config, 'https://iss.example', `${'a'.repeat(250)}@users.htcondor.org`);
  t.equal(cut.code, 2, 'a name the cut would change is refused');
  t.match(cut.stderr, /is 269 bytes; HTCondor keeps only the first 255, which would change the identity/);
});

t.test('3. system accounts and groups are refused by default; allow_system opts in', async (t) => {
  const config = site();
  for (const sub of ['daemon', 'sync', 'svc', 'op', 'root', 'nobody', 'condor', 'bin', 'shutdown', 'halt', '__proto__'])
    for (const run of [htcondor, arc]) {
      const r = await run(config, 'https://iss.example', sub);
      t.equal(r.code, 2, `${run.name} ${sub}`);
      t.equal(r.stdout.length, 0);
    }
  t.match(
    (await htcondor(config, 'https://iss.example', 'svc')).stderr,
    /"svc" is a system account \(uid 500, system uids end at 600\)/,
  );
  t.match((await htcondor(config, 'https://iss.example', 'op')).stderr, /"op" has primary group 0/);
  t.equal((await htcondor(config, 'https://iss.example', 'alice')).code, 0, 'an ordinary account');
  const optIn = site('allow_system = sync svc\n');
  t.equal((await htcondor(optIn, 'https://iss.example', 'sync')).stdout.toString(), 'sync\n', 'opted in');
  t.equal((await arc(optIn, 'https://iss.example', 'svc')).stdout.toString(), 'svc');
  t.equal((await arc(optIn, 'https://iss.example', 'daemon')).code, 2, 'only the names listed');
  // Groups, through native rules (ARC's user:group).
  for (const [group, code] of [
    ['root', 2],
    ['wheel', 2],
    ['zerog', 2],
    ['sysgrp', 2],
    ['users', 0],
    ['vo', 0],
  ] as const) {
    const c = site(
      '',
      `[rule r]\nissuer = https://nat.example\naudience_optional = yes\naccount = alice\ngroup = ${group}\n`,
    );
    const r = await arc(c, 'https://nat.example', 'x');
    t.equal(r.code, code, `group ${group}`);
    if (code === 0) t.equal(r.stdout.toString(), `alice:${group}`);
  }
  const mapping = site('', '[mappings]\ndaemon = * https://map.example * * *\n');
  t.equal((await htcondor(mapping, 'https://map.example', 'x')).code, 2, '[mappings] to a system account');
});

/** A site for the properties: \1 lines, [mappings] and native rules; fixture accounts. */
function propertySite(accounts: string[]): { config: string; dir: string } {
  const dir = scratch({ condor_mapfile: MAP });
  const rules = accounts.map(
    (a, i) =>
      `[rule r${i}]\nissuer = https://nat${i}.example\naudience_optional = yes\naccount = ${a}\ngroup = ${i % 2 ? 'vo' : SYSTEM_GROUPS[i % SYSTEM_GROUPS.length]}\n`,
  );
  put(dir, 'p.ini', rules.join('\n'));
  put(
    dir,
    'm.ini',
    `[mappings]\n${accounts.map((a, i) => `${a} = * https://map${i}.example * * urn:mace:egi.eu:group:vo.example.org:role=member#aai.egi.eu`).join('\n')}\n`,
  );
  const config = put(
    dir,
    'tokenmap.ini',
    '[rules]\nsource[] = mapfile:condor_mapfile\nsource[] = policy:p.ini\nsource[] = policy:m.ini\n' +
      `[tokens]\ncheck = no\n[identity]\n${accountFixture(dir)}`,
  );
  return { config, dir };
}

const ORACLE = { domains: ['users.htcondor.org'], systemNames: SYSTEM_NAMES, systemGroups: SYSTEM_GROUPS };
const subject = fc.oneof(
  hostileText(4),
  fc.constantFrom(...SYSTEM_NAMES, 'alice', 'a'.repeat(249), 'x'.repeat(260)),
  fc
    .tuple(
      fc.constantFrom(...SYSTEM_NAMES, 'alice', ''),
      nasty,
      fc.constantFrom('', 'users.htcondor.org', 'daemon.htcondor.org'),
    )
    .map((p) => p.join('')),
  fc
    .tuple(fc.stringMatching(/^[a-z]{1,6}$/), fc.constantFrom('@', '@@', '@x@'), fc.stringMatching(/^[A-Za-z.]{0,20}$/))
    .map((p) => p.join('')),
);

t.test('property: no generated subject through a \\1 line gives an unsafe identity, either CE', async (t) => {
  const { config } = propertySite(['alice']);
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom('iss', 'ban', 'BAN', 'unm', 'dom'),
      subject,
      fc.boolean(),
      async (host, sub, useArc) => {
        const iss = `https://${host}.example`;
        const r = useArc
          ? await runMain(['arc-plugin', '--config', config], {
              env: { BEARER_TOKEN_0_ISSUER: iss, BEARER_TOKEN_0_SUBJECT: sub },
            })
          : await runMain(['htcondor-plugin', '--config', config], {
              stdin: Buffer.from(JSON.stringify({ iss, sub })),
            });
        if (r.code !== 0 && r.code !== 1 && r.code !== 2) throw new Error(`exit ${r.code}`);
        if (r.code !== 0) return;
        if (host !== 'iss') throw new Error(`${host}: mapped ${JSON.stringify(r.stdout)}`);
        const why = identityBreach(useArc ? 'arc' : 'htcondor', r.stdout, ORACLE);
        if (why) throw new Error(`${why}: ${JSON.stringify(sub)}`);
      },
    ),
    params(700),
  );
});

t.test('property: [mappings] and native rules never emit a system account or group, either CE', async (t) => {
  const account = fc.oneof(
    fc.constantFrom(...SYSTEM_NAMES, 'alice', 'atlasprd', 'users', 'vo'),
    fc.stringMatching(/^[a-z_][a-z0-9_]{0,8}$/),
  );
  await fc.assert(
    fc.asyncProperty(
      fc.uniqueArray(account, { minLength: 1, maxLength: 4 }),
      fc.nat(3),
      fc.boolean(),
      fc.boolean(),
      async (accounts, pick, native, useArc) => {
        const { config } = propertySite(accounts);
        const i = pick % accounts.length;
        const iss = native ? `https://nat${i}.example` : `https://map${i}.example`;
        const payload = {
          iss,
          sub: 'x',
          eduperson_entitlement: ['urn:mace:egi.eu:group:vo.example.org:role=member#aai.egi.eu'],
        };
        const r = useArc
          ? await runMain(['arc-plugin', '--config', config], { env: arc7Env(payload) })
          : await runMain(['htcondor-plugin', '--config', config], { stdin: JSON.stringify(payload) });
        if (r.code === 0) {
          const why = identityBreach(useArc ? 'arc' : 'htcondor', r.stdout, ORACLE);
          if (why) throw new Error(`${why}: ${accounts[i]}`);
        } else if (r.code !== 2 || !/system|privileged|gid 0|primary group|unsafe|denied|__proto__/.test(r.stderr))
          throw new Error(`exit ${r.code}: ${r.stderr}`);
      },
    ),
    params(250),
  );
});

t.test('property through the real binary: generated subjects, both CEs', async (t) => {
  const { config } = propertySite(['alice']);
  const cases = fc.sample(fc.tuple(subject, fc.boolean()), params(24));
  for (let i = 0; i < cases.length; i += 2)
    await Promise.all(
      cases.slice(i, i + 2).map(async ([sub, useArc]) => {
        const clean = sub.replace(/\0/g, '');
        const r = useArc
          ? await arc(config, 'https://iss.example', clean)
          : await htcondor(config, 'https://iss.example', clean);
        t.ok(r.code === 0 || r.code === 1 || r.code === 2, `exit ${r.code}`);
        if (r.code === 0)
          t.equal(
            identityBreach(useArc ? 'arc' : 'htcondor', r.stdout.toString('latin1'), ORACLE),
            null,
            JSON.stringify(clean),
          );
      }),
    );
  t.pass(`${cases.length} spawned`);
});

t.test('without [identity] passwd: the machine’s own /etc/passwd, through -c and --mapfile too', async (t) => {
  const dir = scratch({ condor_mapfile: MAP });
  const r = await runBin(['htcondor-plugin', '--mapfile', join(dir, 'condor_mapfile')], {
    stdin: JSON.stringify({ iss: 'https://iss.example', sub: 'daemon' }),
  });
  t.equal(r.code, 2, 'daemon is refused');
});
