/** A token's validity in time, as explain shows it: `valid, expires in 3 h`, `expired 2 min ago`. */
import type { Claims } from './claims.js';

function duration(s: number): string {
  const a = Math.abs(Math.round(s));
  if (a < 120) return `${a} s`;
  if (a < 7200) return `${Math.round(a / 60)} min`;
  if (a < 172800) return `${Math.round(a / 3600)} h`;
  return `${Math.round(a / 86400)} d`;
}

/** `now` in Unix seconds. */
export function tokenState(c: Claims, now: number): string {
  if (!c.hasTimes) return 'not checked by tokenmap (the CE passed no time claims)';
  if (c.nbf !== undefined && c.nbf > now) return `not yet valid (valid in ${duration(c.nbf - now)})`;
  if (c.exp === undefined) return 'no expiry (exp missing)';
  return now >= c.exp ? `expired ${duration(now - c.exp)} ago` : `valid, expires in ${duration(c.exp - now)}`;
}
