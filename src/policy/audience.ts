/**
 * Audience acceptance (shared/spec/tokens.md §8): any `aud` element exactly equal to an accepted value;
 * the "any" values only for their own profile and only where enabled; a missing audience only where the
 * rule or the site says so.
 */
import type { Claims } from '../claims/claims.js';
import { hasAudience } from '../claims/claims-index.js';
import { profileOf } from '../claims/validate.js';

export const WLCG_ANY = 'https://wlcg.cern.ch/jwt/v1/any';
export const SCITOKENS_ANY = 'ANY';

export interface AudiencePolicy {
  accept: readonly string[];
  wlcgAny: boolean;
  scitokensAny: boolean;
  missingOk: boolean;
}

/** null when accepted, else why not, naming `by` (this rule, the site audience policy) as the one refusing. */
export function audienceRefusal(c: Claims, p: AudiencePolicy, by: string): string | null {
  if (!c.audPresent) return p.missingOk ? null : `the token has no audience (aud), which ${by} does not accept`;
  if (p.accept.some((a) => hasAudience(c, a))) return null;
  const known = profileOf(c);
  const profile = 'profile' in known ? known.profile : 'none';
  if (p.wlcgAny && profile === 'wlcg' && hasAudience(c, WLCG_ANY)) return null;
  if (p.scitokensAny && profile === 'scitokens:2.0' && hasAudience(c, SCITOKENS_ANY)) return null;
  if (p.accept.length === 0 && !p.wlcgAny && !p.scitokensAny) return `${by} accepts no audience (none is configured)`;
  return `audience ${JSON.stringify(c.aud)} is not one ${by} accepts (${JSON.stringify(p.accept)})`;
}
