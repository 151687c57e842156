/**
 * OpenID Connect discovery of an issuer's keys (shared/spec/tokens.md §12.2): one trailing `/` removed
 * from `iss`, `/.well-known/openid-configuration` appended; its `jwks_uri` (HTTPS) fetched as the JWKS.
 * A discovery document naming another issuer is reported, not fatal (indigo-iam/iam#714).
 */
import { jsonText, parseStrictJson } from '../claims/strict-json.js';
import { FetchError, type Fetcher } from './https-get.js';
import { isJwks, type Jwks } from './jwks-cache-file.js';

export interface Discovered {
  jwks: Jwks;
  jwksUri: string;
  maxAge?: number;
  notes: string[];
}

export function discoveryUrl(issuer: string): string {
  return issuer.replace(/\/$/, '') + '/.well-known/openid-configuration';
}

function json(body: Buffer, url: string): unknown {
  try {
    return parseStrictJson(jsonText(body, url), url);
  } catch (e) {
    throw new FetchError((e as Error).message);
  }
}

export async function discoverKeys(issuer: string, fetch: Fetcher): Promise<Discovered> {
  const url = discoveryUrl(issuer);
  const doc = json((await fetch(url)).body, url) as Record<string, unknown> | null;
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc))
    throw new FetchError(`${url}: the discovery document is not a JSON object`);
  const jwksUri = doc.jwks_uri;
  if (typeof jwksUri !== 'string') throw new FetchError(`${url}: the discovery document has no jwks_uri`);
  const notes: string[] = [];
  if (doc.issuer !== issuer)
    notes.push(`${url} names issuer ${JSON.stringify(doc.issuer ?? null)}, not ${JSON.stringify(issuer)}`);
  const got = await fetch(jwksUri);
  const jwks = json(got.body, jwksUri);
  if (!isJwks(jwks)) throw new FetchError(`${jwksUri}: not a JWKS (an object with a "keys" array of objects)`);
  return { jwks, jwksUri, maxAge: got.maxAge, notes };
}
