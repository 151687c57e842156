/**
 * The outcome of verifying a compact JWS (shared/spec/tokens.md §5, §12): what explain and test report as
 * the Decision's `verification` member. Types only, so the callout bundle can name them without loading
 * the verifier.
 */
/** Every reason a token can fail verification, with what it means (the README's table is checked against it). */
export const VERIFY_CODES = {
  TOKEN_MALFORMED: 'not a compact JWS tokenmap can check: a crit header, no alg, a JWE, a broken part',
  TOKEN_ALG_REFUSED: 'alg is not one of [tokens] algorithms (RS256, ES256); none and HMAC never are',
  TOKEN_KID_MISSING: 'the header has no kid, so no key can be chosen',
  TOKEN_KID_UNKNOWN: "no key of the issuer has the token's kid (after the one refetch allowed)",
  TOKEN_SIGNATURE_INVALID: 'the signature does not verify with the key of that kid',
  TOKEN_ISSUER_UNTRUSTED: 'iss is not on the trust list ([tokens] trust[] or jwks[]; exact strings)',
  TOKEN_EXPIRED: 'exp is not in the future (no leeway), or there is no exp',
  TOKEN_NOT_YET_VALID: 'nbf or iat is later than now plus [tokens] skew',
  TOKEN_AUDIENCE: 'no aud value is accepted by [audience] (or a WLCG / SciTokens 2.0 token has none)',
  TOKEN_PROFILE: 'wlcg.ver or ver unsupported, or a claim the profile requires (sub, iat, jti) missing',
  TOKEN_KEY_REFUSED: 'the key does not fit: an RSA key under 2048 bits, a key type or curve not fitting alg',
  KEYS_UNAVAILABLE: "the issuer's keys cannot be had (the transport error: TLS, DNS, HTTP status, timeout)",
} as const;

export type VerifyCode = keyof typeof VERIFY_CODES;

/** Where the key that checked the signature came from, in the order they are tried (§12.3). */
export type KeySourceKind = 'pinned' | 'wlcg-jwks-cache' | 'cache' | 'discovery';

export interface Verification {
  /** `not-verified`: --no-verify; `not-a-token`: a claims set. */
  result: 'verified' | 'rejected' | 'unavailable' | 'not-a-token' | 'not-verified';
  /** Set whenever the result is rejected or unavailable. */
  code?: VerifyCode;
  /** Why, in words an admin can act on. */
  message?: string;
  alg?: string;
  kid?: string;
  key_source?: KeySourceKind;
  /** The file or URL the keys came from. */
  key_origin?: string;
  notes?: string[];
}

/** A failed step: the code and the words. */
export class VerifyFailure extends Error {
  readonly code: VerifyCode;
  constructor(code: VerifyCode, message: string) {
    super(message);
    this.name = 'VerifyFailure';
    this.code = code;
  }
}
