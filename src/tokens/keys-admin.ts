/**
 * `tokenmap keys fetch|show`: pre-seed tokenmap's key cache (for CEs without outbound HTTPS at
 * authentication time, or to see a TLS problem before a user does) and show, issuer by issuer, what each
 * key source holds, in the order verification consults them.
 */
import { issuerFileName } from './jwks-cache-file.js';
import { readCachedKeys, cacheFile } from './key-cache.js';
import { fetchIssuerKeys, readJwksFile } from './key-sources.js';
import type { Jwks } from './jwks-cache-file.js';
import type { TokenSettings } from './settings.js';
import { keyDeps, keySources, type VerifierDeps } from './verifier.js';
import { findInWlcgCache } from './wlcg-jwks-cache.js';

const when = (t: number) => new Date(t * 1000).toISOString();

export function describeKeys(jwks: Jwks): string {
  if (!jwks.keys.length) return 'no keys';
  return jwks.keys
    .map((k) => `${typeof k.kid === 'string' ? k.kid : '(no kid)'} ${String(k.kty)}${k.crv ? ' ' + String(k.crv) : ''}`)
    .join(', ');
}

export interface AdminReport {
  lines: string[];
  failed: number;
}

function issuersOf(s: TokenSettings, asked: readonly string[]): { issuers: string[]; lines: string[] } {
  const lines: string[] = [];
  for (const i of asked)
    if (!s.trust.includes(i)) lines.push(`${i}: not on the trust list ([tokens] trust[]); skipped`);
  return { issuers: asked.length ? asked.filter((i) => s.trust.includes(i)) : s.trust, lines };
}

export async function fetchKeys(s: TokenSettings, asked: readonly string[], deps: VerifierDeps): Promise<AdminReport> {
  const { issuers, lines } = issuersOf(s, asked);
  let failed = asked.filter((i) => !s.trust.includes(i)).length;
  const cfg = keySources(s, deps);
  const kd = keyDeps(s, deps);
  for (const issuer of issuers) {
    if (s.pinned.has(issuer)) {
      lines.push(`${issuer}: keys pinned in ${s.pinned.get(issuer)}; not fetched`);
      continue;
    }
    const r = await fetchIssuerKeys(issuer, cfg, kd);
    lines.push(...r.notes.map((n) => `${issuer}: note: ${n}`));
    if (r.error) {
      failed++;
      lines.push(`${issuer}: fetch failed: ${r.error}`);
    } else if (r.keys)
      lines.push(
        `${issuer}: ${describeKeys(r.keys.jwks)} from ${r.keys.url}` +
          (cfg.cacheDir
            ? ` -> ${cacheFile(cfg.cacheDir, issuer)} (refresh ${when(r.keys.refreshAt)})`
            : ' (no key_cache: not kept)'),
      );
  }
  return { lines, failed };
}

export function showKeys(s: TokenSettings, asked: readonly string[], deps: VerifierDeps): AdminReport {
  const { issuers, lines } = issuersOf(s, asked);
  const cfg = keySources(s, deps);
  const { files, now } = keyDeps(s, deps);
  const t = now();
  if (!issuers.length) lines.push('no trusted issuers ([tokens] trust[] and jwks[] are empty)');
  for (const issuer of issuers) {
    lines.push(`${issuer}  (file name ${issuerFileName(issuer)})`);
    const pinned = s.pinned.get(issuer);
    if (pinned !== undefined) {
      let what: string;
      try {
        what = describeKeys(readJwksFile(pinned, files));
      } catch (e) {
        what = `unusable: ${(e as Error).message}`;
      }
      lines.push(`  1 pinned            ${pinned}: ${what} (the only source used for this issuer)`);
      continue;
    }
    lines.push('  1 pinned            none');
    const problems: string[] = [];
    const hit = cfg.wlcgLocations ? findInWlcgCache(issuer, cfg.wlcgLocations, files, t, problems) : undefined;
    const wlcg =
      cfg.wlcgLocations === null
        ? 'not read (system_jwks_cache = no)'
        : hit
          ? `${hit.file}: ${describeKeys(hit.entry.jwks)}, until ${when(hit.entry.expiration)}`
          : 'no unexpired entry';
    lines.push(`  2 WLCG JWKS cache   ${wlcg}`, ...problems.map((p) => `                      ${p}`));
    const c = cfg.cacheDir === undefined ? undefined : readCachedKeys(cfg.cacheDir, issuer, files);
    let own: string;
    if (cfg.cacheDir === undefined) own = 'none configured ([tokens] key_cache)';
    else if (!c) own = `${cacheFile(cfg.cacheDir, issuer)}: empty`;
    else if (!c.jwks.keys.length)
      own =
        `${cacheFile(cfg.cacheDir, issuer)}: fetch failed (${c.error ?? 'error'})` +
        (c.failedUntil && c.failedUntil > t ? `, not retried before ${when(c.failedUntil)}` : '');
    else
      own =
        `${cacheFile(cfg.cacheDir, issuer)}: ${describeKeys(c.jwks)} from ${c.url ?? '?'}, ` +
        `fetched ${when(c.fetchedAt)}, ` +
        `refresh ${when(c.refreshAt)}, ${c.expiration > t ? 'expires' : 'EXPIRED'} ${when(c.expiration)}` +
        (c.refetchedAt ? `, last kid refetch ${when(c.refetchedAt)}` : '') +
        (c.error ? `, last refresh failed: ${c.error}` : '');
    lines.push(
      `  3 tokenmap cache    ${own}`,
      `  4 discovery         ${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`,
    );
  }
  return { lines, failed: 0 };
}
