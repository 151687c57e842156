// Pool leases under real concurrency, as many CEs sharing one lease directory make it: hundreds of
// arc-plugin processes at once, many calls for one subject at once, two process trees under different
// host names (unshare -u), and takers killed with SIGKILL at every step and at random times. The lease
// directory is checked on the file system itself: no account ever has two holders, nothing is lost.
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { BIN, ROOT, runBin, type RunResult } from './helpers/run.js';
import { ISS, leaseView, poolSite, tokenEnv, type PoolSite } from './helpers/pool-site.js';

// Hundreds of real processes: on a busy 2-core machine this file takes a minute or more.
t.setTimeout(600_000);

const arc = (site: PoolSite, sub: string, env: Record<string, string> = {}, killAfterMs = 120_000) =>
  runBin(['arc-plugin', '--config', site.config], { env: { ...tokenEnv(sub), ...env }, stdin: 'open', killAfterMs });

/** Every account held at most once, every holder entry on a pool account, no link left over. */
function consistent(t: Test, site: PoolSite, what: string): void {
  const v = leaseView(site);
  t.same(
    [...v.byAccount].filter(([, hs]) => hs.length > 1),
    [],
    `${what}: no account has two holders`,
  );
  t.same(
    [...v.holders].filter(([, a]) => a === null),
    [],
    `${what}: every holder entry is a pool account`,
  );
}

/** After `pool expire` (past the transients' age), nothing is left behind and every free account can be leased. */
async function recovers(t: Test, site: PoolSite): Promise<void> {
  const later = new Date(Date.now() + 120_000).toISOString();
  const e = await runBin(['pool', 'expire', '--config', site.config, '--at', later]);
  t.equal(e.code, 0, e.stderr);
  const v = leaseView(site);
  t.same(v.transients, [], 'pool expire cleaned every transient');
  t.same(v.stray, [], 'no account has a link that is not a holder');
  consistent(t, site, 'after expire');
  const free = site.accounts.length - v.byAccount.size;
  const fresh = await Promise.all(Array.from({ length: free + 1 }, (_, i) => arc(site, `fresh-${i}`)));
  t.equal(fresh.filter((r) => r.code === 0).length, free, `all ${free} free accounts can be leased: none lost`);
  t.match(fresh.find((r) => r.code !== 0)?.stderr, /exhausted/);
  consistent(t, site, 'after refilling');
}

t.test('200 processes at once, 200 subjects, 100 accounts', async (t) => {
  const site = poolSite({ accounts: 100 });
  const started = Date.now();
  const results = await Promise.all(Array.from({ length: 200 }, (_, i) => arc(site, `user-${i}`)));
  t.comment(`200 concurrent arc-plugin processes: ${Date.now() - started} ms`);
  const ok = results.filter((r) => r.code === 0);
  const failed = results.filter((r) => r.code !== 0);
  t.equal(ok.length, 100, 'exactly 100 get an account');
  t.equal(new Set(ok.map((r) => r.stdout.toString())).size, 100, '100 distinct accounts');
  t.ok(
    failed.every((r) => r.code === 2 && /^tokenmap: pool atlas exhausted \(100 of 100 leased\)\n$/.test(r.stderr)),
    `the other 100 exit 2, exhausted: ${failed.find((r) => r.code !== 2 || !/exhausted/.test(r.stderr))?.stderr}`,
  );
  const v = leaseView(site);
  t.equal(v.holders.size, 100);
  t.same(v.transients, []);
  consistent(t, site, '200 at once');
  // Each winner's lease is its own: the account printed is the one its holder entry links to.
  const holderOf = new Map([...v.holders].map(([h, a]) => [a, h]));
  t.ok(
    results.every(
      (r, i) => r.code !== 0 || holderOf.get(r.stdout.toString().split(':')[0] as string)?.endsWith(`,user-${i}`),
    ),
    'every account went to the subject that printed it',
  );
});

t.test('concurrent calls for one subject always get the same account', async (t) => {
  const site = poolSite({ accounts: 10 });
  for (let round = 0; round < 3; round++) {
    const rs = await Promise.all(Array.from({ length: 15 }, () => arc(site, `same-${round}`)));
    t.same(
      [...new Set(rs.map((r) => `${r.code} ${r.stdout}`))],
      [`0 ${rs[0]?.stdout}`],
      `round ${round}: 15 calls, one account`,
    );
  }
  t.equal(leaseView(site).holders.size, 3);
  consistent(t, site, 'same subject');
});

