/**
 * tokenmap's own on-disk key cache (`[tokens] key_cache`; shared/spec/tokens.md §12.3). Plugin and
 * explain processes are short-lived, so fetched keys, refresh and refetch times and remembered failures
 * live in files: one per issuer, named and laid out as in the WLCG system JWKS cache (§13), so the
 * directory can also serve as a JWKS_CACHE_DIR. Entries are replaced atomically; a reader that finds a
 * torn, foreign or broken file treats it as a miss, never as an error.
 */
import { join } from 'node:path';
import { issuerFileName, parseCacheFile, serialiseCacheFile, type Jwks } from './jwks-cache-file.js';
import type { KeyFiles } from './key-files.js';
import { UnsafeKeyFile } from './safe-key-read.js';

export interface CachedKeys {
  jwks: Jwks;
  /** Unix seconds: the keys are not used after this (a refresh failure keeps them until then). */
  expiration: number;
  /** Unix seconds: fetch again from then on. */
  refreshAt: number;
  fetchedAt: number;
  /** The last refetch caused by an unknown kid (the first fetch of an issuer is not one). */
  refetchedAt?: number;
  /** A failed fetch with nothing usable cached: do not try again before this (negative cache). */
  failedUntil?: number;
  error?: string;
  url?: string;
}

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

export function cacheFile(dir: string, issuer: string): string {
  return join(dir, issuerFileName(issuer));
}

/** A file the safety rules refuse is a miss with a note in `problems` (the fetch then replaces it). */
export function readCachedKeys(
  dir: string,
  issuer: string,
  files: KeyFiles,
  problems: string[] = [],
): CachedKeys | undefined {
  try {
    const bytes = files.read(cacheFile(dir, issuer));
    if (bytes === null) return undefined;
    const e = parseCacheFile(bytes.toString('utf8'), cacheFile(dir, issuer)).entries.get(issuer);
    if (!e) return undefined;
    const t = (e.extra.tokenmap ?? {}) as Record<string, unknown>;
    const fetchedAt = num(t.fetched_at);
    const refreshAt = num(e.extra.next_update);
    if (fetchedAt === undefined || refreshAt === undefined) return undefined;
    return {
      jwks: e.jwks,
      expiration: e.expiration,
      refreshAt,
      fetchedAt,
      refetchedAt: num(t.refetched_at),
      failedUntil: num(t.failed_until),
      error: typeof t.error === 'string' ? t.error : undefined,
      url: typeof t.url === 'string' ? t.url : undefined,
    };
  } catch (e) {
    if (e instanceof UnsafeKeyFile) problems.push(`key cache ${e.message}; treated as a miss`);
    return undefined;
  }
}

export function writeCachedKeys(dir: string, issuer: string, keys: CachedKeys, files: KeyFiles): void {
  const { jwks, expiration, refreshAt, fetchedAt, refetchedAt, failedUntil, error, url } = keys;
  const tokenmap = {
    fetched_at: fetchedAt,
    refetched_at: refetchedAt,
    failed_until: failedUntil,
    error,
    url,
  };
  files.replace(
    cacheFile(dir, issuer),
    serialiseCacheFile(issuer, { expiration, jwks, extra: { next_update: refreshAt, tokenmap } }),
  );
}
