/**
 * Whether a JWK may check a signature of this algorithm (shared/spec/tokens.md §12.1): RS256 needs an RSA
 * key of at least 2048 bits, ES256 an EC P-256 key; a key's own `alg`, `use` and `key_ops`, when present,
 * must allow it. Returns why not, or null.
 */
import { createPublicKey } from 'node:crypto';
import type { Jwk } from './jwks-cache-file.js';

export const MIN_RSA_BITS = 2048;

export function keyRefusal(jwk: Jwk, alg: string): string | null {
  const q = JSON.stringify;
  if (jwk.alg !== undefined && jwk.alg !== alg) return `the key's alg ${q(jwk.alg)} is not the token's ${alg}`;
  if (jwk.use !== undefined && jwk.use !== 'sig') return `the key is for use ${q(jwk.use)}, not sig`;
  if (jwk.key_ops !== undefined && !(Array.isArray(jwk.key_ops) && jwk.key_ops.includes('verify')))
    return `the key's key_ops ${q(jwk.key_ops)} do not include verify`;
  if (jwk.d !== undefined) return 'the JWKS holds a private key (member "d"): refused, the issuer has leaked it';
  const want = alg === 'RS256' ? 'RSA' : 'EC';
  if (jwk.kty !== want) return `a ${q(jwk.kty ?? null)} key cannot check ${alg} (needs kty ${want})`;
  if (want === 'EC' && jwk.crv !== 'P-256') return `an EC key on curve ${q(jwk.crv ?? null)} cannot check ES256`;
  let bits: number | undefined;
  try {
    const k = createPublicKey({ key: jwk as never, format: 'jwk' });
    bits = k.asymmetricKeyDetails?.modulusLength;
  } catch (e) {
    return `the key does not import (${(e as Error).message})`;
  }
  if (want === 'RSA' && (bits === undefined || bits < MIN_RSA_BITS))
    return `the RSA key has ${bits ?? '?'} bits; at least ${MIN_RSA_BITS} are required`;
  return null;
}