t.test('two process trees under different host names share the lease directory', async (t) => {
  const site = poolSite({ accounts: 30 });
  // Each tree: its own UTS namespace and host name, 30 callouts at once, half of the subjects shared.
  const script =
    'hostname "$1"; i=0; while [ $i -lt 30 ]; do ' +
    'sub="$2-$i"; [ $((i % 2)) -eq 0 ] && sub="shared-$i"; ' +
    `env -i PATH="$PATH" BEARER_TOKEN_0_ISSUER=${ISS} BEARER_TOKEN_0_SUBJECT="$sub" ` +
    `BEARER_TOKEN_0_CLAIM_iss_0=${ISS} BEARER_TOKEN_0_CLAIM_sub_0="$sub" ` +
    `${BIN} arc-plugin --config "$3" < /dev/null > "$4/$1-$i.out" 2>/dev/null & i=$((i + 1)); done; wait`;
  const tree = (host: string) =>
    new Promise<number | null>((resolve) => {
      const child = spawn('unshare', ['-u', 'sh', '-c', script, 'sh', host, host, site.config, site.dir], {
        cwd: ROOT,
        stdio: 'ignore',
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      });
      child.on('close', resolve);
    });
  const [a, b] = await Promise.all([tree('ce-one'), tree('ce-two')]);
  t.same([a, b], [0, 0]);
  t.not(
    execFileSync('unshare', ['-u', 'sh', '-c', 'hostname x-test; hostname']).toString().trim(),
    execFileSync('hostname').toString().trim(),
    'the trees really ran under other host names',
  );
  const v = leaseView(site);
  t.equal(v.holders.size, 30, 'the pool is full: 45 subjects wanted 30 accounts');
  consistent(t, site, 'two hosts');
  const out = (host: string, i: number) => execFileSync('cat', [join(site.dir, `${host}-${i}.out`)]).toString();
  for (let i = 0; i < 30; i += 2) {
    const one = out('ce-one', i);
    const two = out('ce-two', i);
    t.ok(one === '' || two === '' || one === two, `shared-${i}: one account on both hosts (${one} ${two})`);
  }
});

t.test('killed with SIGKILL before each step of taking a lease, then run again', async (t) => {
  let steps = 0;
  for (let k = 1; k <= 12; k++) {
    const site = poolSite({ accounts: 2, deadline: 6 });
    const killed = await arc(site, 'victim', { TOKENMAP_TEST_KILL_AT_STEP: String(k) });
    if (killed.signal === 'SIGKILL') steps = k;
    else t.equal(killed.code, 0, `step ${k}: past the last step, the take completes`);
    consistent(t, site, `killed before step ${k}`);
    const again = await arc(site, 'victim');
    t.equal(again.code, 0, `step ${k}: run again, the subject gets an account (${again.stderr})`);
    const held = [...leaseView(site).holders].filter(([h]) => h.endsWith(',victim'));
    t.same(
      held.map(([, acc]) => acc),
      [again.stdout.toString().split(':')[0]],
      `step ${k}: one lease, the one printed`,
    );
    await recovers(t, site);
  }
  t.equal(steps, 11, 'a first take has 11 steps, each one a kill point');
});

t.test('killed at random times in a loop', async (t) => {
  const site = poolSite({ accounts: 12, deadline: 4 });
  for (let round = 0; round < 4; round++) {
    const subs = Array.from({ length: 10 }, (_, i) => `r-${(round * 7 + i) % 16}`);
    const killed: Promise<RunResult>[] = subs.map((s) => arc(site, s, {}, 30 + Math.floor(Math.random() * 120)));
    await Promise.all(killed);
    consistent(t, site, `round ${round}, after the kills`);
    const again = await Promise.all(subs.map((s) => arc(site, s)));
    for (const [i, r] of again.entries())
      t.ok(r.code === 0 || /exhausted/.test(r.stderr), `round ${round} ${subs[i]}: ${r.code} ${r.stderr}`);
    consistent(t, site, `round ${round}, run again`);
  }
  await recovers(t, site);
});
