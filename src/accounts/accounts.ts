/**
 * What the engine asks of the site's accounts at decision time, injected so that evaluation does no I/O
 * of its own and serves a callout and a long-lived server alike: the ban lists as they are now, and a
 * pool account for a leaseholder (or, for a dry run, a look at what a lease would be).
 */
import type { Claims } from '../claims/claims.js';
import type { BanList } from './ban-list.js';
import type { KeyField } from './lease-key.js';
import type { LeaseOutcome, LeasePeek } from './lease-protocol.js';
import type { PoolDef } from './pool-def.js';

export type PoolAnswer =
  (LeaseOutcome & { holder: string }) | (LeasePeek & { holder: string }) | { result: 'no-key'; missing: KeyField[] };

export interface Accounts {
  /** Every list, read now; throws a TokenmapError (BANS_UNREADABLE, BANS_INVALID) when one cannot be used. */
  bans(files: readonly string[]): readonly BanList[];
  /** Takes (or renews) a lease; with `peek`, only looks, changing nothing. Throws POOL_IO errors. */
  pool(pool: PoolDef, claims: Claims, peek: boolean): PoolAnswer;
}
