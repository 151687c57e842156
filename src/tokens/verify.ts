/**
 * Verification of a compact JWS in the order of shared/spec/tokens.md §5 and §12: the JOSE header (alg
 * allowed, no crit, kid present; keys in the header never used), the issuer on the trust list (exact
 * string), the key found by kid and fit for the algorithm, the signature (jose), then exp (no leeway),
 * nbf and iat (within the skew), the audience, and the profile's version and required claims. The first
 * failing step is the answer, as a stable code and a sentence. Pure apart from the injected key lookup.
 */
import { formatDuration } from '../duration.js';
import { compactVerify } from 'jose/jws/compact/verify';
import type { Claims } from '../claims/claims.js';
import { claimsFromObject } from '../claims/from-payload.js';
import { jsonText, parseStrictJson } from '../claims/strict-json.js';
import { profileOf, type Profile } from '../claims/validate.js';
import { audienceRefusal } from '../policy/audience.js';
import { keyRefusal } from './key-fitness.js';
import type { KeyLookup } from './key-sources.js';
import { VerifyFailure, type Verification } from './verification.js';

export const SUPPORTED_ALGORITHMS = ['RS256', 'ES256'] as const;
const HEADER_KEYS = ['jwk', 'jku', 'x5u', 'x5c', 'x5t', 'x5t#S256'];
const TYPES = ['at+jwt', 'application/at+jwt', 'JWT'];

export interface VerifyPolicy {
  /** A subset of SUPPORTED_ALGORITHMS. */
  algorithms: readonly string[];
  /** Issuers whose tokens may be verified (exact strings). */
  trusted: ReadonlySet<string>;
  /** Seconds allowed for nbf and iat in the future; never for exp. */
  skew: number;
  audience: {
    accept: readonly string[];
    wlcgAny: boolean;
    scitokensAny: boolean;
    missingOkIssuers: readonly string[];
  };
}

export type FindKey = (issuer: string, kid: string) => Promise<KeyLookup>;

const q = JSON.stringify;
const B64URL = /^[A-Za-z0-9_-]+$/;

function decodePart(text: string, what: string): unknown {
  if (!B64URL.test(text)) throw new VerifyFailure('TOKEN_MALFORMED', `the token's ${what} is not base64url`);
  try {
    return parseStrictJson(jsonText(Buffer.from(text, 'base64url'), `the token's ${what}`), `the token's ${what}`);
  } catch (e) {
    throw new VerifyFailure('TOKEN_MALFORMED', (e as Error).message);
  }
}

function checkHeader(h: Record<string, unknown>, policy: VerifyPolicy, notes: string[]): { alg: string; kid: string } {
  if (typeof h.alg !== 'string') throw new VerifyFailure('TOKEN_MALFORMED', 'the JOSE header has no alg');
  const alg = h.alg;
  if (h.crit !== undefined)
    throw new VerifyFailure(
      'TOKEN_MALFORMED',
      `the JOSE header has crit ${q(h.crit)}, which tokenmap does not understand`,
    );
  if (!policy.algorithms.includes(alg))
    throw new VerifyFailure(
      'TOKEN_ALG_REFUSED',
      alg === 'none' || /^HS/.test(alg)
        ? `alg ${q(alg)} is never accepted (unsigned or symmetric)`
        : `alg ${q(alg)} is not accepted (allowed: ${policy.algorithms.join(', ')})`,
    );
  for (const k of HEADER_KEYS)
    if (h[k] !== undefined) notes.push(`the header's ${k} is ignored: keys named by a token are never trusted`);
  if (h.typ !== undefined && !TYPES.includes(h.typ as string)) notes.push(`unusual JOSE header typ ${q(h.typ)}`);
  if (typeof h.kid !== 'string' || h.kid === '')
    throw new VerifyFailure('TOKEN_KID_MISSING', 'the JOSE header has no kid; tokenmap needs it to choose the key');
  return { alg, kid: h.kid };
}

function checkIssuer(iss: string | undefined, policy: VerifyPolicy): string {
  if (iss === undefined) throw new VerifyFailure('TOKEN_ISSUER_UNTRUSTED', 'the token has no issuer (iss)');
  if (policy.trusted.has(iss)) return iss;
  const other = iss.endsWith('/') ? iss.slice(0, -1) : iss + '/';
  throw new VerifyFailure(
    'TOKEN_ISSUER_UNTRUSTED',
    `issuer ${q(iss)} is not on the trust list ([tokens] trust[] or jwks[])` +
      (policy.trusted.has(other) ? ` (${q(other)} is: the trailing slash counts)` : ''),
  );
}

