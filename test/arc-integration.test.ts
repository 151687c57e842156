// Real A-REX: ARC 6 (this Debian release, on the host) and ARC 7 (the next release, in a throw-away
// chroot) call tokenmap through exactly the arc.conf blocks `tokenmap snippet arc` prints. Tokens come
// from a local HTTPS issuer; what happened is read from the HTTP answer, A-REX's own log and tokenmap's
// audit log (one line per call, so it also counts the calls).
//
// Runs when TOKENMAP_ARC_IT=1 (.ci/run sets it) or CI=true; then it must run: not root, no archive or a
// failed install is a failure, never a skip. Without either variable it is skipped, with that reason.
// Needs root, Debian 12 with apt, about 2-3 minutes (the trixie chroot is cached in
// $TOKENMAP_ARC_CACHE, default /var/cache/tokenmap-arc-it). TOKENMAP_ARC_MEASURE=1 also times requests
// (tokenmap against a trivial shell plugin) and prints the medians.
import t, { type Test } from 'tap';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { Arex, CE_URL, script, type Reply } from './arc/arex.js';
import { startIssuer, type Issuer } from './arc/issuer.js';
import { acquire } from './arc/lock.js';
import { runBin } from './helpers/run.js';

const wanted = process.env.TOKENMAP_ARC_IT === '1' || process.env.CI === 'true';
const ACCOUNT = 'tmarcjob';
const EGI_ACCOUNT = 'tmarcegi';
const POOL = ['tmarcp1', 'tmarcp2'];
const ENTITLEMENT = 'urn:mace:egi.eu:group:vo.tokenmap.example:role=pilot#aai.egi.eu';

interface Site {
  dir: string;
  version: 6 | 7;
  issuer: Issuer;
  arex: Arex;
  ini: string;
  policy: string;
  audit: string;
}

function configText(s: Pick<Site, 'dir' | 'version' | 'audit'>, extra = ''): string {
  return [
    '[rules]',
    'source[] = policy:policies.d/',
    '[audience]',
    `accept = ${CE_URL}`,
    'missing_ok_issuers = ISSUER',
    // ARC 6 cannot show tokenmap the audience: this site accepts that (the refusal is tested below).
    ...(s.version === 6 ? ['arc6_unchecked = yes'] : []),
    '[identity]',
    'deny = daemon',
    '[audit]',
    `log = ${s.audit}`,
    '[limits]',
    'deadline = 5',
    extra,
  ].join('\n');
}

const POLICY = `
[rule alice]
issuer = ISSUER
subject = alice
account = ${ACCOUNT}

[rule mallory]
issuer = ISSUER
subject = mallory
deny = mallory is banned at this site

[rule eve]
issuer = ISSUER
subject = eve
account = daemon

[rule pilots]
issuer = ISSUER
groups = /tokenmap/pilot
scopes = compute.create
account = ${ACCOUNT}

[pool it]
accounts = ${POOL.join(' ')}
lease_dir = POOLDIR
key = subject

[rule pooled]
issuer = ISSUER
subject = pool-a pool-b pool-c
pool = it

[rule egi-pilots]
issuer = ISSUER
vo = vo.tokenmap.example
role = pilot
audience_optional = yes
account = ${EGI_ACCOUNT}
`;

const SITE_BLOCKS = (dir: string) => `[common]
hostname = localhost
x509_host_key = ${dir}/certs/host-key.pem
x509_host_cert = ${dir}/certs/host-cert.pem
x509_cert_dir = /etc/grid-security/certificates

[lrms]
lrms = fork

[arex]
controldir = ${dir}/control
sessiondir = ${dir}/session
logfile = ${dir}/log/arex.log
loglevel = 5
pidfile = ${dir}/run/arex.pid
tmpdir = ${dir}/tmp

[arex/ws]
wsurl = ${CE_URL}
logfile = ${dir}/log/ws-interface.log
pidfile = ${dir}/run/arex-ws.pid

[infosys]

[infosys/glue2]

[infosys/cluster]

[queue:fork]
`;

const auditLines = (s: Site) => (existsSync(s.audit) ? readFileSync(s.audit, 'utf8').split('\n').filter(Boolean) : []);

/** A request, and the audit lines tokenmap wrote for it. */
async function call(s: Site, token: string | undefined): Promise<Reply & { calls: Record<string, unknown>[] }> {
  const before = auditLines(s).length;
  const r = await s.arex.jobs(token);
  return {
    ...r,
    calls: auditLines(s)
      .slice(before)
      .map((l) => JSON.parse(l)),
  };
}

function writeConfig(s: Site, ini: string, policy = POLICY): void {
  writeFileSync(s.ini, ini.replaceAll('ISSUER', s.issuer.url));
  writeFileSync(s.policy, policy.replaceAll('ISSUER', s.issuer.url).replaceAll('POOLDIR', join(s.dir, 'pool')));
}

