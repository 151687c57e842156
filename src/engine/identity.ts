/**
 * Identities as each CE sees them, and the account-name safety net: whatever a substitution or a claim
 * produced, an account is emitted only if it matches the safe pattern and is not denied (root never is).
 */
import { bytesFromBinary, binaryFromText } from '../bytes.js';

export const DEFAULT_SAFE_PATTERN = '^[a-z_][a-z0-9_.-]{0,31}$';
export const ALWAYS_DENIED = ['root'];
export const BANNED_DOMAIN = 'banned.htcondor.org';

export interface IdentityPolicy {
  safe: RegExp;
  deny: ReadonlySet<string>;
}

export function identityPolicy(pattern = DEFAULT_SAFE_PATTERN, deny: readonly string[] = []): IdentityPolicy {
  return { safe: new RegExp(pattern), deny: new Set([...ALWAYS_DENIED, ...deny]) };
}

/** null when the account may be emitted, else why not. */
export function accountRefusal(account: string, p: IdentityPolicy): string | null {
  // Checked before the site pattern, so that a permissive pattern cannot let these through.
  if (
    account === '' ||
    /[\u0000-\u001f\u007f/:,\s]/.test(account) ||
    account.startsWith('-') ||
    account.startsWith('*')
  )
    return `account name ${JSON.stringify(account)} is unsafe (empty, control characters, whitespace, '/', ':', ',', or a leading '-' or '*')`;
  if (p.deny.has(account)) return `account ${JSON.stringify(account)} is denied by the identity policy`;
  if (!p.safe.test(account))
    return `account name ${JSON.stringify(account)} does not match the safe pattern ${p.safe.source}`;
  return null;
}

/**
 * HTCondor's split of a canonical name (htcondor-mapfile.md §12.3): only its first 255 bytes are kept,
 * then it is split at the last `@`; without one the domain is UID_DOMAIN.
 */
export function splitCanonical(canonical: string, uidDomain: string): { user: string; domain: string } {
  const bytes = bytesFromBinary(binaryFromText(canonical)).subarray(0, 255);
  const kept = bytes.toString('utf8');
  const at = kept.lastIndexOf('@');
  return at < 0 ? { user: kept, domain: uidDomain } : { user: kept.slice(0, at), domain: kept.slice(at + 1) };
}
