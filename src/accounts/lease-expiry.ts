/**
 * Taking a lease away: because it went unused for lease_days, because its account left the pool, or
 * because its taker died half-way. POSIX has no "delete this name if it is still that inode", so a lease
 * is removed by renaming it to a unique transient name (atomic: whatever held the name is now ours alone),
 * then checking what we got with fresh attributes: the inode we meant and still unused goes; anything
 * else (its holder used it in the meantime, or a new lease took the name) is linked back. A process that
 * dies between the rename and the check leaves a `.r~` transient naming the holder, and whoever finds it
 * later finishes it by the same rule.
 */
import { parkedName, removalName, type Transient } from './lease-names.js';
import { freshStat, link, rename, unlink, type EntryStat, type LeaseSteps } from './lease-ops.js';
import { survey, type Survey } from './lease-survey.js';

/** A transient older than this belongs to a taker that died (a callout lives for seconds). */
export const TRANSIENT_MAX_AGE_MS = 60_000;
const DAY_MS = 86_400_000;

export interface ExpiryClock {
  nowMs: number;
  tag: string;
  leaseDays: number;
}

/** Leases last used before this may be taken away; null when they never expire. */
export const expiryCutoff = (c: { nowMs: number; leaseDays: number }) =>
  c.leaseDays > 0 ? c.nowMs - c.leaseDays * DAY_MS : null;

export type Removal = 'removed' | 'kept' | 'gone';

/** Decides, from fresh attributes, whether a lease taken aside goes; otherwise it is put back. */
function* finishRemoval(
  aside: string,
  holder: string | null,
  goes: (st: EntryStat) => boolean,
  tag: string,
): LeaseSteps<Removal> {
  const st = yield* freshStat(aside);
  if (!st) return 'gone';
  if (holder !== null && !goes(st)) {
    // The lease was used after all. If its holder took a new one while the name was away, the one taken
    // aside may still be running a job: park it rather than free it (ENOENT: someone finished this).
    if ((yield* link(aside, holder)) === 'EEXIST') yield* link(aside, parkedName(holder, tag));
    yield* unlink(aside);
    return 'kept';
  }
  yield* unlink(aside);
  return 'removed';
}

/** Removes `holder` only if it is still inode `ino` and (with a cutoff) still unused since before it. */
export function* removeLease(
  holder: string,
  ino: bigint,
  cutoffMs: number | null,
  clock: ExpiryClock,
): LeaseSteps<Removal> {
  const aside = removalName(holder, clock.nowMs, clock.tag);
  if (!(yield* rename(holder, aside))) return 'gone';
  return yield* finishRemoval(
    aside,
    holder,
    (st) => st.ino === ino && (cutoffMs === null || st.mtimeMs < cutoffMs),
    clock.tag,
  );
}

/**
 * Finishes what dead takers left: claims and creations are deleted (a claim never becomes a lease once
 * its name is gone), removals are finished. Returns the transients that are still young.
 */
export function* sweepTransients(
  s: Survey,
  clock: ExpiryClock,
  swept: (t: Transient) => void = () => {},
): LeaseSteps<Transient[]> {
  const cutoff = expiryCutoff(clock);
  const accountInodes = new Set<bigint>();
  for (const st of s.accounts.values()) if (st) accountInodes.add(st.ino);
  const live: Transient[] = [];
  for (const t of s.transients) {
    if (clock.nowMs - t.atMs <= TRANSIENT_MAX_AGE_MS) {
      live.push(t);
      continue;
    }
    if (t.kind === 'removal')
      yield* finishRemoval(
        t.name,
        t.holder,
        (st) => !accountInodes.has(st.ino) || (cutoff !== null && st.mtimeMs < cutoff),
        clock.tag,
      );
    else yield* unlink(t.name);
    swept(t);
  }
  return live;
}

export interface ExpiredLease {
  holder: string;
  account: string | null;
  lastUsedMs: number;
  why: 'expired' | 'orphan';
}

export interface ExpireReport {
  expired: ExpiredLease[];
  swept: Transient[];
}

/**
 * `pool expire`: every lease unused for lease_days, every leaseholder whose account is no longer in the
 * pool (or whose file was replaced), every transient a dead taker left.
 */
export function* expirePool(pool: { accounts: readonly string[] }, clock: ExpiryClock): LeaseSteps<ExpireReport> {
  const s = yield* survey(pool);
  const cutoff = expiryCutoff(clock);
  const expired: ExpiredLease[] = [];
  for (const h of s.holders) {
    // A holder whose inode is no account's file: the account left the pool, or its file was replaced.
    const why: ExpiredLease['why'] | null =
      h.account === null ? 'orphan' : cutoff !== null && h.stat.mtimeMs < cutoff ? 'expired' : null;
    if (why === null) continue;
    const r = yield* removeLease(h.name, h.stat.ino, why === 'expired' ? cutoff : null, clock);
    if (r === 'removed') expired.push({ holder: h.name, account: h.account, lastUsedMs: h.stat.mtimeMs, why });
  }
  const swept: Transient[] = [];
  yield* sweepTransients(s, clock, (t) => swept.push(t));
  return { expired, swept };
}
