/**
 * One look at a whole lease directory: every entry classified, every account's file and every
 * leaseholder stat-ed, leaseholders matched to accounts by inode. A snapshot, not a lock: takers decide
 * only on link counts read right after their own link(2) (lease-protocol.ts); the survey serves what may
 * be approximate (the slow path, `pool list`, `pool expire`).
 */
import { classify, type Entry, type Transient } from './lease-names.js';
import { broken, list, lstat, type EntryStat, type LeaseSteps } from './lease-ops.js';

export interface SurveyedHolder {
  name: string;
  stat: EntryStat;
  /** The account whose file is the same inode, or null (an orphan: not a pool account any more). */
  account: string | null;
}

export interface Survey {
  /** null: the account's file does not exist yet. */
  accounts: Map<string, EntryStat | null>;
  holders: SurveyedHolder[];
  transients: Transient[];
}

/** Transients naming each account (claims and creations in progress). */
export function pendingByAccount(transients: readonly Transient[]): Map<string, number> {
  const pending = new Map<string, number>();
  for (const t of transients) if (t.kind !== 'removal') pending.set(t.account, (pending.get(t.account) ?? 0) + 1);
  return pending;
}

export function* survey(pool: { accounts: readonly string[] }): LeaseSteps<Survey> {
  const known = new Set(pool.accounts);
  const entries: Entry[] = (yield* list()).map((n) => classify(n, known));
  const accounts = new Map<string, EntryStat | null>();
  const byIno = new Map<bigint, string>();
  for (const a of pool.accounts) {
    const st = yield* lstat(a);
    if (st && st.kind !== 'file') broken(a, 'is not a regular file');
    accounts.set(a, st);
    if (st) byIno.set(st.ino, a);
  }
  const holders: SurveyedHolder[] = [];
  const transients: Transient[] = [];
  for (const e of entries) {
    if (e.kind === 'holder') {
      const st = yield* lstat(e.name);
      if (st)
        holders.push({ name: e.name, stat: st, account: st.kind === 'file' ? (byIno.get(st.ino) ?? null) : null });
    } else if (e.kind === 'claim' || e.kind === 'create' || e.kind === 'removal') transients.push(e);
  }
  return { accounts, holders, transients };
}
