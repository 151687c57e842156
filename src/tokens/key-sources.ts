/**
 * Finding an issuer's key by `kid` in the sources of shared/spec/tokens.md §12.3, in order: keys pinned in
 * the configuration, the WLCG system JWKS cache, tokenmap's own cache, and OpenID discovery over HTTPS.
 * Pinned keys are authoritative for their issuer (no other source is consulted for it). The other sources
 * fall through on a miss. tokenmap's cache follows the WLCG refresh and expiry bounds, refetches once on
 * an unknown kid at most every `refetchInterval` seconds per issuer (the first fetch of an issuer does not
 * count), and remembers a failed fetch of an issuer with nothing cached for `failureTtl` seconds.
 * Pure apart from the injected files, fetcher and clock.
 */
import { systemErrorText } from '../errors.js';
import { parseStrictJson } from '../claims/strict-json.js';
import { discoverKeys } from './discovery.js';
import type { Fetcher } from './https-get.js';
import { isJwks, type Jwk, type Jwks } from './jwks-cache-file.js';
import { readCachedKeys, writeCachedKeys, cacheFile, type CachedKeys } from './key-cache.js';
import type { KeyFiles } from './key-files.js';
import type { KeySourceKind, VerifyCode } from './verification.js';
import { findInWlcgCache, type CacheLocation } from './wlcg-jwks-cache.js';

export const REFRESH_BOUNDS = [3600, 21600] as const;
export const EXPIRY_BOUNDS = [86400, 345600] as const;

export interface KeySourcesConfig {
  /** issuer -> JWKS file. */
  pinned: ReadonlyMap<string, string>;
  /** null: the WLCG system JWKS cache is not read. */
  wlcgLocations: readonly CacheLocation[] | null;
  /** tokenmap's own cache directory; undefined: nothing is remembered between runs. */
  cacheDir?: string;
  /** Seconds; the upper bound for an HTTP max-age as well. */
  refresh: number;
  expiry: number;
  refetchInterval: number;
  failureTtl: number;
}

export interface KeyDeps {
  files: KeyFiles;
  fetcher: Fetcher;
  /** Unix seconds. */
  now: () => number;
}

export type KeyLookup =
  | { found: Jwk; source: KeySourceKind; origin: string; notes: string[] }
  | { missing: Extract<VerifyCode, 'TOKEN_KID_UNKNOWN' | 'KEYS_UNAVAILABLE'>; message: string; notes: string[] };

const byKid = (jwks: Jwks, kid: string) => jwks.keys.find((k) => k.kid === kid);
const when = (t: number) => new Date(t * 1000).toISOString();

export function readJwksFile(path: string, files: KeyFiles): Jwks {
  let bytes: Buffer | null;
  try {
    bytes = files.read(path);
  } catch (e) {
    throw new Error(`cannot read ${path} (${systemErrorText(e)})`);
  }
  if (bytes === null) throw new Error(`cannot read ${path} (ENOENT: no such file or directory)`);
  const v = parseStrictJson(bytes.toString('utf8'), path);
  if (!isJwks(v)) throw new Error(`${path} is not a JWKS (an object with a "keys" array of objects)`);
  return v;
}

interface Fetched {
  keys?: CachedKeys;
  error?: string;
  notes: string[];
}

/** Fetches by discovery and records the outcome in the cache (keys kept on failure until they expire). */
async function fetchAndRecord(
  issuer: string,
  cfg: KeySourcesConfig,
  deps: KeyDeps,
  cached: CachedKeys | undefined,
  refetch: boolean,
): Promise<Fetched> {
  const now = deps.now();
  const usable = cached && cached.expiration > now && cached.jwks.keys.length > 0 ? cached : undefined;
  let next: CachedKeys;
  let error: string | undefined;
  const notes: string[] = [];
  try {
    const d = await discoverKeys(issuer, deps.fetcher);
    notes.push(...d.notes);
    // An empty JWKS must not replace good keys: it is a failed fetch, kept or negatively cached as one.
    if (d.jwks.keys.length === 0) throw new Error(`the issuer publishes no keys (${d.jwksUri})`);
    const [lo] = REFRESH_BOUNDS;
    const refresh = d.maxAge === undefined ? cfg.refresh : Math.min(Math.max(d.maxAge, lo), cfg.refresh);
    next = {
      jwks: d.jwks,
      expiration: now + cfg.expiry,
      refreshAt: now + refresh,
      fetchedAt: now,
      refetchedAt: refetch ? now : usable?.refetchedAt,
      url: d.jwksUri,
    };
  } catch (e) {
    error = (e as Error).message;
    // A failed refresh is retried after fetch_failure_ttl, not on every run (an issuer that hangs would
    // cost each decision the whole fetch_timeout); the cached keys serve until they expire.
    next = usable
      ? { ...usable, refreshAt: now + cfg.failureTtl, refetchedAt: refetch ? now : usable.refetchedAt, error }
      : { jwks: { keys: [] }, expiration: 0, refreshAt: 0, fetchedAt: 0, failedUntil: now + cfg.failureTtl, error };
  }
  if (cfg.cacheDir !== undefined)
    try {
      writeCachedKeys(cfg.cacheDir, issuer, next, deps.files);
    } catch (e) {
      notes.push(`key cache ${cacheFile(cfg.cacheDir, issuer)} not written (${systemErrorText(e)})`);
    }
  return { keys: next.jwks.keys.length ? next : undefined, error, notes };
}

