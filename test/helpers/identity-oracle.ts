/**
 * An independent statement of what an emitted identity may be (callout-protocols.md §3.9, §4.11; issue 7
 * points 1-3), written from the specification, not from src/engine/identity.ts, so that the fuzz and
 * property tests check the engine rather than restating it. null when the stdout of a successful
 * callout is acceptable.
 */
export interface OracleOptions {
  /** Allowed domains of an HTCondor identity (UID_DOMAIN first), compared case-insensitively. */
  domains?: string[];
  /** Names that must never be emitted as a user (system accounts). */
  systemNames?: string[];
  systemGroups?: string[];
}

/** The default safe pattern; tests use it. */
const SAFE = /^[a-z_][a-z0-9_.-]{0,31}$/;
const ISSUE_7_SYSTEM = ['root', 'daemon', 'bin', 'sync', 'shutdown', 'halt', 'operator', 'adm', 'nobody', 'condor'];

export function identityBreach(ce: 'htcondor' | 'arc', stdout: string, o: OracleOptions = {}): string | null {
  const system = new Set([...ISSUE_7_SYSTEM, ...(o.systemNames ?? [])]);
  const groups = new Set(['root', 'wheel', ...(o.systemGroups ?? [])]);
  const domains = (o.domains ?? ['users.htcondor.org']).map((d) => d.toLowerCase());
  const user = (u: string | undefined) =>
    u === undefined || !SAFE.test(u)
      ? `unsafe user ${JSON.stringify(u)}`
      : system.has(u)
        ? `system account ${u}`
        : null;
  if (ce === 'htcondor') {
    if (!stdout.endsWith('\n') || stdout.indexOf('\n') !== stdout.length - 1) return 'not one line';
    const id = stdout.slice(0, -1);
    if (id === '' || /[,\s]/.test(id) || id.startsWith('PLUGIN:')) return `unusable identity ${JSON.stringify(id)}`;
    if (Buffer.byteLength(id, 'latin1') > 255) return 'over 255 bytes: HTCondor would cut it';
    const at = id.lastIndexOf('@');
    if (at >= 0 && !domains.includes(id.slice(at + 1).toLowerCase())) return `foreign domain in ${JSON.stringify(id)}`;
    return user(at >= 0 ? id.slice(0, at) : id);
  }
  if (Buffer.byteLength(stdout, 'latin1') > 512) return 'over 512 bytes';
  const [u, group, ...rest] = stdout.split(':');
  if (rest.length || /\s/.test(stdout)) return `unusable identity ${JSON.stringify(stdout)}`;
  if (group !== undefined && (!SAFE.test(group) || groups.has(group))) return `bad group ${JSON.stringify(group)}`;
  return user(u);
}
