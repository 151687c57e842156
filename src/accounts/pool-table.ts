/**
 * What `pool list` shows and `pool release` does: who holds which account since when and when they last
 * used it, and removing one holder's lease (or every holder of one account) on the admin's word.
 */
import { parseAccountFile } from './account-file.js';
import { expiryCutoff, TRANSIENT_MAX_AGE_MS } from './lease-expiry.js';
import type { Transient } from './lease-names.js';
import { read, unlink, type LeaseSteps } from './lease-ops.js';
import { survey, type Survey } from './lease-survey.js';

export interface LeaseRow {
  holder: string;
  account: string | null;
  sinceMs: number | null;
  lastUsedMs: number;
  /** orphan: its account is no longer in the pool; parked: set aside by expiry (lease-names.ts). */
  state: 'active' | 'expired' | 'orphan' | 'parked';
}

export interface PoolTable {
  total: number;
  /** Accounts whose file does not exist yet (created when first needed). */
  uncreated: number;
  leases: LeaseRow[];
  transients: (Transient & { stale: boolean })[];
  /** Accounts with more than one holder entry: the protocol rules it out; shown if it ever happens. */
  doublyHeld: string[];
}

function* rows(s: Survey, nowMs: number, leaseDays: number): LeaseSteps<LeaseRow[]> {
  const cutoff = expiryCutoff({ nowMs, leaseDays });
  const out: LeaseRow[] = [];
  for (const h of s.holders) {
    const content = h.account === null ? null : yield* read(h.name);
    const sinceMs = content ? parseAccountFile(content.content).sinceMs : null;
    const state: LeaseRow['state'] =
      h.account === null
        ? 'orphan'
        : h.name.includes('++')
          ? 'parked'
          : cutoff !== null && h.stat.mtimeMs < cutoff
            ? 'expired'
            : 'active';
    out.push({ holder: h.name, account: h.account, sinceMs, lastUsedMs: h.stat.mtimeMs, state });
  }
  return out.sort(
    (a, b) => (a.account ?? '\uffff').localeCompare(b.account ?? '\uffff') || a.holder.localeCompare(b.holder),
  );
}

export function* listPool(
  pool: { accounts: readonly string[]; leaseDays: number },
  nowMs: number,
): LeaseSteps<PoolTable> {
  const s = yield* survey(pool);
  const leases = yield* rows(s, nowMs, pool.leaseDays);
  const count = new Map<string, number>();
  for (const l of leases) if (l.account) count.set(l.account, (count.get(l.account) ?? 0) + 1);
  return {
    total: pool.accounts.length,
    uncreated: [...s.accounts.values()].filter((st) => st === null).length,
    leases,
    transients: s.transients.map((t) => ({ ...t, stale: nowMs - t.atMs > TRANSIENT_MAX_AGE_MS })),
    doublyHeld: [...count].filter(([, n]) => n > 1).map(([a]) => a),
  };
}

/**
 * Removes the leases `who` names: a holder entry, or an account (every holder entry of its file). A job
 * still running under the account is not stopped: the account may be leased again at once.
 */
export function* releaseLeases(pool: { accounts: readonly string[] }, who: string): LeaseSteps<string[]> {
  const s = yield* survey(pool);
  const released: string[] = [];
  for (const h of s.holders)
    if ((h.name === who || h.account === who) && (yield* unlink(h.name))) released.push(h.name);
  return released;
}