/** The key cache and the network (sources 3 and 4). */
async function cachedOrFetched(issuer: string, kid: string, cfg: KeySourcesConfig, deps: KeyDeps): Promise<KeyLookup> {
  const now = deps.now();
  const notes: string[] = [];
  const cached = cfg.cacheDir === undefined ? undefined : readCachedKeys(cfg.cacheDir, issuer, deps.files, notes);
  const origin = cfg.cacheDir === undefined ? '' : cacheFile(cfg.cacheDir, issuer);
  const usable = cached && cached.expiration > now && cached.jwks.keys.length > 0 ? cached : undefined;
  if (!usable) {
    if (cached?.failedUntil !== undefined && cached.failedUntil > now)
      return {
        missing: 'KEYS_UNAVAILABLE',
        message:
          `keys of ${issuer} could not be fetched (${cached.error ?? 'error'}); ` +
          `not retried before ${when(cached.failedUntil)} (negative cache ${origin})`,
        notes,
      };
    const f = await fetchAndRecord(issuer, cfg, deps, cached, false);
    notes.push(...f.notes);
    if (!f.keys) return { missing: 'KEYS_UNAVAILABLE', message: `keys of ${issuer}: ${f.error}`, notes };
    const key = byKid(f.keys.jwks, kid);
    if (key) return { found: key, source: 'discovery', origin: f.keys.url ?? issuer, notes };
    return {
      missing: 'TOKEN_KID_UNKNOWN',
      message:
        `kid ${JSON.stringify(kid)} is not among the ${f.keys.jwks.keys.length} keys ${issuer} publishes ` +
        `(${f.keys.url})`,
      notes,
    };
  }
  let keys = usable;
  let source: KeySourceKind = 'cache';
  if (now >= usable.refreshAt) {
    const f = await fetchAndRecord(issuer, cfg, deps, usable, false);
    notes.push(...f.notes);
    if (f.error)
      notes.push(
        `refresh of the keys of ${issuer} failed (${f.error}); cached keys used until ${when(usable.expiration)}`,
      );
    else if (f.keys) [keys, source] = [f.keys, 'discovery'];
  }
  const key = byKid(keys.jwks, kid);
  if (key) return { found: key, source, origin: source === 'cache' ? origin : (keys.url ?? issuer), notes };
  const last = keys.refetchedAt;
  if (source === 'discovery' || (last !== undefined && now < last + cfg.refetchInterval))
    return {
      missing: 'TOKEN_KID_UNKNOWN',
      message:
        `kid ${JSON.stringify(kid)} is not among the keys of ${issuer}` +
        (source === 'discovery'
          ? ' (just fetched)'
          : ` (cached ${origin}; refetch rate-limited: last at ${when(last as number)}, ` +
            `next allowed at ${when((last as number) + cfg.refetchInterval)})`),
      notes,
    };
  const f = await fetchAndRecord(issuer, cfg, deps, keys, true);
  notes.push(...f.notes);
  const again = f.keys && !f.error ? byKid(f.keys.jwks, kid) : undefined;
  if (again && f.keys) return { found: again, source: 'discovery', origin: f.keys.url ?? issuer, notes };
  return {
    missing: 'TOKEN_KID_UNKNOWN',
    message:
      `kid ${JSON.stringify(kid)} is not among the keys of ${issuer}, even after a refetch` +
      (f.error ? ` (the refetch failed: ${f.error})` : ''),
    notes,
  };
}

export async function findKey(issuer: string, kid: string, cfg: KeySourcesConfig, deps: KeyDeps): Promise<KeyLookup> {
  const pinnedFile = cfg.pinned.get(issuer);
  if (pinnedFile !== undefined) {
    let jwks: Jwks;
    try {
      jwks = readJwksFile(pinnedFile, deps.files);
    } catch (e) {
      return { missing: 'KEYS_UNAVAILABLE', message: `pinned keys of ${issuer}: ${(e as Error).message}`, notes: [] };
    }
    const key = byKid(jwks, kid);
    return key
      ? { found: key, source: 'pinned', origin: pinnedFile, notes: [] }
      : {
          missing: 'TOKEN_KID_UNKNOWN',
          message:
            `kid ${JSON.stringify(kid)} is not among the keys pinned for ${issuer} in ${pinnedFile} ` +
            '(pinned keys are the only ones used for it)',
          notes: [],
        };
  }
  const notes: string[] = [];
  if (cfg.wlcgLocations) {
    const hit = findInWlcgCache(issuer, cfg.wlcgLocations, deps.files, deps.now(), notes);
    const key = hit && byKid(hit.entry.jwks, kid);
    if (hit && key) return { found: key, source: 'wlcg-jwks-cache', origin: hit.file, notes };
    if (hit) notes.push(`kid ${JSON.stringify(kid)} is not in the WLCG JWKS cache entry ${hit.file}`);
  }
  const r = await cachedOrFetched(issuer, kid, cfg, deps);
  return { ...r, notes: [...notes, ...r.notes] };
}

/** `tokenmap keys fetch`: fetch now, whatever the cache says, and record the outcome. */
export async function fetchIssuerKeys(
  issuer: string,
  cfg: KeySourcesConfig,
  deps: KeyDeps,
): Promise<{ keys?: CachedKeys; error?: string; notes: string[] }> {
  const cached = cfg.cacheDir === undefined ? undefined : readCachedKeys(cfg.cacheDir, issuer, deps.files);
  return fetchAndRecord(issuer, cfg, deps, cached, false);
}
