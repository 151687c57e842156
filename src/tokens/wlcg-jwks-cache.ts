/**
 * The WLCG standard system JWKS cache (v1.0; shared/spec/tokens.md §13): a read-only, administrator-managed
 * source of issuer keys for offline hosts and issuer outages. Locations are searched in order and the
 * first one holding an unexpired entry for the issuer wins; a directory holds one file per issuer, named
 * by the SHA-256 of the issuer string. A file that fails to parse is reported and treated as a miss.
 */
import { join } from 'node:path';
import { systemErrorText } from '../errors.js';
import { issuerFileName, parseCacheFile, type CacheEntry } from './jwks-cache-file.js';
import type { KeyFiles } from './key-files.js';

export interface CacheLocation {
  kind: 'dir' | 'file';
  path: string;
}

/** `root` is where /etc and /var are (tests point it at a scratch directory). */
export function wlcgCacheLocations(env: Readonly<Record<string, string | undefined>>, root = '/'): CacheLocation[] {
  const out: CacheLocation[] = [];
  if (env.JWKS_CACHE_DIR) out.push({ kind: 'dir', path: env.JWKS_CACHE_DIR });
  if (env.JWKS_CACHE_FILE) out.push({ kind: 'file', path: env.JWKS_CACHE_FILE });
  for (const dir of ['etc/jwks', 'var/cache/jwks']) {
    out.push({ kind: 'dir', path: join(root, dir) + '/' });
    out.push({ kind: 'file', path: join(root, dir, 'cache.json') });
  }
  return out;
}

export interface WlcgHit {
  entry: CacheEntry;
  /** The file the entry was read from. */
  file: string;
}

/** The first unexpired entry for the issuer; `problems` collects unreadable or broken files on the way. */
export function findInWlcgCache(
  issuer: string,
  locations: readonly CacheLocation[],
  files: KeyFiles,
  now: number,
  problems: string[],
): WlcgHit | undefined {
  for (const loc of locations) {
    const file = loc.kind === 'dir' ? join(loc.path, issuerFileName(issuer)) : loc.path;
    let bytes: Buffer | null;
    try {
      bytes = files.read(file);
    } catch (e) {
      problems.push(`WLCG JWKS cache ${file}: unreadable (${systemErrorText(e)})`);
      continue;
    }
    if (bytes === null) continue;
    let entry: CacheEntry | undefined;
    try {
      const parsed = parseCacheFile(bytes.toString('utf8'), `WLCG JWKS cache ${file}`);
      problems.push(...parsed.problems);
      entry = parsed.entries.get(issuer);
    } catch (e) {
      problems.push(`WLCG JWKS cache ${file}: ${(e as Error).message}; treated as a miss`);
      continue;
    }
    if (entry && entry.expiration > now) return { entry, file };
  }
  return undefined;
}
