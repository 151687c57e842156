/**
 * Accounts a rule would emit: the identity safety net refuses unsafe and denied names at decision time
 * (exit 2); `check` finds them before a token does, and also names system accounts, which no token
 * should run as even where the site's deny list forgets them.
 */
import { accountRefusal, type IdentityPolicy } from '../engine/identity.js';

/** Accounts of the base system and of the grid services on a CE (uid below 1000 on EL and Debian). */
export const SYSTEM_ACCOUNTS: ReadonlySet<string> = new Set([
  'root',
  'bin',
  'daemon',
  'adm',
  'lp',
  'sync',
  'shutdown',
  'halt',
  'mail',
  'operator',
  'games',
  'ftp',
  'nobody',
  'sys',
  'man',
  'news',
  'uucp',
  'proxy',
  'www-data',
  'backup',
  'list',
  'irc',
  'gnats',
  'sshd',
  'dbus',
  'polkitd',
  'rpc',
  'rpcuser',
  'nfsnobody',
  'chrony',
  'postfix',
  'tss',
  'apache',
  'mysql',
  'condor',
  'arc',
  'munge',
  'slurm',
  'xrootd',
  'squid',
  'tomcat',
  'systemd-network',
  'systemd-resolve',
]);

/** Why this account (or group) must not be emitted, or null. */
export function accountProblem(name: string, identity: IdentityPolicy): string | null {
  const refusal = accountRefusal(name, identity);
  if (refusal) return refusal;
  if (SYSTEM_ACCOUNTS.has(name))
    return `${JSON.stringify(name)} is a system account; a token must never run as it (add it to [identity] deny)`;
  return null;
}
