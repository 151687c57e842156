// Pools and bans through the real binary, as HTCondor-CE and ARC CE run it: a lease per identity in both
// plugins, the same account on every call, exhaustion and expiry, bans of every kind refused with one line
// naming FILE:LINE in both plugins and shown by explain, and `tokenmap pool list|release|expire`.
import { readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { validate as validateDecision } from '../src/generated/decision-validator.js';
import { FAR } from './helpers/decide.js';
import { put } from './helpers/files.js';
import { runBin } from './helpers/run.js';
import { ISS, leaseView, poolSite, tokenEnv, type PoolSite } from './helpers/pool-site.js';

const valid = validateDecision as (d: unknown) => boolean;
const arc = (site: PoolSite, sub: string, extra: Record<string, unknown> = {}) =>
  runBin(['arc-plugin', '--config', site.config], { env: tokenEnv(sub, extra), stdin: 'open' });
const condor = (site: PoolSite, sub: string, extra: Record<string, unknown> = {}) =>
  runBin(['htcondor-plugin', '--config', site.config], {
    stdin: JSON.stringify({ iss: ISS, sub, exp: FAR, iat: 1700000000, ...extra }),
  });
const claimsFile = (site: PoolSite, sub: string) =>
  put(site.dir, `${sub}.json`, JSON.stringify({ iss: ISS, sub, exp: FAR, iat: 1700000000 }));
const audit = (site: PoolSite) =>
  readFileSync(join(site.dir, 'audit.log'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

t.test('one lease per identity, the same in both plugins and on every call', async (t) => {
  const site = poolSite({ accounts: 3 });
  const a = await arc(site, 'alice');
  t.equal(a.code, 0, a.stderr);
  t.match(a.stdout.toString(), /^atlas00[1-3]:atlas$/, 'ARC: user:group, no newline');
  const account = a.stdout.toString().split(':')[0];
  const again = await arc(site, 'alice');
  t.equal(again.stdout.toString(), `${account}:atlas`);
  const c = await condor(site, 'alice');
  t.equal(c.code, 0, c.stderr);
  t.equal(c.stdout.toString(), `${account}\n`, 'HTCondor: the same account');
  const b = await arc(site, 'bob');
  t.not(b.stdout.toString(), a.stdout.toString());
  t.same(
    audit(site).map((r) => (r.lease as { event: string }).event),
    ['leased', 'renewed', 'renewed', 'leased'],
    'every lease is an audit line',
  );
  const v = leaseView(site);
  t.equal(v.holders.size, 2);
  t.same(v.stray, []);
  t.same(v.transients, []);
});

t.test(
  'exhausted is exit 2 naming the pool and the count; a lease unused for lease_days goes to a new subject',
  async (t) => {
    const site = poolSite({ accounts: 2, leaseDays: 1 });
    t.equal((await arc(site, 'a')).code, 0);
    t.equal((await arc(site, 'b')).code, 0);
    const full = await condor(site, 'c');
    t.equal(full.code, 2);
    t.equal(full.stderr, 'tokenmap: pool atlas exhausted (2 of 2 leased)\n');
    const arcFull = await arc(site, 'c');
    t.equal(arcFull.code, 2, 'ARC: FAILURE, not nomap');
    t.match(arcFull.stderr, /exhausted/);
    // b's lease was last used three days ago.
    const bHolder = [...leaseView(site).holders].find(([h]) => h.endsWith(',b'));
    const old = Date.now() / 1000 - 3 * 86400;
    utimesSync(join(site.leases, bHolder?.[1] as string), old, old);
    const c = await arc(site, 'c');
    t.equal(c.code, 0, c.stderr);
    t.equal(c.stdout.toString(), `${bHolder?.[1]}:atlas`, 'c gets the account b left unused');
    const last = audit(site).at(-1) as { lease: { event: string; previous: string } };
    t.equal(last.lease.event, 're-leased');
    t.equal(last.lease.previous, bHolder?.[0]);
    const b = await arc(site, 'b');
    t.equal(b.code, 2, 'b lost its lease; the pool is full again');
    t.same(leaseView(site).stray, []);
  },
);

t.test('bans: subject, issuer, entitlement, revoked jti; refused by both plugins with one line', async (t) => {
  const site = poolSite({
    accounts: 5,
    bans:
      '# site bans\n' +
      `subject ${ISS} mallory\n` +
      'issuer https://evil.example\n' +
      'jti revoked-token-1   # leaked 2026-12-01\n' +
      'entitlement urn:mace:egi.eu:group:vo.banned\n',
  });
  const banFile = join(site.dir, 'bans.txt');
  const cases: [string, string, Record<string, unknown>, number][] = [
    ['subject', 'mallory', {}, 2],
    ['jti', 'alice', { jti: 'revoked-token-1' }, 4],
    ['entitlement', 'alice', { eduperson_entitlement: ['urn:mace:egi.eu:group:vo.banned#aai.egi.eu'] }, 5],
    ['issuer', 'alice', { iss: 'https://evil.example/' }, 3],
  ];
  for (const [what, sub, extra, line] of cases) {
    for (const run of [arc, condor]) {
      const r = await run(site, sub, extra);
      t.equal(r.code, 2, `${what}: exit 2`);
      t.equal(r.stdout.length, 0);
      t.match(r.stderr, new RegExp(`^tokenmap: banned by ${banFile}:${line} \\([^\\n]*\\)\\n$`), `${what}: one line`);
    }
  }
  const bans = audit(site).filter((r) => r.result === 'error');
  t.equal(bans.length, 8, 'every refusal is an audit line');
  t.ok(bans.every((r) => String(r.reason).startsWith(`banned by ${banFile}:`)));
  t.equal(leaseView(site).holders.size, 0, 'a ban is checked before any rule: no lease taken');

  const explain = await runBin(['explain', '--config', site.config, '--claims', claimsFile(site, 'mallory')]);
  t.equal(explain.code, 2);
  t.match(explain.stdout.toString(), new RegExp(`matched\\s+${banFile}:2 ban`));
  t.match(explain.stdout.toString(), /result\s+error: banned by/);

  writeFileSync(banFile, 'subjekt x y\n');
  const broken = await arc(site, 'alice');
  t.equal(broken.code, 2, 'a broken ban list fails every decision');
  t.match(broken.stderr, new RegExp(`^tokenmap: ${banFile}:1: unknown ban "subjekt"`));
  writeFileSync(banFile, '');
  t.equal((await arc(site, 'alice')).code, 0, 'an edit takes effect on the next decision');
  const missing = await runBin(['arc-plugin', '--config', site.config], {
    env: tokenEnv('alice'),
    stdin: 'open',
  });
  t.equal(missing.code, 0);
  writeFileSync(join(site.dir, 'tokenmap.ini'), readFileSync(site.config, 'utf8').replace('bans.txt', 'gone.txt'));
  const unreadable = await arc(site, 'alice');
  t.equal(unreadable.code, 2, 'an unreadable ban list fails closed');
  t.match(unreadable.stderr, /gone\.txt: cannot read ban list \(ENOENT/);
});

t.test('a native deny rule says which rule denied', async (t) => {
  const site = poolSite({ accounts: 1 });
  const r = await runBin(['arc-plugin', '--config', site.config], {
    env: tokenEnv('root', { iss: 'https://admin.example/' }),
    stdin: 'open',
  });
  t.equal(r.code, 2);
  t.match(r.stderr, /^tokenmap: denied by .*policy\.ini:7 \(\[rule atlas-admins\]\): admins never run jobs\n$/);
});

t.test('explain looks at the lease without taking one', async (t) => {
  const site = poolSite({ accounts: 2 });
  const claims = claimsFile(site, 'carol');
  const before = await runBin(['explain', '--config', site.config, '--claims', claims]);
  t.equal(before.code, 0, before.stderr);
  t.match(before.stdout.toString(), /a callout would lease one of its 2 free accounts/);
  t.equal(leaseView(site).holders.size, 0, 'nothing leased');
  const got = (await condor(site, 'carol')).stdout.toString().trim();
  const after = await runBin(['explain', '--config', site.config, '--claims', claims, '--json']);
  const d = JSON.parse(after.stdout.toString()) as { account: string; lease: { event: string } };
  t.equal(d.account, got);
  t.equal(d.lease.event, 'held');
  t.ok(valid(d), 'the Decision with its lease follows schemas/decision.schema.json');
  const would = await runBin(['explain', '--config', site.config, '--claims', claimsFile(site, 'dave'), '--json']);
  const w = JSON.parse(would.stdout.toString()) as { lease: { event: string } };
  t.equal(w.lease.event, 'would-lease');
  t.ok(valid(w), 'so does one that would lease');
});

t.test('tokenmap pool list, release, expire', async (t) => {
  const site = poolSite({ accounts: 3, leaseDays: 2 });
  await arc(site, 'alice');
  await arc(site, 'bob', { sub: 'bob\u202e\u0007' });
  const list = await runBin(['pool', 'list', '--config', site.config]);
  t.equal(list.code, 0, list.stderr);
  t.match(list.stdout.toString(), /^pool atlas: 2 of 3 leased, lease_days 2, /);
  t.match(list.stdout.toString(), /sub="alice"/);
  t.match(list.stdout.toString(), /sub="bob\\u202e\\u0007"/, 'attacker bytes are escaped');
  const json = JSON.parse((await runBin(['pool', 'list', '--config', site.config, '--json'])).stdout.toString());
  const alice = json.pools[0].leases.find((l: { key: { sub: string } }) => l.key.sub === 'alice');
  t.match(alice, { state: 'active', key: { iss: ISS, sub: 'alice' }, since: /Z$/, last_used: /Z$/ });

  const rel = await runBin(['pool', 'release', '--config', site.config, 'atlas', alice.account]);
  t.equal(rel.code, 0, rel.stderr);
  t.match(rel.stdout.toString(), /^released iss=.* sub="alice"/);
  t.equal((await runBin(['pool', 'release', '--config', site.config, 'atlas', alice.holder])).code, 1, 'nothing left');

  const soon = await runBin(['pool', 'expire', '--config', site.config, '--json']);
  t.same(JSON.parse(soon.stdout.toString()).pools[0].removed, [], 'nothing is stale yet');
  const later = new Date(Date.now() + 3 * 86400_000).toISOString();
  const exp = await runBin(['pool', 'expire', '--config', site.config, 'atlas', '--at', later]);
  t.equal(exp.code, 0, exp.stderr);
  t.match(exp.stdout.toString(), /^pool atlas: 1 leases removed/);
  t.equal(leaseView(site).holders.size, 0);

  t.equal((await runBin(['pool', 'list', '--config', site.config, 'nope'])).code, 2);
  t.equal((await runBin(['pool', 'frobnicate', '--config', site.config])).code, 2);
});

t.test('pool definitions are checked when the rules are built, naming the line', async (t) => {
  const site = poolSite({ accounts: 2 });
  const cfg = readFileSync(site.config, 'utf8');
  const bad = async (text: string, re: RegExp) => {
    writeFileSync(site.config, text);
    const r = await arc(site, 'alice');
    t.equal(r.code, 2);
    t.match(r.stderr, re);
  };
  await bad(cfg.replace('atlas001-atlas002', 'root'), /tokenmap\.ini:\d+: \[pool atlas\] account "root" is denied/);
  await bad(
    cfg.replace('atlas001-atlas002', 'atlas1-atlas10'),
    /tokenmap\.ini:5: \[pool atlas\] "atlas1-atlas10" looks like a range/,
  );
  await bad(cfg.replace('lease_days = 30', 'lease_days = 30\nkey = iss nickname'), /key/);
  await bad(cfg + '\n[pool other]\naccounts = x1\nlease_dir = leases\n', /share the lease directory/);
  writeFileSync(site.config, cfg);
  writeFileSync(join(site.dir, 'policy.ini'), `[rule r]\nissuer = ${ISS}\naudience_optional = yes\npool = nowhere\n`);
  const r = await arc(site, 'alice');
  t.match(r.stderr, /policy\.ini:1: \[rule r\] maps to pool "nowhere", which no \[pool nowhere\] section defines/);
});

t.test('tokenmap test: a fixture expecting an error passes for every kind of ban, in both CEs', async (t) => {
  const site = poolSite({
    accounts: 2,
    bans: `subject ${ISS} mallory\nissuer https://evil.example\njti revoked-1\nentitlement urn:mace:egi.eu:group:vo.banned\n`,
  });
  const claims = (extra: Record<string, unknown>) => ({ iss: ISS, sub: 'alice', exp: FAR, iat: 1700000000, ...extra });
  const bans: [string, Record<string, unknown>][] = [
    ['subject', { sub: 'mallory' }],
    ['issuer', { iss: 'https://evil.example/' }],
    ['jti', { jti: 'revoked-1' }],
    ['entitlement', { eduperson_entitlement: ['urn:mace:egi.eu:group:vo.banned#aai.egi.eu'] }],
  ];
  const cases = bans.flatMap(([kind, extra]) =>
    (['htcondor', 'arc'] as const).map((ce) => ({
      name: `${kind} ban (${ce})`,
      ce,
      claims: claims(extra),
      expect: { result: 'error', code: 'BANNED' },
    })),
  );
  const fixture = put(site.dir, 'bans.fixture.json', JSON.stringify({ cases }));
  const r = await runBin(['test', '--config', site.config, fixture]);
  t.equal(r.code, 0, r.stdout.toString());
  t.match(r.stdout.toString(), /8 of 8 cases passed/);
  t.equal(leaseView(site).holders.size, 0);
});
