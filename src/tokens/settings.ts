/**
 * The `[tokens]` section of the site configuration, turned into what verification needs: the trust list,
 * pinned JWKS files, trust anchors, the key cache and its bounds (shared/spec/tokens.md §12). The schema
 * has checked the shapes; this checks the bounds and names the line. No I/O: files are read when keys are
 * needed, so a callout that never verifies pays nothing for them.
 */
import { TokenmapError, type SourcePos } from '../errors.js';

export const DEFAULT_SKEW_S = 60;

export interface TokenSettings {
  /** Payload checks in plugin mode (exp, nbf, versions); false: the CE's checks are trusted alone. */
  check: boolean;
  skew: number;
  trust: string[];
  /** issuer -> JWKS file (absolute). */
  pinned: Map<string, string>;
  ca?: string;
  keyCache?: string;
  systemJwksCache: boolean;
  algorithms: string[];
  refresh: number;
  expiry: number;
  refetchInterval: number;
  failureTtl: number;
  fetchTimeout: number;
  fetchMaxBytes: number;
}

interface Bound {
  key: string;
  dflt: number;
  min: number;
  max: number;
}

const BOUNDS: Record<
  'skew' | 'refresh' | 'expiry' | 'refetchInterval' | 'failureTtl' | 'fetchTimeout' | 'fetchMaxBytes',
  Bound
> = {
  // a typo such as 999999999 would switch the nbf/iat checks off; an hour covers any sane clock drift
  skew: { key: 'skew', dflt: DEFAULT_SKEW_S, min: 0, max: 3600 },
  // WLCG Common JWT Profile v1.3 §4.3.1: refresh 1-6 h, expiry 1-4 d.
  refresh: { key: 'key_refresh', dflt: 21600, min: 3600, max: 21600 },
  expiry: { key: 'key_expiry', dflt: 172800, min: 86400, max: 345600 },
  refetchInterval: { key: 'kid_refetch_interval', dflt: 300, min: 0, max: 86400 },
  failureTtl: { key: 'fetch_failure_ttl', dflt: 60, min: 0, max: 3600 },
  fetchTimeout: { key: 'fetch_timeout', dflt: 5, min: 0.1, max: 60 },
  fetchMaxBytes: { key: 'fetch_max_bytes', dflt: 262144, min: 1024, max: 16777216 },
};

const many = (v: unknown) => (v === undefined ? [] : Array.isArray(v) ? (v as string[]) : [v as string]);
const yes = (v: unknown, dflt: boolean) =>
  v === undefined ? dflt : v === true || v === 'yes' || v === 'on' || v === '1' || v === 'true';

export function defaultTokenSettings(): TokenSettings {
  return tokenSettings(
    {},
    (p) => p,
    () => undefined,
  );
}

/** `abs` resolves a path relative to the configuration file; `at` finds where `/tokens/<key>` was written. */
export function tokenSettings(
  section: Record<string, unknown>,
  abs: (path: string) => string,
  at: (pointer: string) => SourcePos | undefined,
): TokenSettings {
  const bad = (key: string, message: string): never => {
    throw new TokenmapError('CONFIG_INVALID', `[tokens] ${key}: ${message}`, at(`/tokens/${key}`));
  };
  const bounded = (b: Bound) => {
    const v = section[b.key];
    if (v === undefined) return b.dflt;
    if (typeof v !== 'string' || !/^[0-9]+(\.[0-9]+)?$/.test(v)) bad(b.key, `${JSON.stringify(v)} is not a number`);
    const n = Number(v);
    if (!(n >= b.min && n <= b.max)) bad(b.key, `${String(v)} is outside [${b.min}, ${b.max}]`);
    return n;
  };
  const pinned = new Map<string, string>();
  for (const line of many(section.jwks)) {
    const [issuer, file, ...rest] = line.trim().split(/\s+/);
    if (!issuer || !file || rest.length) bad('jwks', `${JSON.stringify(line)} is not "ISSUER FILE"`);
    if (pinned.has(issuer as string)) bad('jwks', `issuer ${JSON.stringify(issuer)} is pinned twice`);
    pinned.set(issuer as string, abs(file as string));
  }
  const algorithms =
    typeof section.algorithms === 'string' ? section.algorithms.split(/[\s,]+/).filter(Boolean) : ['RS256', 'ES256'];
  for (const a of algorithms) if (a !== 'RS256' && a !== 'ES256') bad('algorithms', `${a} is not RS256 or ES256`);
  if (!algorithms.length) bad('algorithms', 'no algorithm left: say RS256, ES256 or both');
  const s = (k: string) => (typeof section[k] === 'string' ? abs(section[k] as string) : undefined);
  return {
    check: yes(section.check, true),
    skew: bounded(BOUNDS.skew),
    trust: [...new Set([...many(section.trust), ...pinned.keys()])],
    pinned,
    ca: s('ca'),
    keyCache: s('key_cache'),
    systemJwksCache: yes(section.system_jwks_cache, true),
    algorithms,
    refresh: bounded(BOUNDS.refresh),
    expiry: bounded(BOUNDS.expiry),
    refetchInterval: bounded(BOUNDS.refetchInterval),
    failureTtl: bounded(BOUNDS.failureTtl),
    fetchTimeout: bounded(BOUNDS.fetchTimeout),
    fetchMaxBytes: bounded(BOUNDS.fetchMaxBytes),
  };
}