async function uidOf(s: Site, account: string): Promise<number> {
  const passwd = readFileSync(s.version === 7 ? join(s.dir, 'root/etc/passwd') : '/etc/passwd', 'utf8');
  const line = passwd.split('\n').find((l) => l.startsWith(`${account}:`));
  return Number(line?.split(':')[2]);
}

async function jobOutput(dir: string, id: string, ms: number): Promise<string> {
  const file = join(dir, 'session', id, 'out.txt');
  for (const until = Date.now() + ms; Date.now() < until; await new Promise((r) => setTimeout(r, 250)))
    if (existsSync(file) && readFileSync(file, 'utf8').includes('uid=')) return readFileSync(file, 'utf8');
  return '';
}

// out.txt is an output file, so that ARC 7 keeps it in the session directory once the job has finished.
const JOB = '&(executable="/usr/bin/id")(stdout="out.txt")(outputfiles=("out.txt" ""))(jobname="tokenmap-it")';

/** The id in A-REX's answer to a submission: one job object (ARC 6) or a list of them. */
function jobId(body: string): string {
  const job = (JSON.parse(body) as { job?: { id?: string } | { id?: string }[] }).job;
  return (Array.isArray(job) ? job[0]?.id : job?.id) ?? '';
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function bringUp(t: Test, version: 6 | 7): Promise<Site | null> {
  const dir = mkdtempSync('/tmp/tokenmap-arc-');
  chmodSync(dir, 0o755);
  const env = {
    TOKENMAP_ARC_ACCOUNTS: [ACCOUNT, EGI_ACCOUNT, ...POOL].join(' '),
    ...pass('TOKENMAP_ARC_CACHE', 'TOKENMAP_ARC_MIRROR'),
  };
  let issuer: Issuer | undefined;
  t.teardown(async () => {
    await issuer?.close();
    const down = await script('teardown', version, dir);
    if (down.code !== 0) t.fail(`teardown ${version}: ${down.output}`);
    t.comment(`ARC ${version}: teardown ${down.ms} ms`);
    if (t.passing() && process.env.TOKENMAP_ARC_KEEP !== '1') rmSync(dir, { recursive: true, force: true });
    else t.comment(`ARC ${version} run kept in ${dir} (logs in ${dir}/log)`);
  });
  const setup = await script('setup', version, dir, env);
  if (setup.code !== 0) {
    t.fail(
      setup.code === 3
        ? `cannot install ARC ${version} (no Debian archive?); this is a failure whenever the test is asked to run`
        : `setup ${version} failed`,
      { output: setup.output },
    );
    return null;
  }
  issuer = await startIssuer(join(dir, 'certs'));
  const etc = join(dir, 'etc', 'tokenmap');
  mkdirSync(join(etc, 'policies.d'), { recursive: true });
  mkdirSync(join(dir, 'pool'));
  const s: Site = {
    dir,
    version,
    issuer,
    arex: new Arex(dir),
    ini: join(etc, 'tokenmap.ini'),
    policy: join(etc, 'policies.d', '10-it.ini'),
    audit: join(dir, 'log', 'audit.jsonl'),
  };
  writeConfig(s, configText(s));
  const snippet = await runBin(['snippet', 'arc', '--config', s.ini]);
  t.equal(snippet.code, 0, 'tokenmap snippet arc', { stderr: snippet.stderr });
  writeFileSync(join(dir, 'etc', 'arc.conf'), SITE_BLOCKS(dir) + '\n' + snippet.stdout.toString());
  const start = await script('start', version, dir);
  t.comment(`ARC ${version}: setup ${setup.ms} ms, start ${start.ms} ms`);
  if (start.code !== 0) {
    t.fail(`A-REX ${version} did not start`, { output: start.output });
    return null;
  }
  return s;
}

function pass(...names: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of names) if (process.env[n]) out[n] = process.env[n] as string;
  return out;
}

