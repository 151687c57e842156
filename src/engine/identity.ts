/**
 * Identities as each CE sees them, and the account-name safety net: whatever a substitution or a claim
 * produced, an account is emitted only if it matches the safe pattern and is not denied (root never is),
 * and a CE is handed only an identity its own parsing of our output keeps whole.
 */
import { DEFAULT_SAFE_PATTERN } from '../config/config.js';

export const ALWAYS_DENIED = ['root'];

/** The CE a callout answers; its identity form and its output protocol differ. */
export type Ce = 'htcondor' | 'arc';

export interface IdentityPolicy {
  readonly safe: RegExp;
  readonly deny: ReadonlySet<string>;
}

export function identityPolicy(pattern = DEFAULT_SAFE_PATTERN, deny: readonly string[] = []): IdentityPolicy {
  return { safe: new RegExp(pattern), deny: new Set([...ALWAYS_DENIED, ...deny]) };
}

/** null when the account (or, with `kind` 'group', the group) may be emitted, else why not. */
export function accountRefusal(
  account: string,
  p: IdentityPolicy,
  kind: 'account' | 'group' = 'account',
): string | null {
  // Checked before the site pattern, so that a permissive pattern cannot let these through.
  if (
    account === '' ||
    /[\u0000-\u001f\u007f/:,\s]/.test(account) ||
    account.startsWith('-') ||
    account.startsWith('*')
  )
    return (
      `${kind} name ${JSON.stringify(account)} is unsafe ` +
      `(empty, control characters, whitespace, '/', ':', ',', or a leading '-' or '*')`
    );
  if (p.deny.has(account)) return `${kind} ${JSON.stringify(account)} is denied by the identity policy`;
  if (!p.safe.test(account))
    return `${kind} name ${JSON.stringify(account)} does not match the safe pattern ${p.safe.source}`;
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
      refusal: `identity ${JSON.stringify(out)} cannot be handed to HTCondor (empty, comma, whitespace, or PLUGIN:)`,
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
    return { ok: false, refusal: `identity ${JSON.stringify(identity)} cannot be handed to ARC` };
  return { ok: true, text: identity };
}
