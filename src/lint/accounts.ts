/**
 * Accounts a rule would emit: the identity safety net refuses unsafe, denied and system names at decision
 * time (exit 2); `check` finds them before a token does, with the same refusal, so that lint and the
 * callouts can never disagree about which names are safe.
 */
import { accountRefusal, type IdentityPolicy } from '../engine/identity.js';

/** Why this account (or group) must not be emitted, or null. */
export function accountProblem(name: string, identity: IdentityPolicy, kind: 'account' | 'group' = 'account') {
  return accountRefusal(name, identity, kind);
}
