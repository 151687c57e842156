/**
 * The outcome of verifying a compact JWS (shared/spec/tokens.md §5, §12): what explain and test report as
 * the Decision's `verification` member. Types only, so the callout bundle can name them without loading
 * the verifier.
 */
export const VERIFY_CODES = [
  'TOKEN_MALFORMED',
  'TOKEN_ALG_REFUSED',
  'TOKEN_KID_MISSING',
  'TOKEN_KID_UNKNOWN',
  'TOKEN_SIGNATURE_INVALID',
  'TOKEN_ISSUER_UNTRUSTED',
  'TOKEN_EXPIRED',
  'TOKEN_NOT_YET_VALID',
  'TOKEN_AUDIENCE',
  'TOKEN_PROFILE',
  'TOKEN_KEY_REFUSED',
  'KEYS_UNAVAILABLE',
] as const;

export type VerifyCode = (typeof VERIFY_CODES)[number];

/** Where the key that checked the signature came from, in the order they are tried (§12.3). */
export type KeySourceKind = 'pinned' | 'wlcg-jwks-cache' | 'cache' | 'discovery';

export interface Verification {
  result: 'verified' | 'rejected' | 'unavailable' | 'not-a-token' | 'skipped';
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
