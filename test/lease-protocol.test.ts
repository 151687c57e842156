// The lease protocol under every interleaving fast-check can find: many takers, step by step, some of them
// stopped for good between two steps (as kill -9 would), leases expiring while their holders come back.
// At every step no account has two holders; whatever a taker returns is its lease at that instant; after
// `pool expire` nothing is left behind and every account can be leased again.
import fc from 'fast-check';
import t, { type Test } from 'tap';
import { holderName } from '../src/accounts/holder-name.js';
import { expirePool, removeLease, TRANSIENT_MAX_AGE_MS } from '../src/accounts/lease-expiry.js';
import type { LeaseOp, LeaseResult, LeaseSteps } from '../src/accounts/lease-ops.js';
import { runSteps } from '../src/accounts/lease-ops.js';
import { takeLease, type LeaseOutcome } from '../src/accounts/lease-protocol.js';
import { MemoryDir } from './helpers/memory-lease-dir.js';

const DAY = 86_400_000;

interface Taker {
  holder: string;
  steps: LeaseSteps<LeaseOutcome>;
  op: LeaseOp | null;
  count: number;
  crashAt: number | null;
  outcome?: LeaseOutcome;
  crashed?: boolean;
}

function pool(n: number, leaseDays = 30) {
  return { name: 'p', accounts: Array.from({ length: n }, (_, i) => `acct${i}`), leaseDays };
}

function start(dir: MemoryDir, p: ReturnType<typeof pool>, holder: string, crashAt: number | null, seed: number) {
  let r = seed;
  const random = () => (r = (r * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const steps = takeLease({
    pool: p,
    holder,
    now: () => dir.nowMs,
    tag: `t${seed}`,
    random,
    giveUpAtMs: dir.nowMs + 3000,
  });
  const first = steps.next();
  const taker: Taker = { holder, steps, op: first.done ? null : first.value, count: 0, crashAt };
  if (first.done) taker.outcome = first.value;
  return taker;
}

/** One step of a taker; returns false when it cannot move (done or crashed). */
function advance(dir: MemoryDir, k: Taker): boolean {
  if (!k.op || k.crashed) return false;
  if (k.crashAt !== null && k.count >= k.crashAt) {
    k.crashed = true;
    return false;
  }
  k.count++;
  const res: LeaseResult = dir.exec(k.op);
  const next = k.steps.next(res);
  if (next.done) {
    k.op = null;
    k.outcome = next.value;
  } else k.op = next.value;
  return true;
}

function invariant(t: Test, dir: MemoryDir): boolean {
  for (const [, holders] of dir.holdersByInode()) if (holders.length > 1) return t.fail(`doubly held: ${holders}`);
  return true;
}

/** Who was last given each account, when: a lease is exclusive for lease_days after its last use. */
type Uses = Map<string, { holder: string; atMs: number }>;

/** What a taker returns is, at that instant, its lease and no one else's, nor anyone's recently. */
function checkOutcome(t: Test, dir: MemoryDir, k: Taker, uses: Uses, leaseMs: number): boolean {
  const o = k.outcome;
  if (!o || o.result === 'exhausted') return true;
  const last = uses.get(o.account);
  if (last && last.holder !== k.holder && last.atMs > dir.nowMs - leaseMs)
    return t.fail(`${o.account} given to ${k.holder} while ${last.holder} used it ${dir.nowMs - last.atMs} ms ago`);
  uses.set(o.account, { holder: k.holder, atMs: dir.nowMs });
  const ino = dir.inodeOf(o.account);
  if (dir.inodeOf(k.holder) !== ino) return t.fail(`${k.holder} returned ${o.account} but holds something else`);
  if ((dir.holdersByInode().get(ino as bigint) ?? []).length !== 1) return t.fail(`${o.account} has other holders`);
  return true;
}

function runAll(
  t: Test,
  dir: MemoryDir,
  takers: Taker[],
  schedule: number[],
  tick: number,
  leaseMs = 30 * DAY,
  uses: Uses = new Map(),
): boolean {
  const live = () => takers.filter((k) => k.op && !k.crashed);
  for (let s = 0; ; s++) {
    const alive = live();
    if (alive.length === 0) return true;
    const k = alive[(schedule[s % Math.max(1, schedule.length)] ?? 0) % alive.length] as Taker;
    dir.nowMs += tick;
    advance(dir, k);
    if (!invariant(t, dir)) return false;
    if (k.outcome && !checkOutcome(t, dir, k, uses, leaseMs)) return false;
    if (s > 200_000) return t.fail('takers never finished');
  }
}

/** After expire, every account is free or held once, no transient is left, and all can be leased again. */
function recovers(t: Test, dir: MemoryDir, p: ReturnType<typeof pool>): boolean {
  dir.nowMs += TRANSIENT_MAX_AGE_MS + 1;
  runSteps(expirePool(p, { nowMs: dir.nowMs, tag: 'expire', leaseDays: p.leaseDays }), dir.exec);
  const left = [...dir.names.keys()].filter((n) => n.startsWith('.'));
  if (left.length) return t.fail(`left behind: ${left}`);
  const byInode = dir.holdersByInode();
  for (const a of p.accounts) {
    const ino = dir.inodeOf(a);
    if (ino === undefined) continue;
    if (dir.linkCount(a) !== 1 + (byInode.get(ino)?.length ?? 0)) return t.fail(`${a} has stray links`);
  }
  for (let i = 0; ; i++) {
    const o = runSteps(
      takeLease({
        pool: p,
        holder: holderName(['fresh', String(i)]),
        now: () => dir.nowMs,
        tag: 'fresh',
        random: () => 0.5,
        giveUpAtMs: dir.nowMs,
      }),
      dir.exec,
    );
    if (o.result === 'exhausted')
      return o.leased === p.accounts.length && o.busy === 0 ? true : t.fail(`lost accounts: ${JSON.stringify(o)}`);
    if (i > p.accounts.length) return t.fail('more leases than accounts');
  }
}

const scenario = fc.record({
  accounts: fc.integer({ min: 1, max: 4 }),
  holders: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 2, maxLength: 7 }),
  crashes: fc.array(fc.option(fc.integer({ min: 0, max: 14 }), { nil: null }), { minLength: 7, maxLength: 7 }),
  schedule: fc.array(fc.nat(), { minLength: 1, maxLength: 60 }),
  seed: fc.nat(),
});

