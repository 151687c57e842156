/**
 * System accounts and groups, refused by default (issue 7, point 3): a job must never run as a daemon's
 * account. Decided from the local account database (the text of /etc/passwd, /etc/group and
 * /etc/login.defs, read by the rule-set builder through the injected reader) plus a built-in list of
 * well-known service accounts, for names that an LDAP or SSSD CE does not list locally. Pure: text in,
 * answers out; a name is looked up when a decision needs it, not parsed into a table at start-up.
 */

/**
 * Service accounts of the distributions and the grid middleware a CE runs (EL, Debian, HTCondor, ARC,
 * the batch systems). README "Safety" lists them.
 */
export const WELL_KNOWN_SYSTEM_ACCOUNTS: readonly string[] = [
  // Base system (EL and Debian)
  ...['root', 'toor', 'bin', 'daemon', 'adm', 'lp', 'sync', 'shutdown', 'halt', 'mail', 'news', 'uucp'],
  ...['operator', 'games', 'gopher', 'ftp', 'nobody', 'nfsnobody', 'sys', 'man', 'proxy', 'www-data'],
  ...['backup', 'list', 'irc', 'gnats', 'dbus', 'polkitd', 'sshd', 'rpc', 'rpcuser', 'tss', 'chrony'],
  ...['ntp', 'postfix', 'apache', 'nginx', 'mysql', 'postgres', 'systemd-network', 'systemd-resolve'],
  ...['systemd-timesync', 'systemd-coredump', 'messagebus', 'syslog', 'sssd', 'munge', 'unbound'],
  // Grid middleware and batch systems
  ...['condor', 'arc', 'slurm', 'torque', 'pbs', 'xrootd', 'squid', 'cvmfs', 'apel', 'bdii', 'ldap'],
];

/** What /etc/login.defs says about the system ranges, else the usual 1000. */
export interface SystemRanges {
  /** Highest system uid: SYS_UID_MAX, else UID_MIN - 1, else 999. */
  readonly sysUidMax: number;
  /** Highest system gid: SYS_GID_MAX, else GID_MIN - 1, else 999. */
  readonly sysGidMax: number;
}

export function systemRanges(loginDefs: string): SystemRanges {
  const value = (key: string): number | undefined => {
    const m = new RegExp(`^[ \\t]*${key}[ \\t]+(\\d+)[ \\t]*$`, 'm').exec(loginDefs);
    return m ? Number(m[1]) : undefined;
  };
  const max = (sys: string, min: string) => value(sys) ?? (value(min) ?? 1000) - 1;
  return { sysUidMax: max('SYS_UID_MAX', 'UID_MIN'), sysGidMax: max('SYS_GID_MAX', 'GID_MIN') };
}

/** The local account database as text, and the names a site opted back in. */
export interface AccountDb {
  readonly passwd: string;
  readonly group: string;
  readonly ranges: SystemRanges;
  /** `[identity] allow_system`. */
  readonly allow: ReadonlySet<string>;
}

export function accountDb(passwd: string, group: string, loginDefs: string, allow: readonly string[] = []): AccountDb {
  return { passwd, group, ranges: systemRanges(loginDefs), allow: new Set(allow) };
}

/** The colon-separated fields of `name`'s line in a passwd or group file, or null. */
function entry(text: string, name: string): string[] | null {
  const key = `${name}:`;
  const at = text.startsWith(key) ? 0 : text.indexOf(`\n${key}`) + 1;
  if (at === 0 && !text.startsWith(key)) return null;
  const end = text.indexOf('\n', at);
  return text.slice(at, end < 0 ? text.length : end).split(':');
}

const number = (field: string | undefined) => (field !== undefined && /^\d+$/.test(field) ? Number(field) : NaN);

/** null when `name` may be emitted as a user, else why not. */
export function systemAccountRefusal(name: string, db: AccountDb): string | null {
  if (db.allow.has(name)) return null;
  const optIn = ' ([identity] allow_system opts a name back in)';
  if (WELL_KNOWN_SYSTEM_ACCOUNTS.includes(name))
    return `account ${JSON.stringify(name)} is a well-known system or service account${optIn}`;
  const e = entry(db.passwd, name);
  if (!e) return null;
  const uid = number(e[2]);
  const gid = number(e[3]);
  if (!(uid > db.ranges.sysUidMax))
    return (
      `account ${JSON.stringify(name)} is a system account ` +
      `(uid ${e[2]}, system uids end at ${db.ranges.sysUidMax})${optIn}`
    );
  if (gid === 0) return `account ${JSON.stringify(name)} has primary group 0${optIn}`;
  return null;
}

/** null when `name` may be emitted as a group (ARC's user:group), else why not. */
export function systemGroupRefusal(name: string, db: AccountDb): string | null {
  if (db.allow.has(name) || name === 'users') return null;
  const optIn = ' ([identity] allow_system opts a name back in)';
  if (name === 'root' || name === 'wheel') return `group ${JSON.stringify(name)} is a privileged group${optIn}`;
  const e = entry(db.group, name);
  if (!e) return null;
  const gid = number(e[2]);
  if (gid === 0) return `group ${JSON.stringify(name)} has gid 0${optIn}`;
  if (!(gid > db.ranges.sysGidMax))
    return (
      `group ${JSON.stringify(name)} is a system group ` +
      `(gid ${e[2]}, system gids end at ${db.ranges.sysGidMax})${optIn}`
    );
  return null;
}
