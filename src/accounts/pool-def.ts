/**
 * A pool of accounts (`[pool NAME]` in a policy file or in the site configuration): which accounts, the
 * group printed with them, the lease directory shared by every CE of the site, how long an unused lease
 * lasts, and what identifies a leaseholder. Every problem names the line it is about.
 */
import type { SourcePos } from '../errors.js';
import { parseAccounts } from './account-range.js';
import { parseKey, type KeyField } from './lease-key.js';

export const POOL_NAME = /^[A-Za-z0-9_.-]+$/;
/** ARC's map_to_pool default. */
export const DEFAULT_LEASE_DAYS = 10;

export interface PoolDef {
  name: string;
  /** The `[pool NAME]` line. */
  pos: SourcePos;
  accounts: string[];
  group?: string;
  /** Absolute, or relative to the working directory when the file that named it was. */
  leaseDir: string;
  /** 0: leases never expire. */
  leaseDays: number;
  key: KeyField[];
}

export interface PoolEntry {
  value: string;
  pos: SourcePos;
}

/** `dir` ends in `/` (or is '' for the working directory): the directory of the file the section is in. */
export function resolveIn(dir: string, path: string): string {
  return path.startsWith('/') ? path : dir + path;
}

export const dirOf = (file: string) => (file.includes('/') ? file.slice(0, file.lastIndexOf('/') + 1) : '');

export function parsePoolSection(
  name: string,
  pos: SourcePos,
  get: (key: string) => PoolEntry | undefined,
): { pool: PoolDef | null; problems: { pos: SourcePos; message: string }[] } {
  const problems: { pos: SourcePos; message: string }[] = [];
  const where = (k: string) => get(k)?.pos ?? pos;
  if (!POOL_NAME.test(name)) problems.push({ pos, message: `pool name ${JSON.stringify(name)}: use [A-Za-z0-9_.-]` });
  const accounts = parseAccounts(get('accounts')?.value ?? '');
  for (const message of accounts.problems)
    problems.push({ pos: where('accounts'), message: `[pool ${name}] ${message}` });
  const dir = get('lease_dir');
  if (!dir?.value) problems.push({ pos, message: `[pool ${name}] needs lease_dir (the directory shared by the CEs)` });
  const days = get('lease_days')?.value ?? String(DEFAULT_LEASE_DAYS);
  if (!/^[0-9]{1,6}$/.test(days))
    problems.push({ pos: where('lease_days'), message: `[pool ${name}] lease_days must be a whole number of days` });
  const key = parseKey(get('key')?.value);
  if ('problem' in key) problems.push({ pos: where('key'), message: `[pool ${name}] ${key.problem}` });
  if (problems.length || !dir || 'problem' in key) return { pool: null, problems };
  return {
    pool: {
      name,
      pos,
      accounts: accounts.accounts,
      group: get('group')?.value || undefined,
      leaseDir: resolveIn(dirOf(pos.file), dir.value),
      leaseDays: Number(days),
      key: key.key,
    },
    problems,
  };
}