t.test('concurrent takers, some killed between two steps: never doubly held, nothing lost', (t) => {
  fc.assert(
    fc.property(scenario, (sc) => {
      const dir = new MemoryDir();
      const p = pool(sc.accounts);
      const takers = sc.holders.map((h, i) =>
        start(dir, p, holderName(['https://iss/', `s${h}`]), sc.crashes[i] ?? null, sc.seed + i),
      );
      if (!runAll(t, dir, takers, sc.schedule, 1)) return false;
      // One holder, one account: takers for the same holder that finished agree.
      const got = new Map<string, string>();
      for (const k of takers)
        if (k.outcome && k.outcome.result !== 'exhausted') {
          const before = got.get(k.holder);
          if (before !== undefined && before !== k.outcome.account)
            return t.fail(`${k.holder}: ${before} and ${k.outcome.account}`);
          got.set(k.holder, k.outcome.account);
        }
      return recovers(t, dir, p);
    }),
    { numRuns: 400 },
  );
  t.end();
});

t.test('without crashes, as many holders as accounts all get one', (t) => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 6 }),
      fc.array(fc.nat(), { minLength: 1, maxLength: 80 }),
      fc.nat(),
      (n, schedule, seed) => {
        const dir = new MemoryDir();
        const p = pool(n);
        const takers = Array.from({ length: n }, (_, i) => start(dir, p, holderName(['i', `s${i}`]), null, seed + i));
        if (!runAll(t, dir, takers, schedule, 1)) return false;
        const accounts = takers.map((k) => (k.outcome?.result === 'exhausted' ? null : k.outcome?.account));
        if (accounts.includes(null) || accounts.includes(undefined))
          return t.fail(`a taker got nothing: ${JSON.stringify(takers.map((k) => k.outcome))}`);
        return new Set(accounts).size === n || t.fail('two takers got one account');
      },
    ),
    { numRuns: 300 },
  );
  t.end();
});

