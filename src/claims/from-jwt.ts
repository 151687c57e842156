/**
 * Claims from a compact JWS, decoded only: the signature is not verified here (tokens/verify does that
 * where keys are available). The header is returned for `explain`.
 */
import type { Claims } from './claims.js';
import { ClaimsInvalid } from './claims.js';
import { claimsFromObject } from './from-payload.js';
import { jsonText, parseStrictJson } from './strict-json.js';

const B64URL = /^[A-Za-z0-9_-]*$/;

function part(text: string, what: string): unknown {
  if (!B64URL.test(text)) throw new ClaimsInvalid(`the token's ${what} is not base64url`);
  return parseStrictJson(jsonText(Buffer.from(text, 'base64url'), `the token's ${what}`), `the token's ${what}`);
}

/** Decodes a compact JWS (without verifying its signature): its header and its claims. */
export function decodeJwt(token: string): { header: Record<string, unknown>; claims: Claims } {
  const parts = token.trim().split('.');
  if (parts.length === 5)
    throw new ClaimsInvalid('the token is a JWE (encrypted); only signed tokens (JWS) are accepted');
  if (parts.length !== 3)
    throw new ClaimsInvalid('the token is not a compact JWS (three base64url parts separated by dots)');
  const header = part(parts[0] as string, 'header');
  if (header === null || typeof header !== 'object' || Array.isArray(header))
    throw new ClaimsInvalid("the token's header is not a JSON object");
  return {
    header: header as Record<string, unknown>,
    claims: claimsFromObject(part(parts[1] as string, 'payload'), 'jwt'),
  };
}
