/**
 * The file format of the WLCG standard system JWKS cache (shared/spec/tokens.md §13), which tokenmap's own
 * key cache also writes, so that one reader serves both: JSON objects keyed by issuer, each value holding
 * `expiration` (Unix seconds) and `jwks`. A file may hold several objects one after another, merged in
 * order (a later issuer replaces an earlier one); any other non-whitespace byte between objects stops the
 * parse, keeping what came before. Pure: bytes in, entries out.
 */
import { createHash } from 'node:crypto';
import { parseStrictJson } from '../claims/strict-json.js';

export interface Jwk {
  kty?: unknown;
  kid?: unknown;
  alg?: unknown;
  use?: unknown;
  key_ops?: unknown;
  crv?: unknown;
  n?: unknown;
  e?: unknown;
  x?: unknown;
  y?: unknown;
  [member: string]: unknown;
}

export interface Jwks {
  keys: Jwk[];
}

export interface CacheEntry {
  /** Unix seconds; the entry is ignored from then on. */
  expiration: number;
  jwks: Jwks;
  /** Every other member, kept as written (tokenmap's own bookkeeping lives here). */
  extra: Record<string, unknown>;
}

export interface ParsedCacheFile {
  entries: Map<string, CacheEntry>;
  /** Why parsing stopped early or an entry was skipped; the file is still usable as far as it went. */
  problems: string[];
}

/** The directory form names an issuer's file by the lower-case hex SHA-256 of the issuer string. */
export function issuerFileName(issuer: string): string {
  return createHash('sha256').update(issuer, 'utf8').digest('hex');
}

export function isJwks(v: unknown): v is Jwks {
  return (
    v !== null &&
    typeof v === 'object' &&
    Array.isArray((v as Jwks).keys) &&
    (v as Jwks).keys.every((k) => k !== null && typeof k === 'object' && !Array.isArray(k))
  );
}

/** End (exclusive) of the JSON object starting at `start`, or -1 when it is not closed. */
function objectEnd(text: string, start: number): number {
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
    } else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

function entryOf(issuer: string, v: unknown, problems: string[]): CacheEntry | undefined {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    problems.push(`the entry for ${JSON.stringify(issuer)} is not an object`);
    return undefined;
  }
  const { expiration, jwks, ...extra } = v as Record<string, unknown>;
  if (typeof expiration !== 'number' || !Number.isFinite(expiration) || !isJwks(jwks)) {
    problems.push(`the entry for ${JSON.stringify(issuer)} lacks a numeric "expiration" or a "jwks" with "keys"`);
    return undefined;
  }
  return { expiration, jwks, extra };
}

/** Throws (MalformedJson) only when an object itself is broken: the file then fails to parse. */
export function parseCacheFile(text: string, what: string): ParsedCacheFile {
  const entries = new Map<string, CacheEntry>();
  const problems: string[] = [];
  let i = 0;
  for (;;) {
    while (i < text.length && /\s/.test(text[i] as string)) i++;
    if (i >= text.length) break;
    if (text[i] !== '{') {
      problems.push(`${what}: stopped at offset ${i}: not the start of a JSON object`);
      break;
    }
    const end = objectEnd(text, i);
    const value = parseStrictJson(end < 0 ? text.slice(i) : text.slice(i, end), what) as Record<string, unknown>;
    for (const [issuer, v] of Object.entries(value)) {
      const e = entryOf(issuer, v, problems);
      if (e) entries.set(issuer, e);
    }
    i = end;
  }
  return { entries, problems };
}

export function serialiseCacheFile(issuer: string, entry: CacheEntry): string {
  return JSON.stringify({ [issuer]: { ...entry.extra, expiration: entry.expiration, jwks: entry.jwks } }) + '\n';
}
