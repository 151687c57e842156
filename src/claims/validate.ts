/**
 * Token-level checks of shared/spec/tokens.md §4-§6 and §9 on a claims set: profile and version claims,
 * time (no leeway at `exp`; a skew for `nbf` and `iat`), storage scopes without a path. A failed check
 * rejects the token (a clean "not mapped", exit 1); notes are shown by `explain`. Pure: `now` is passed in.
 */
import { formatDuration } from '../duration.js';
import type { Claims } from './claims.js';
import { classifyScope } from './scope.js';

export type Profile = 'wlcg' | 'scitokens:1.0' | 'scitokens:2.0' | 'none';

export interface TokenCheckOptions {
  /** Unix seconds. */
  now: number;
  /** Seconds of clock skew allowed for `nbf` and `iat` (never for `exp`). */
  skew: number;
}

export interface TokenCheck {
  profile: Profile | 'rejected';
  rejections: string[];
  notes: string[];
}

const SIX_HOURS = 6 * 3600;

export function profileOf(c: Claims): { profile: Profile } | { rejection: string } {
  if (c.ver !== undefined) {
    if (c.ver === 'scitoken:2.0' || c.ver === 'scitokens:2.0') return { profile: 'scitokens:2.0' };
    if (c.ver === 'scitokens:1.0') return { profile: 'scitokens:1.0' };
    return { rejection: `unsupported token version ver=${JSON.stringify(c.ver)}` };
  }
  if (c.wlcgVer !== undefined) {
    const m = /^([0-9]+)\.([0-9]+)$/.exec(c.wlcgVer);
    if (!m) return { rejection: `wlcg.ver ${JSON.stringify(c.wlcgVer)} is not <major>.<minor>` };
    if (m[1] !== '1') return { rejection: `unsupported WLCG profile major version ${m[1]} (wlcg.ver ${c.wlcgVer})` };
    return { profile: 'wlcg' };
  }
  return { profile: 'none' };
}

export function checkToken(c: Claims, opts: TokenCheckOptions): TokenCheck {
  const rejections: string[] = [];
  const notes: string[] = [];
  const p = profileOf(c);
  const profile = 'profile' in p ? p.profile : 'rejected';
  if ('rejection' in p) rejections.push(p.rejection);
  if (c.wlcgVer && /^1\.([1-9]\d*)$/.test(c.wlcgVer))
    notes.push(`wlcg.ver ${c.wlcgVer}: a newer minor version, accepted (scitokens-cpp and dCache accept only "1.0")`);
  if ((profile === 'wlcg' || profile === 'scitokens:2.0') && !c.audPresent)
    rejections.push(`a ${profile} token must carry an audience (aud)`);
  if (!c.sub) rejections.push('the token has no subject (sub); HTCondor rejects such tokens');
  if (profile === 'wlcg' && !c.jti) rejections.push('a WLCG token must carry jti');
  if (c.hasTimes) {
    const { now, skew } = opts;
    if (c.exp === undefined) rejections.push('the token has no expiry (exp)');
    else if (now >= c.exp) rejections.push(`the token expired ${formatDuration(now - c.exp)} ago (exp ${c.exp})`);
    if (c.nbf !== undefined && c.nbf > now + skew)
      rejections.push(
        `the token is not valid before ${c.nbf} (${formatDuration(c.nbf - now)} from now, ` +
          `skew ${formatDuration(skew)})`,
      );
    if (c.iat !== undefined && c.iat > now + skew)
      rejections.push(
        `the token was issued in the future (iat ${c.iat}, ${formatDuration(c.iat - now)} from now, ` +
          `skew ${formatDuration(skew)})`,
      );
    if (c.iat === undefined && profile === 'wlcg') rejections.push('a WLCG token must carry iat');
    if (profile === 'wlcg' && c.exp !== undefined && c.iat !== undefined && c.exp - c.iat > SIX_HOURS)
      notes.push(`lifetime ${formatDuration(c.exp - c.iat)} exceeds the WLCG profile's 6 h maximum`);
  } else {
    // ARC 7 (and HTCondor's environment) export no numeric claims: nothing to refuse, nothing checked.
    notes.push(
      'exp, nbf and iat were not checked by tokenmap: the environment carries no numeric claims (ARC 7 passes ' +
        'none); the CE checks them (A-REX: exp and nbf when present, with no leeway; never iat)',
    );
  }
  for (const s of c.scopes) {
    const item = classifyScope(s);
    if (item.kind !== 'storage') continue;
    if (item.invalid) notes.push(`scope ${JSON.stringify(s)} grants nothing: ${item.invalid}`);
    else if (item.path === null && profile === 'wlcg')
      rejections.push(`storage scope ${JSON.stringify(s)} has no path (required by the WLCG profile)`);
  }
  for (const g of c.ignoredGroups)
    notes.push(`wlcg.groups entry ${JSON.stringify(g)} breaks the group grammar and is ignored`);
  return { profile, rejections, notes };
}
