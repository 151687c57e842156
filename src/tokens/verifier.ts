/**
 * Verification wired to the site: the [tokens] settings and the [audience] policy become a VerifyPolicy,
 * and the key sources get the real files, HTTPS fetcher and clock. `deps` may replace any of those.
 */
import type { Fetcher } from './https-get.js';
import { httpsFetcher } from './https-get.js';
import { nodeKeyFiles, type KeyFiles } from './key-files.js';
import { findKey, type KeySourcesConfig } from './key-sources.js';
import type { TokenSettings } from './settings.js';
import { trustAnchors } from './trust-anchors.js';
import type { Verification } from './verification.js';
import { verifyToken, type VerifyPolicy } from './verify.js';
import { wlcgCacheLocations } from './wlcg-jwks-cache.js';

export interface SiteAudience {
  accept: readonly string[];
  wlcgAny: boolean;
  scitokensAny: boolean;
  missingOkIssuers: readonly string[];
}

export interface VerifierDeps {
  env: Readonly<Record<string, string | undefined>>;
  /** Unix seconds. */
  now: () => number;
  files?: KeyFiles;
  fetcher?: Fetcher;
  /** Where /etc and /var are; '/' on a host. */
  root?: string;
}

export function keySources(s: TokenSettings, deps: VerifierDeps): KeySourcesConfig {
  return {
    pinned: s.pinned,
    wlcgLocations: s.systemJwksCache ? wlcgCacheLocations(deps.env, deps.root) : null,
    cacheDir: s.keyCache,
    refresh: s.refresh,
    expiry: s.expiry,
    refetchInterval: s.refetchInterval,
    failureTtl: s.failureTtl,
  };
}

export function keyDeps(s: TokenSettings, deps: VerifierDeps) {
  const files = deps.files ?? nodeKeyFiles;
  let fetcher = deps.fetcher;
  // Trust anchors are read only when the network is needed.
  const lazy: Fetcher = (url) => {
    fetcher ??= httpsFetcher({
      ca: trustAnchors(s.ca, files),
      timeoutMs: s.fetchTimeout * 1000,
      maxBytes: s.fetchMaxBytes,
    });
    return fetcher(url);
  };
  return { files, fetcher: lazy, now: deps.now };
}

export function verifyPolicy(s: TokenSettings, audience: SiteAudience): VerifyPolicy {
  return { algorithms: s.algorithms, trusted: new Set(s.trust), skew: s.skew, audience };
}

export function verifyWithSettings(
  token: string,
  s: TokenSettings,
  audience: SiteAudience,
  deps: VerifierDeps,
  at: number,
): Promise<Verification> {
  const sources = keySources(s, deps);
  const kd = keyDeps(s, deps);
  return verifyToken(token, verifyPolicy(s, audience), (iss, kid) => findKey(iss, kid, sources, kd), at);
}
