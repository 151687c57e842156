/**
 * What each entry of a lease directory is. Account files carry the account's name (pool-def.ts keeps `~`,
 * `%` and a leading `.` out of account names); `~…` entries are leaseholders (holder-name.ts); entries
 * starting with `.` are transient: a taker's claim (`.t~`), an account file being created (`.c~`), a
 * lease being removed (`.r~`). A transient carries its creator's clock and a unique tag in its name, so
 * that whoever finds one left behind by a process that died knows how old it is and what it was for.
 * Anything else (`.nfs…` files of NFS silly renames, an admin's notes) is ignored.
 */
import { HOLDER_PREFIX, isHolderName } from './holder-name.js';

export type Entry =
  | { kind: 'account'; name: string }
  | { kind: 'holder'; name: string }
  | { kind: 'claim'; name: string; account: string; atMs: number }
  | { kind: 'create'; name: string; account: string; atMs: number }
  /** `holder` is null when the name is damaged: then it can only be deleted. */
  | { kind: 'removal'; name: string; holder: string | null; atMs: number }
  | { kind: 'other'; name: string };

export type Transient = Extract<Entry, { atMs: number }>;

/** A tag no other taker uses at the same time: host, pid, random (only `[A-Za-z0-9.-]`, at most 40 bytes). */
export function uniqueTag(host: string, pid: number, random: number): string {
  const h = host.replace(/[^A-Za-z0-9.-]/g, '-').slice(0, 24) || 'host';
  return `${h}.${pid.toString(36)}.${Math.floor(random * 2 ** 32).toString(36)}`;
}

const stamp = (nowMs: number) => Math.max(0, Math.floor(nowMs)).toString(36);

export const claimName = (account: string, nowMs: number, tag: string) => `.t~${account}~${stamp(nowMs)}~${tag}`;
export const createName = (account: string, nowMs: number, tag: string) => `.c~${account}~${stamp(nowMs)}~${tag}`;
export const removalName = (holder: string, nowMs: number, tag: string) =>
  `.r~${stamp(nowMs)}~${tag}~${holder.slice(HOLDER_PREFIX.length)}`;

/**
 * Where a lease goes that expiry took aside and could not put back because its holder meanwhile took a
 * new one: still a holder entry (so the account stays reserved until it goes unused for lease_days), but
 * one that no taker looks up.
 */
export const parkedName = (holder: string, tag: string) => `${holder}++${tag}`;

/** A transient whose time cannot be read is as old as can be: it must not block an account for ever. */
const time = (s: string | undefined) => (s !== undefined && /^[0-9a-z]{1,11}$/.test(s) ? parseInt(s, 36) : 0);

export function classify(name: string, accounts: ReadonlySet<string>): Entry {
  if (accounts.has(name)) return { kind: 'account', name };
  if (isHolderName(name)) return { kind: 'holder', name };
  const parts = name.split('~');
  if ((parts[0] === '.t' || parts[0] === '.c') && parts.length >= 3) {
    const account = parts[1] as string;
    return { kind: parts[0] === '.t' ? 'claim' : 'create', name, account, atMs: time(parts[2]) };
  }
  if (parts[0] === '.r') {
    const holder = parts.length === 4 ? HOLDER_PREFIX + (parts[3] as string) : null;
    return { kind: 'removal', name, holder, atMs: time(parts[1]) };
  }
  return { kind: 'other', name };
}
