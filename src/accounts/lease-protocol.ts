/**
 * Taking a pool account for a leaseholder, on the gridmapdir scheme many CEs share over NFS: no lock of
 * any kind, only link(2), which is atomic on NFS too.
 *
 * 1. A lease the holder already has: its entry (`~…`, a hard link to the account's file) is opened, its
 *    mtime refreshed on that inode, and the name checked again to still be that inode.
 * 2. Else a free account (link count 1): link a uniquely named claim `.t~ACCOUNT~…` to it and read the
 *    link count through that name. Exactly 2 (the account and our claim) means no one else holds or is
 *    claiming it; more means we lost: remove the claim and try the next account.
 * 3. The winner stamps the lease (mtime and since) through its claim, links the claim to the holder name,
 *    and only then removes the claim. The holder name appears only by link(2) from a claim that won, and
 *    link(2) never replaces a name, so two takers for one holder cannot both succeed (rename(2) would).
 *
 * Why it holds when a process dies between any two steps: a claim whose name is gone can never become a
 * lease (step 3 links from it), so a claim left by a dead taker can simply be deleted once it is older
 * than any callout lives (lease-expiry.ts); until then it only keeps that one account busy. Two leases of
 * one account would need two claims that each saw a count of 2 while the other existed, which the count
 * rules out. A lease removed by expiry goes through a rename first (lease-expiry.ts).
 */
import { createAccountFile, parseAccountFile, sinceStamp } from './account-file.js';
import { expiryCutoff, removeLease, sweepTransients } from './lease-expiry.js';
import { claimName } from './lease-names.js';
import { broken, link, lstat, read, sleep, unlink, type EntryStat, type LeaseSteps } from './lease-ops.js';
import { pendingByAccount, survey } from './lease-survey.js';

export interface LeaseRequest {
  pool: { name: string; accounts: readonly string[]; leaseDays: number };
  /** The holder's entry name (holder-name.ts). */
  holder: string;
  /** Milliseconds; read again at every step that records a time. */
  now: () => number;
  /** Unique among concurrent takers (lease-names.ts uniqueTag). */
  tag: string;
  random: () => number;
  /** When collisions with other takers may no longer be waited out (ms, same clock as `now`). */
  giveUpAtMs: number;
}

export type LeaseOutcome =
  | { result: 'renewed'; account: string; sinceMs: number | null; lastUsedMs: number }
  | { result: 'leased'; account: string }
  | { result: 're-leased'; account: string; previous: string; lastUsedMs: number }
  | { result: 'exhausted'; leased: number; total: number; busy: number };

type Claim = 'won' | 'lost' | 'holder-exists';

/** Step 1: the holder's current lease, refreshed; null when it has none. */
function* currentLease(r: LeaseRequest, accounts: ReadonlySet<string>): LeaseSteps<LeaseOutcome | null> {
  for (let tries = 0; ; tries++) {
    const seen = yield* read(r.holder, { setMtimeMs: r.now() });
    if (!seen) return null;
    if (seen.stat.kind !== 'file') broken(r.holder, 'is not a regular file');
    const { account, sinceMs } = parseAccountFile(seen.content);
    const file = account !== null && accounts.has(account) ? yield* lstat(account) : null;
    if (!file || file.ino !== seen.stat.ino) {
      // An orphan (its account left the pool, or the file was replaced): the holder gets a new lease.
      yield* removeLease(r.holder, seen.stat.ino, null, { nowMs: r.now(), tag: r.tag, leaseDays: r.pool.leaseDays });
      return null;
    }
    // The touch counts only if the name still holds that inode: an expiry may have taken it meanwhile.
    const after = yield* lstat(r.holder);
    if (after && after.ino === seen.stat.ino)
      return { result: 'renewed', account: account as string, sinceMs, lastUsedMs: seen.stat.mtimeMs };
    if (tries >= 3 && r.now() >= r.giveUpAtMs) broken(r.holder, 'keeps changing while it is read');
  }
}