function checkTimes(c: Claims, now: number, skew: number): void {
  if (c.exp === undefined) throw new VerifyFailure('TOKEN_EXPIRED', 'the token has no expiry (exp); never accepted');
  if (now >= c.exp)
    throw new VerifyFailure(
      'TOKEN_EXPIRED',
      `the token expired ${formatDuration(Math.ceil(now - c.exp))} ago (exp ${c.exp}; no leeway)`,
    );
  if (c.nbf !== undefined && c.nbf > now + skew)
    throw new VerifyFailure(
      'TOKEN_NOT_YET_VALID',
      `the token is not valid before ${c.nbf} (${formatDuration(Math.ceil(c.nbf - now))} from now; ` +
        `skew ${formatDuration(skew)})`,
    );
  if (c.iat !== undefined && c.iat > now + skew)
    throw new VerifyFailure(
      'TOKEN_NOT_YET_VALID',
      `the token was issued in the future (iat ${c.iat}, ${formatDuration(Math.ceil(c.iat - now))} from now; ` +
        `skew ${formatDuration(skew)})`,
    );
}

function checkAudience(c: Claims, profile: Profile, policy: VerifyPolicy): void {
  const a = policy.audience;
  if (!c.audPresent && (profile === 'wlcg' || profile === 'scitokens:2.0'))
    throw new VerifyFailure('TOKEN_AUDIENCE', `a ${profile} token must carry an audience (aud)`);
  // tokens.md §8: with no audience configured only the matching "any" value passes (as HTCondor does);
  // an empty accept list never means "not checked", or a token minted for another service would verify
  const missingOk = profile === 'none' && a.missingOkIssuers.includes(c.iss ?? '');
  const why = audienceRefusal(c, { ...a, missingOk }, 'the site audience policy');
  if (why) throw new VerifyFailure('TOKEN_AUDIENCE', why);
}

function checkProfile(c: Claims): Profile {
  const p = profileOf(c);
  if ('rejection' in p) throw new VerifyFailure('TOKEN_PROFILE', p.rejection);
  if (!c.sub) throw new VerifyFailure('TOKEN_PROFILE', 'the token has no subject (sub)');
  if (p.profile === 'wlcg' && c.iat === undefined)
    throw new VerifyFailure('TOKEN_PROFILE', 'a WLCG token must carry iat');
  if (p.profile === 'wlcg' && !c.jti) throw new VerifyFailure('TOKEN_PROFILE', 'a WLCG token must carry jti');
  return p.profile;
}

/** `now` in Unix seconds. Never throws: every failure is a Verification. */
export async function verifyToken(
  token: string,
  policy: VerifyPolicy,
  findKey: FindKey,
  now: number,
): Promise<Verification> {
  const notes: string[] = [];
  let alg: string | undefined;
  let kid: string | undefined;
  let keyFrom: Pick<Verification, 'key_source' | 'key_origin'> = {};
  try {
    const parts = token.trim().split('.');
    if (parts.length !== 3)
      throw new VerifyFailure(
        'TOKEN_MALFORMED',
        parts.length === 5
          ? 'the token is a JWE; only signed tokens (compact JWS) are accepted'
          : 'the token is not a compact JWS (three base64url parts)',
      );
    const header = decodePart(parts[0] as string, 'header');
    if (header === null || typeof header !== 'object' || Array.isArray(header))
      throw new VerifyFailure('TOKEN_MALFORMED', "the token's header is not a JSON object");
    ({ alg, kid } = checkHeader(header as Record<string, unknown>, policy, notes));
    if (!B64URL.test(parts[2] as string))
      throw new VerifyFailure('TOKEN_MALFORMED', "the token's signature is missing or not base64url");
    let claims: Claims;
    try {
      claims = claimsFromObject(decodePart(parts[1] as string, 'payload'), 'jwt');
    } catch (e) {
      throw e instanceof VerifyFailure ? e : new VerifyFailure('TOKEN_MALFORMED', (e as Error).message);
    }
    const iss = checkIssuer(claims.iss, policy);
    const found = await findKey(iss, kid);
    notes.push(...found.notes);
    if ('missing' in found) throw new VerifyFailure(found.missing, found.message);
    keyFrom = { key_source: found.source, key_origin: found.origin };
    const refusal = keyRefusal(found.found, alg);
    if (refusal) throw new VerifyFailure('TOKEN_KEY_REFUSED', `key ${q(kid)} from ${found.origin}: ${refusal}`);
    try {
      await compactVerify(token.trim(), found.found as never, { algorithms: [alg] });
    } catch (e) {
      const code = (e as { code?: string }).code;
      throw code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' || code === 'ERR_JWS_INVALID'
        ? new VerifyFailure(
            'TOKEN_SIGNATURE_INVALID',
            `the signature does not verify with key ${q(kid)} from ${found.origin}`,
          )
        : new VerifyFailure('TOKEN_KEY_REFUSED', `key ${q(kid)} from ${found.origin}: ${(e as Error).message}`);
    }
    checkTimes(claims, now, policy.skew);
    const known = profileOf(claims);
    checkAudience(claims, 'profile' in known ? known.profile : 'none', policy);
    checkProfile(claims);
    return { result: 'verified', alg, kid, ...keyFrom, notes };
  } catch (e) {
    if (!(e instanceof VerifyFailure)) throw e;
    return {
      result: e.code === 'KEYS_UNAVAILABLE' ? 'unavailable' : 'rejected',
      code: e.code,
      message: e.message,
      alg,
      kid,
      ...keyFrom,
      notes,
    };
  }
}
