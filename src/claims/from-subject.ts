/**
 * ARC 6 gives a plugin nothing but its `%D` argument: `<iss>/<sub>` for a token client. Both parts may
 * contain `/`, so the string is never split; rules that pin an issuer and a subject compare it whole
 * with `issuer + "/" + subject`. A certificate DN (it starts with `/`) matches no token rule.
 */
import { assembleClaims, type Claims } from './claims.js';

export function claimsFromSubject(subject: string): Claims {
  return assembleClaims({ arcSubject: subject }, 'subject', Object.create(null), false);
}