/** Steps 2 and 3 for one account. */
function* claim(r: LeaseRequest, account: string): LeaseSteps<Claim> {
  const mine = claimName(account, r.now(), r.tag);
  const linked = yield* link(account, mine);
  if (linked === 'ENOENT') return 'lost';
  const st = yield* lstat(mine);
  if (!st) return 'lost'; // swept as stale: it can no longer become a lease
  if (linked === 'EEXIST') {
    // Only NFS says this for a name this unique: a retried LINK whose first try succeeded.
    const file = yield* lstat(account);
    if (!file || file.ino !== st.ino) return 'lost';
  }
  if (st.nlink !== 2) {
    yield* unlink(mine);
    return 'lost';
  }
  // Fresh before it is visible, so that no one takes it for a lease unused for lease_days.
  const now = r.now();
  if (!(yield* read(mine, { setMtimeMs: now, stamp: sinceStamp(account, now) }))) return 'lost';
  const promoted = yield* link(mine, r.holder);
  if (promoted === 'ENOENT') return 'lost';
  if (promoted === 'EEXIST') {
    const holder = yield* lstat(r.holder);
    if (!holder || holder.ino !== st.ino) {
      yield* unlink(mine);
      return 'holder-exists';
    }
  }
  yield* unlink(mine);
  return 'won';
}

function rotation<T>(items: readonly T[], random: number): T[] {
  const start = Math.floor(random * items.length) % Math.max(1, items.length);
  return [...items.slice(start), ...items.slice(0, start)];
}

export function* takeLease(r: LeaseRequest): LeaseSteps<LeaseOutcome> {
  const known = new Set(r.pool.accounts);
  const clock = () => ({ nowMs: r.now(), tag: r.tag, leaseDays: r.pool.leaseDays });
  round: for (let round = 0; ; round++) {
    const current = yield* currentLease(r, known);
    if (current) return current;

    // Fast path: walk the accounts from a random start and claim the first free one.
    for (const account of rotation(r.pool.accounts, r.random())) {
      let st: EntryStat | null = yield* lstat(account);
      if (!st) {
        yield* createAccountFile(account, r.now(), r.tag);
        st = yield* lstat(account);
      }
      if (!st) continue;
      if (st.kind !== 'file') broken(account, 'is not a regular file');
      if (st.nlink !== 1) continue;
      const c = yield* claim(r, account);
      if (c === 'won') return { result: 'leased', account };
      if (c === 'holder-exists') continue round;
    }

    // Slow path: no account looked free. Finish what dead takers left, then expire the oldest unused lease.
    const s = yield* survey(r.pool);
    const pending = pendingByAccount(yield* sweepTransients(s, clock()));
    const cutoff = expiryCutoff(clock());
    let leased = 0;
    let busy = 0;
    for (const [account, st] of s.accounts) {
      if (!st) busy++;
      else if (st.nlink - 1 > (pending.get(account) ?? 0)) leased++;
      else if (st.nlink > 1) busy++;
    }
    const stale = s.holders
      .filter((h) => h.account !== null && cutoff !== null && h.stat.mtimeMs < cutoff)
      .sort((a, b) => a.stat.mtimeMs - b.stat.mtimeMs);
    for (const h of stale) {
      if ((yield* removeLease(h.name, h.stat.ino, cutoff, clock())) !== 'removed') continue;
      const c = yield* claim(r, h.account as string);
      if (c === 'won')
        return { result: 're-leased', account: h.account as string, previous: h.name, lastUsedMs: h.stat.mtimeMs };
      if (c === 'holder-exists') continue round;
    }
    const freed = busy > 0 || leased < r.pool.accounts.length;
    if (!freed || r.now() >= r.giveUpAtMs) return { result: 'exhausted', leased, total: r.pool.accounts.length, busy };
    // Other takers are half-way: back off a little, at random, so that they do not collide again.
    yield* sleep(1 + Math.floor(r.random() * Math.min(50, 5 * (round + 1))));
  }
}

export type LeasePeek =
  | { result: 'held'; account: string; sinceMs: number | null; lastUsedMs: number }
  | { result: 'none'; leased: number; total: number };

/** What a take would start from, changing nothing (explain, fixtures): the holder's lease, or the count. */
export function* peekLease(r: Pick<LeaseRequest, 'pool' | 'holder'>): LeaseSteps<LeasePeek> {
  const seen = yield* read(r.holder);
  if (seen && seen.stat.kind === 'file') {
    const { account, sinceMs } = parseAccountFile(seen.content);
    const file = account !== null && r.pool.accounts.includes(account) ? yield* lstat(account) : null;
    if (file && file.ino === seen.stat.ino)
      return { result: 'held', account: account as string, sinceMs, lastUsedMs: seen.stat.mtimeMs };
  }
  const s = yield* survey(r.pool);
  const leased = [...s.accounts.values()].filter((st) => st && st.nlink > 1).length;
  return { result: 'none', leased, total: r.pool.accounts.length };
}
