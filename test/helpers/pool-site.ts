/**
 * A site with one pool and a ban list, in a scratch directory, for tests that run the real binary: the
 * configuration, the ARC 7 environment of a token, and a look at the lease directory as the file system
 * has it (which account each holder entry is a link to).
 */
import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { arc7Env } from './ce-env.js';
import { put, scratch } from './files.js';

export const ISS = 'https://atlas-auth.example/';

export interface PoolSite {
  dir: string;
  config: string;
  leases: string;
  accounts: string[];
}

export function poolSite(opts: { accounts: number; leaseDays?: number; bans?: string; deadline?: number }): PoolSite {
  const accounts = Array.from({ length: opts.accounts }, (_, i) => `atlas${String(i + 1).padStart(3, '0')}`);
  const dir = scratch({
    'tokenmap.ini':
      `[rules]\nsource[] = policy:policy.ini\n\n[pool atlas]\naccounts = ${accounts[0]}-${accounts[accounts.length - 1]}\n` +
      `group = atlas\nlease_dir = leases\nlease_days = ${opts.leaseDays ?? 30}\n\n` +
      `[bans]\nfile[] = bans.txt\n\n[audit]\nlog = audit.log\n\n[limits]\ndeadline = ${opts.deadline ?? 60}\n`,
    'policy.ini':
      `[rule atlas-users]\nissuer = ${ISS}\naudience_optional = yes\nany_audience = yes\npool = atlas\n\n` +
      `[rule atlas-admins]\nissuer = https://admin.example/\naudience_optional = yes\ndeny = admins never run jobs\n`,
    'bans.txt': opts.bans ?? '# nothing banned\n',
  });
  put(dir, 'leases/.keep', '');
  return { dir, config: join(dir, 'tokenmap.ini'), leases: join(dir, 'leases'), accounts };
}

export function tokenEnv(sub: string, extra: Record<string, unknown> = {}): Record<string, string> {
  return arc7Env({ iss: ISS, sub, ...extra });
}

export interface LeaseView {
  /** holder entry -> account. */
  holders: Map<string, string | null>;
  /** account -> its holder entries. */
  byAccount: Map<string, string[]>;
  transients: string[];
  /** Accounts whose link count is not 1 + their holders (a stray link). */
  stray: string[];
}

export function leaseView(site: PoolSite): LeaseView {
  const names = readdirSync(site.leases);
  const inode = new Map<bigint, string>();
  const nlink = new Map<string, number>();
  for (const a of site.accounts) {
    const st = lstatSync(join(site.leases, a), { bigint: true, throwIfNoEntry: false });
    if (st) {
      inode.set(st.ino, a);
      nlink.set(a, Number(st.nlink));
    }
  }
  const holders = new Map<string, string | null>();
  const byAccount = new Map<string, string[]>();
  for (const n of names.filter((n) => n.startsWith('~'))) {
    const a = inode.get(lstatSync(join(site.leases, n), { bigint: true }).ino) ?? null;
    holders.set(n, a);
    if (a) byAccount.set(a, [...(byAccount.get(a) ?? []), n]);
  }
  const transients = names.filter((n) => n.startsWith('.') && n !== '.keep');
  const stray = [...nlink].filter(([a, n]) => n !== 1 + (byAccount.get(a)?.length ?? 0)).map(([a]) => a);
  return { holders, byAccount, transients, stray };
}
