/**
 * Claims from a decoded JWT payload (HTCondor's stdin, a claims file, a decoded token), with the strict
 * claim types of shared/spec/tokens.md §3: a wrong type is malformed input, never a silent skip.
 */
import { assembleClaims, ClaimsInvalid, type Claims, type ClaimsSource } from './claims.js';
import { jsonText, parseStrictJson } from './strict-json.js';

const STRING_CLAIMS = ['iss', 'sub', 'jti', 'scope', 'wlcg.ver', 'ver', 'voperson_id'] as const;
const TIME_CLAIMS = ['exp', 'nbf', 'iat'] as const;

function describe(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

function strings(name: string, v: unknown, allowString: boolean): string[] | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'string' && allowString) return [v];
  if (!Array.isArray(v))
    throw new ClaimsInvalid(
      `claim ${JSON.stringify(name)} must be ${allowString ? 'a string or ' : ''}an array of strings, ` +
        `not ${describe(v)}`,
    );
  v.forEach((x, i) => {
    if (typeof x !== 'string')
      throw new ClaimsInvalid(`claim ${JSON.stringify(name)}[${i}] must be a string, not ${describe(x)}`);
  });
  return v as string[];
}

/** Claims from a decoded payload object; wrong claim types are CLAIMS_INVALID. */
export function claimsFromObject(obj: unknown, source: ClaimsSource): Claims {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj))
    throw new ClaimsInvalid(`the payload must be a JSON object, not ${describe(obj)}`);
  const o = obj as Record<string, unknown>;
  for (const k of STRING_CLAIMS)
    if (o[k] !== undefined && typeof o[k] !== 'string')
      throw new ClaimsInvalid(`claim ${JSON.stringify(k)} must be a string, not ${describe(o[k])}`);
  for (const k of TIME_CLAIMS)
    if (o[k] !== undefined && (typeof o[k] !== 'number' || !Number.isFinite(o[k])))
      throw new ClaimsInvalid(
        typeof o[k] === 'number'
          ? `claim ${JSON.stringify(k)} is a number too large to be a time (NumericDate): it overflows a double`
          : `claim ${JSON.stringify(k)} must be a JSON number (NumericDate), not ${describe(o[k])}`,
      );
  const str = (k: string) => o[k] as string | undefined;
  const num = (k: string) => o[k] as number | undefined;
  return assembleClaims(
    {
      iss: str('iss'),
      sub: str('sub'),
      aud: strings('aud', o.aud, true),
      scope: str('scope'),
      groups: strings('wlcg.groups', o['wlcg.groups'], false),
      entitlements: strings('eduperson_entitlement', o.eduperson_entitlement, true),
      entitlementsClaim: strings('entitlements', o.entitlements, true),
      vopersonId: str('voperson_id'),
      jti: str('jti'),
      exp: num('exp'),
      nbf: num('nbf'),
      iat: num('iat'),
      wlcgVer: str('wlcg.ver'),
      ver: str('ver'),
    },
    source,
    o,
    true,
  );
}

/** Payload bytes (HTCondor's stdin: the decoded JWT payload, no newline added). */
export function claimsFromPayload(bytes: Uint8Array, source: ClaimsSource = 'payload'): Claims {
  return claimsFromObject(parseStrictJson(jsonText(bytes, 'the payload'), 'the payload'), source);
}
