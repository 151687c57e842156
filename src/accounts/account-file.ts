/**
 * An account's file in the lease directory. Its first line is the account's name, so that a leaseholder
 * entry (a hard link to it) says which account it holds with one read; the second line, rewritten in
 * place when a lease is taken, records since when. Every link shares the inode, so its mtime is the time
 * the lease was last used.
 */
import { create, link, unlink, type LeaseSteps } from './lease-ops.js';
import { createName } from './lease-names.js';

const SINCE = 'leased ';

export const accountContent = (account: string) => `${account}\n${SINCE}${'0'.repeat(13)}\n`;

/** The fixed-width second line: rewriting it never moves the first. */
export function sinceStamp(account: string, nowMs: number): { offset: number; text: string } {
  return { offset: Buffer.byteLength(account) + 1, text: `${SINCE}${String(Math.floor(nowMs)).padStart(13, '0')}\n` };
}

export function parseAccountFile(content: string): { account: string | null; sinceMs: number | null } {
  const lines = content.split('\n');
  const since = lines[1]?.startsWith(SINCE) ? Number(lines[1].slice(SINCE.length)) : NaN;
  return {
    account: lines.length > 1 ? (lines[0] as string) : null,
    sinceMs: Number.isFinite(since) && since > 0 ? since : null,
  };
}

/**
 * Creates a missing account file whole: written under a transient name first, then linked into place, so
 * that no taker ever sees a half-written one. Another CE creating it at the same time is fine (EEXIST).
 */
export function* createAccountFile(account: string, nowMs: number, tag: string): LeaseSteps<void> {
  const tmp = createName(account, nowMs, tag);
  if (!(yield* create(tmp, accountContent(account)))) return;
  yield* link(tmp, account);
  yield* unlink(tmp);
}