t.test('expiry races: old holders return while new ones take their expired leases', (t) => {
  fc.assert(
    fc.property(scenario, fc.integer({ min: 1, max: 3 }), (sc, oldOnes) => {
      const dir = new MemoryDir();
      const p = pool(sc.accounts, 1);
      const old = Array.from({ length: Math.min(oldOnes, sc.accounts) }, (_, i) => holderName(['old', String(i)]));
      for (const h of old)
        runSteps(
          takeLease({ pool: p, holder: h, now: () => dir.nowMs, tag: 'o', random: () => 0, giveUpAtMs: 0 }),
          dir.exec,
        );
      dir.nowMs += 2 * DAY;
      const takers = sc.holders.map((h, i) =>
        start(
          dir,
          p,
          h < old.length ? (old[h] as string) : holderName(['new', String(h)]),
          sc.crashes[i] ?? null,
          sc.seed + i,
        ),
      );
      if (!runAll(t, dir, takers, sc.schedule, 7, DAY)) return false;
      return recovers(t, dir, p);
    }),
    { numRuns: 400 },
  );
  t.end();
});

t.test('a pool with no free account is exhausted, counting what is leased', (t) => {
  const dir = new MemoryDir();
  const p = pool(2);
  const take = (h: string) => {
    dir.nowMs += 1000;
    return runSteps(
      takeLease({ pool: p, holder: holderName([h]), now: () => dir.nowMs, tag: h, random: () => 0, giveUpAtMs: 0 }),
      dir.exec,
    );
  };
  t.match(take('a'), { result: 'leased' });
  t.match(take('b'), { result: 'leased' });
  t.same(take('c'), { result: 'exhausted', leased: 2, total: 2, busy: 0 });
  t.match(take('a'), { result: 'renewed' });
  dir.nowMs += 31 * DAY;
  t.match(take('c'), { result: 're-leased', previous: holderName(['b']) }, 'the lease unused longest goes first');
  t.match(take('a'), { result: 'renewed' }, "an expired lease stays its holder's until someone needs it");
  t.match(take('d'), { result: 'exhausted', leased: 2 }, 'a lease just used is not expired');
  t.end();
});

t.test('a lease used while expiry had it aside, whose holder took another meanwhile, is parked, not freed', (t) => {
  const dir = new MemoryDir();
  const p = pool(2, 1);
  const G = holderName(['g']);
  const take = (h: string) =>
    runSteps(takeLease({ pool: p, holder: h, now: () => dir.nowMs, tag: h, random: () => 0, giveUpAtMs: 0 }), dir.exec);
  t.match(take(G), { result: 'leased', account: 'acct0' });
  const old = dir.inodeOf(G) as bigint;
  dir.nowMs += 2 * DAY;
  const cutoff = dir.nowMs - DAY;
  t.match(take(G), { result: 'renewed', account: 'acct0' }, 'G uses its lease (a job starts on acct0)');
  // Another taker decided from an earlier look that the lease was unused, and takes it aside now.
  const expiry = removeLease(G, old, cutoff, { nowMs: dir.nowMs, tag: 'x', leaseDays: 1 });
  const rename = expiry.next().value as LeaseOp;
  t.match(rename, { op: 'rename', from: G });
  let step = expiry.next(dir.exec(rename));
  // Meanwhile G calls again, finds no lease, and takes the free account.
  t.match(take(G), { result: 'leased', account: 'acct1' });
  while (!step.done) step = expiry.next(dir.exec(step.value));
  t.equal(step.value, 'kept');
  t.equal(dir.inodeOf(G), dir.inodeOf('acct1'), 'G keeps its new lease');
  const parked = [...dir.names.keys()].filter((n) => n.startsWith(`${G}++`));
  t.equal(parked.length, 1);
  t.equal(dir.inodeOf(parked[0] as string), dir.inodeOf('acct0'), 'acct0 stays reserved while its job may run');
  t.match(take(holderName(['h'])), { result: 'exhausted', leased: 2 });
  dir.nowMs += 2 * DAY;
  t.match(take(holderName(['h'])), { result: 're-leased' }, 'and is given away once unused for lease_days');
  t.end();
});