async function site(t: Test, version: 6 | 7) {
  const s = await bringUp(t, version);
  if (!s) return;
  // A user left unmapped (tokenmap exit 1, or no token): ARC 6 answers 403, ARC 7 500. A mapping FAILURE
  // (tokenmap exit 2): 403 "Not authorized" on both.
  const unmapped = version === 6 ? 403 : 500;
  const failure = 403;
  const aud = CE_URL;
  const wlcg = (sub: string, more: Record<string, unknown> = {}) =>
    s.issuer.mint({ sub, aud, scope: 'compute.read compute.create', 'wlcg.ver': '1.0', ...more });

  await t.test('no token: refused, and tokenmap is not run', async (t) => {
    const r = await call(s, undefined);
    t.equal(r.status, unmapped);
    t.same(r.calls, [], 'no tokenmap call');
    t.notMatch(r.log, /Plugin .*tokenmap/);
  });

  await t.test('mapped: one tokenmap call, A-REX maps to the account, and a job runs as its uid', async (t) => {
    const token = await wlcg('alice');
    const r = await call(s, token);
    t.equal(r.status, 200, 'GET /jobs', { log: r.gist });
    t.match(r.log, new RegExp(`mapped to local identity '${ACCOUNT}'`));
    t.equal(r.calls.length, 1, 'exactly one tokenmap call for the request');
    // ARC 6 hands over only %D, ARC 7 the claims.
    t.match(r.calls[0], {
      result: 'mapped',
      identity: ACCOUNT,
      sub: version === 6 ? `${s.issuer.url}/alice` : 'alice',
    });
    const job = await s.arex.submit(token, JOB);
    t.equal(job.status, 201, 'job created', { body: job.body });
    const id = jobId(job.body);
    t.match(id, /^[A-Za-z0-9]+$/, 'job id', { body: job.body });
    const out = await jobOutput(s.dir, id, 60000);
    t.match(out, new RegExp(`^uid=${await uidOf(s, ACCOUNT)}\\(${ACCOUNT}\\)`), 'the job ran as the mapped uid');
  });

  await t.test('declined (no rule for this subject): refused, no account', async (t) => {
    const r = await call(s, await wlcg('bob'));
    t.equal(r.status, unmapped, 'refused', { log: r.gist });
    t.match(r.calls, [{ result: 'declined' }]);
    t.notMatch(r.log, /mapped to local identity/);
  });

  await t.test("banned: refused, with tokenmap's line in A-REX's log", async (t) => {
    const r = await call(s, await wlcg('mallory'));
    t.equal(r.status, failure, 'refused', { log: r.gist });
    t.match(r.calls, [{ result: 'error' }]);
    t.match(r.log, /tokenmap: .*mallory is banned at this site/);
    t.notMatch(r.log, /mapped to local identity/);
  });

  await t.test('an unsafe account: refused, never handed to A-REX', async (t) => {
    const r = await call(s, await wlcg('eve'));
    t.equal(r.status, failure, 'refused', { log: r.gist });
    t.match(r.log, /tokenmap: .*"daemon" is denied/);
    t.notMatch(r.log, /mapped to local identity/);
  });

  await t.test(
    'a pool account: leased, kept, the next holder gets the other, then the pool is exhausted',
    async (t) => {
      const a = await call(s, await wlcg('pool-a'));
      t.equal(a.status, 200, { log: a.gist });
      const first = a.calls[0]?.identity as string;
      t.ok(POOL.includes(first), `pool-a leased ${first}`);
      t.match(a.calls, [{ result: 'mapped', lease: { pool: 'it', event: 'leased' } }]);
      t.match(a.log, new RegExp(`mapped to local identity '${first}'`));
      const again = await call(s, await wlcg('pool-a'));
      t.match(again.calls, [{ identity: first, lease: { event: 'renewed' } }], 'the same account again');
      const b = await call(s, await wlcg('pool-b'));
      t.equal(b.status, 200, { log: b.gist });
      t.match(b.calls, [{ identity: POOL.find((x) => x !== first), lease: { event: 'leased' } }]);
      const c = await call(s, await wlcg('pool-c'));
      t.equal(c.status, failure, 'exhausted', { log: c.gist });
      t.match(c.log, /tokenmap: .*exhausted/);
      t.notMatch(c.log, /mapped to local identity/);
    },
  );

  const broken: [string, () => void, RegExp][] = [
    [
      'an unknown key in the configuration',
      () => writeConfig(s, configText(s, 'bogus = 1')),
      new RegExp(`tokenmap: ${s.ini}:\\d+`),
    ],
    [
      'a rule without a result',
      () => writeConfig(s, configText(s), POLICY.replace(`account = ${ACCOUNT}\n`, '')),
      new RegExp(`tokenmap: ${s.policy}:\\d+`),
    ],
    [
      'a rule source that does not exist',
      () => writeConfig(s, configText(s).replace('policies.d/', 'nowhere.d/')),
      /tokenmap: .*nowhere\.d/,
    ],
    ['no configuration file', () => renameSync(s.ini, `${s.ini}.away`), new RegExp(`tokenmap: ${s.ini}`)],
    [
      'an audit log that cannot be written',
      () => writeConfig(s, configText(s).replace(`log = ${s.audit}`, `log = ${s.dir}/nowhere/audit.jsonl`)),
      /tokenmap: .*nowhere\/audit\.jsonl/,
    ],
  ];
  for (const [what, breakIt, line] of broken)
    await t.test(`broken configuration, ${what}: refused with tokenmap's line, fine once repaired`, async (t) => {
      breakIt();
      const bad = await s.arex.jobs(await wlcg('alice'));
      t.equal(bad.status, failure, 'refused', { log: bad.gist });
      t.match(bad.log, line, "A-REX's log holds tokenmap's error line");
      t.notMatch(bad.log, /mapped to local identity/);
      if (existsSync(`${s.ini}.away`)) renameSync(`${s.ini}.away`, s.ini);
      writeConfig(s, configText(s));
      const good = await s.arex.jobs(await wlcg('alice'));
      t.equal(good.status, 200, 'repaired', { log: good.gist });
    });

  if (version === 6)
    await t.test('ARC 6 and a site [audience] gate: refused unless the site accepts it unchecked', async (t) => {
      writeConfig(s, configText(s).replace('arc6_unchecked = yes', ''));
      const r = await call(s, await wlcg('alice'));
      t.equal(r.status, 403, { log: r.gist });
      t.match(r.log, /tokenmap: .*ARC 6.*audience/);
      writeConfig(s, configText(s));
      t.equal((await call(s, await wlcg('alice'))).status, 200);
    });

  if (version === 7) {
    await t.test('ARC 7: the audience is checked, and times are not required', async (t) => {
      const other = await call(
        s,
        await s.issuer.mint({ sub: 'alice', aud: 'https://other.example', 'wlcg.ver': '1.0' }),
      );
      t.equal(other.status, unmapped, 'a token for another service', { log: other.gist });
      t.match(other.calls, [{ result: 'declined', reason: /audience/ }]);
    });

    await t.test('ARC 7: wlcg.groups (a dotted claim) and scopes map', async (t) => {
      const r = await call(s, await wlcg('pilot-1', { 'wlcg.groups': ['/tokenmap', '/tokenmap/pilot'] }));
      t.equal(r.status, 200, { log: r.gist });
      t.match(r.calls, [{ result: 'mapped', rule: /pilots/ }]);
    });

    await t.test('ARC 7: an EGI-style token (no aud, an entitlement) maps by vo and role', async (t) => {
      const token = await s.issuer.mint({
        sub: 'egi-user@egi.eu',
        aud: null,
        scope: 'openid eduperson_entitlement',
        eduperson_entitlement: [ENTITLEMENT],
      });
      const r = await call(s, token);
      t.equal(r.status, 200, { log: r.gist });
      t.match(r.log, new RegExp(`mapped to local identity '${EGI_ACCOUNT}'`));
      t.match(r.calls, [{ result: 'mapped', identity: EGI_ACCOUNT, rule: /egi-pilots/ }]);
    });
  }

  if (process.env.TOKENMAP_ARC_MEASURE === '1') await measure(t, s);
}

