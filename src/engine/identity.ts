/**
 * Identities as each CE sees them, and the identity boundary: whatever a substitution or a claim
 * produced, the whole identity is checked. An account is emitted only if it is plain printable ASCII,
 * matches the safe pattern, is not denied (root never is) and is no system account; a group likewise; a
 * domain only if it is UID_DOMAIN or one of `[identity] domains`; and a CE is handed only an identity its
 * own parsing of our output keeps whole.
 */
import { asciiLower, clip } from '../bytes.js';
import { DEFAULT_SAFE_PATTERN } from '../config/config.js';
import { accountDb, systemAccountRefusal, systemGroupRefusal, type AccountDb } from './system-accounts.js';

export const ALWAYS_DENIED = ['root'];

/** The CE a callout answers; its identity form and its output protocol differ. */
export type Ce = 'htcondor' | 'arc';

export interface IdentityPolicy {
  readonly safe: RegExp;
  readonly deny: ReadonlySet<string>;
  /** The domains an HTCondor identity may have, lower-cased: UID_DOMAIN and `[identity] domains`. */
  readonly domains: ReadonlySet<string>;
  /** The local account database and `[identity] allow_system`, for the system-account refusal. */
  readonly accounts: AccountDb;
}

export interface IdentityOptions {
  pattern?: string;
  deny?: readonly string[];
  /** UID_DOMAIN, always allowed. */
  uidDomain: string;
  domains?: readonly string[];
  accounts?: AccountDb;
}

/** A name in a message: quoted, and short (a `\1` can make it 255 bytes). */
const show = (name: string) => clip(JSON.stringify(name), 80);

export function identityPolicy(o: IdentityOptions): IdentityPolicy {
  return {
    safe: new RegExp(o.pattern ?? DEFAULT_SAFE_PATTERN),
    deny: new Set([...ALWAYS_DENIED, ...(o.deny ?? [])]),
    domains: new Set([o.uidDomain, ...(o.domains ?? [])].map(asciiLower)),
    accounts: o.accounts ?? accountDb('', '', ''),
  };
}

/**
 * Checked before the site pattern, so that a permissive pattern cannot let these through: anything but
 * printable ASCII (control bytes, NUL, whitespace, UTF-8), the separators of the CEs' formats and of
 * paths (`,` `:` `/` `@`), a leading `-` or `*`, and `__proto__`.
 */
function unsafeName(kind: string, name: string): string | null {
  if (name === '' || /[^\x21-\x7e]|[/:,@]/.test(name) || name.startsWith('-') || name.startsWith('*'))
    return (
      `${kind} name ${show(name)} is unsafe (empty, not printable ASCII, whitespace, ` +
      `'/', ':', ',', '@', or a leading '-' or '*')`
    );
  if (name === '__proto__') return `${kind} name "__proto__" is refused`;
  return null;
}

/** The checks a user and a group share, then the system-account check of their kind. */
function nameRefusal(
  kind: 'account' | 'group',
  name: string,
  p: IdentityPolicy,
  system: (name: string, db: IdentityPolicy['accounts']) => string | null,
): string | null {
  const unsafe = unsafeName(kind, name);
  if (unsafe) return unsafe;
  if (p.deny.has(name)) return `${kind} ${show(name)} is denied by the identity policy`;
  if (!p.safe.test(name)) return `${kind} name ${show(name)} does not match the safe pattern ${p.safe.source}`;
  return system(name, p.accounts);
}

/** null when the account (or, with `kind` 'group', the group) may be emitted, else why not. */
export const accountRefusal = (account: string, p: IdentityPolicy, kind: 'account' | 'group' = 'account') =>
  kind === 'group' ? groupRefusal(account, p) : nameRefusal('account', account, p, systemAccountRefusal);

/** null when the group (ARC's `user:group`) may be emitted, else why not. */
export const groupRefusal = (group: string, p: IdentityPolicy): string | null =>
  nameRefusal('group', group, p, systemGroupRefusal);

/** null when an HTCondor identity may have this domain (compared case-insensitively), else why not. */
export function domainRefusal(domain: string, p: IdentityPolicy): string | null {
  if (domain === '' || /[^\x21-\x7e]/.test(domain))
    return `domain ${show(domain)} is unsafe (empty, control bytes, whitespace or not ASCII)`;
  if (!p.domains.has(asciiLower(domain)))
    return (
      `domain ${show(domain)} is neither UID_DOMAIN nor one of [identity] domains ` +
      `(${[...p.domains].join(' ')}): it could name another identity, such as a daemon's`
    );
  return null;
}

/** The identities of a mapping in each CE's form: `user@domain` (HTCondor), `user[:group]` (ARC). */
export function ceIdentities(
  account: string,
  group: string | undefined,
  domain: string,
): { htcondor: string; arc: string } {
  return { htcondor: `${account}@${domain}`, arc: group ? `${account}:${group}` : account };
}

const ARC_MAX_OUTPUT = 512;

/** What a callout prints, or why that CE cannot be handed the identity. */
export type Answer = { ok: true; text: string } | { ok: false; refusal: string };

/**
 * HTCondor's plugin answer: the identity and a newline, the domain left off when it is UID_DOMAIN. It must
 * survive HTCondor's split on comma and whitespace whole.
 */
export function htcondorAnswer(identity: string, uidDomain: string): Answer {
  const out = identity.endsWith(`@${uidDomain}`) ? identity.slice(0, -uidDomain.length - 1) : identity;
  if (!out || /[,\s]/.test(out) || out.startsWith('PLUGIN:'))
    return {
      ok: false,
      refusal: `identity ${show(out)} cannot be handed to HTCondor (empty, comma, whitespace, or PLUGIN:)`,
    };
  return { ok: true, text: out + '\n' };
}

/** ARC's answer, byte for byte, no newline: `user[:group]`, user non-empty, no leading `*`, not root. */
export function arcAnswer(identity: string): Answer {
  const user = identity.split(':')[0] ?? '';
  if (
    !user ||
    user.startsWith('*') ||
    user === 'root' ||
    /\s/.test(identity) ||
    Buffer.byteLength(identity) > ARC_MAX_OUTPUT ||
    identity.split(':').length > 2
  )
    return { ok: false, refusal: `identity ${show(identity)} cannot be handed to ARC` };
  return { ok: true, text: identity };
}
