/**
 * The one line explain (and test) print for a verification:
 * `verified: RS256, kid rsa1, key from WLCG JWKS cache /etc/jwks/…`, or the code and why not.
 */
import type { KeySourceKind, Verification } from './verification.js';

const FROM: Record<KeySourceKind, string> = {
  pinned: 'key pinned in',
  'wlcg-jwks-cache': 'key from WLCG JWKS cache',
  cache: "key from tokenmap's cache",
  discovery: 'key fetched from',
};

export function describeVerification(v: Verification): string {
  const what = [v.alg, v.kid === undefined ? undefined : `kid ${v.kid}`].filter(Boolean).join(', ');
  const key = v.key_source ? `${FROM[v.key_source]} ${v.key_origin ?? ''}`.trim() : '';
  switch (v.result) {
    case 'verified':
      return `verified: ${what}, ${key}`;
    case 'not-a-token':
      return 'none: a claims set, not a token';
    case 'not-verified':
      return `not verified (--no-verify): decoded only${what ? ` (${what})` : ''}`;
    default:
      return `${v.result}: ${v.code}: ${v.message ?? ''}`;
  }
}