/** Request times through tokenmap and through a trivial shell plugin, same A-REX, same run. */
async function measure(t: Test, s: Site) {
  const token = await s.issuer.mint({ sub: 'alice', aud: CE_URL, scope: 'compute.read', 'wlcg.ver': '1.0' });
  const times = async () => {
    const ms: number[] = [];
    for (let i = 0; i < 25; i++) {
      const r = await s.arex.jobs(token);
      if (r.status !== 200) t.fail('measurement request refused', { log: r.gist });
      ms.push(r.ms);
    }
    return median(ms);
  };
  const withTokenmap = await times();
  const conf = join(s.dir, 'etc', 'arc.conf');
  const plugin = join(s.dir, 'run', 'trivial-plugin');
  writeFileSync(plugin, `#!/bin/sh\nprintf ${ACCOUNT}\n`, { mode: 0o755 });
  writeFileSync(conf, readFileSync(conf, 'utf8').replace(/^(map_with_plugin = tokenmap \d+) .*$/m, `$1 ${plugin} %D`));
  await script('stop', s.version, s.dir);
  const up = await script('start', s.version, s.dir);
  t.equal(up.code, 0, 'restarted with the shell plugin', { output: up.output });
  const withShell = await times();
  t.comment(
    `ARC ${s.version}: median request ${withTokenmap.toFixed(1)} ms with tokenmap, ${withShell.toFixed(1)} ms with a shell plugin (+${(withTokenmap - withShell).toFixed(1)} ms)`,
  );
}

if (!wanted) {
  t.plan(0, 'ARC integration tests: set TOKENMAP_ARC_IT=1 (.ci/run does) to install and run A-REX 6 and 7');
} else {
  t.setTimeout(12 * 60 * 1000);
  t.before(async () => {
    if (process.getuid?.() !== 0) throw new Error('the ARC integration tests need root (they install packages)');
  });
  let release: (() => void) | undefined;
  t.before(async () => {
    release = await acquire(10 * 60 * 1000);
  });
  t.teardown(() => release?.());
  t.test('ARC 6 (Debian 12 packages, on the host)', (t) => site(t, 6));
  t.test('ARC 7 (Debian 13 packages, in a chroot)', (t) => site(t, 7));
}
