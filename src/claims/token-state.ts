/**
 * A token's validity in time, as data (`explain --json`: exp, seconds left) and as the line explain shows
 * (`valid, expires in 2 h 14 min`, `expired 3 d ago`). Both come from one reading of the times.
 */
import type { Claims } from './claims.js';
import { formatDuration } from '../duration.js';

export type Validity = 'valid' | 'expired' | 'not-yet-valid' | 'no-expiry' | 'unchecked';

export interface TokenTimes {
  validity: Validity;
  /** The time evaluated at (Unix seconds). */
  at: number;
  exp?: number;
  nbf?: number;
  iat?: number;
  /** Whole seconds from `at` to exp (rounded down): 0 or less once expired. */
  secondsLeft?: number;
  /** Whole seconds from `at` to nbf (rounded up), while the token is not yet valid. */
  validIn?: number;
}

/** `now` in Unix seconds. */
export function tokenTimes(c: Claims, now: number): TokenTimes {
  const times = { at: now, exp: c.exp, nbf: c.nbf, iat: c.iat };
  if (!c.hasTimes) return { validity: 'unchecked', at: now };
  const secondsLeft = c.exp === undefined ? undefined : Math.floor(c.exp - now);
  if (c.nbf !== undefined && c.nbf > now)
    return { validity: 'not-yet-valid', ...times, secondsLeft, validIn: Math.ceil(c.nbf - now) };
  if (c.exp === undefined) return { validity: 'no-expiry', ...times };
  return { validity: now >= c.exp ? 'expired' : 'valid', ...times, secondsLeft };
}

export function tokenState(c: Claims, now: number): string {
  const t = tokenTimes(c, now);
  switch (t.validity) {
    case 'unchecked':
      return 'not checked by tokenmap (the CE passed no time claims)';
    case 'not-yet-valid':
      return `not yet valid (valid in ${formatDuration((c.nbf as number) - now)})`;
    case 'no-expiry':
      return 'no expiry (exp missing)';
    case 'expired':
      return `expired ${formatDuration(now - (c.exp as number))} ago`;
    case 'valid':
      return `valid, expires in ${formatDuration((c.exp as number) - now)}`;
  }
}
