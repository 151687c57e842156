/**
 * What identifies a leaseholder (`key =` of a pool): by default `iss sub`, the pair WLCG makes unique and
 * never reassigned. `subject` is ARC's `%D` string `<iss>/<sub>`, all ARC 6 hands over (ARC's own
 * map_to_pool keys its leases on it); `voperson_id` is EGI's persistent identifier.
 */
import type { Claims } from '../claims/claims.js';

export const KEY_FIELDS = ['iss', 'sub', 'voperson_id', 'subject'] as const;
export type KeyField = (typeof KEY_FIELDS)[number];
export const DEFAULT_KEY: readonly KeyField[] = ['iss', 'sub'];

export function parseKey(value: string | undefined): { key: KeyField[] } | { problem: string } {
  if (value === undefined) return { key: [...DEFAULT_KEY] };
  const words = value.split(/\s+/).filter(Boolean);
  const bad = words.find((w) => !(KEY_FIELDS as readonly string[]).includes(w));
  if (bad !== undefined || words.length === 0)
    return { problem: `key: ${JSON.stringify(bad ?? value)} is not one of ${KEY_FIELDS.join(', ')}` };
  if (new Set(words).size !== words.length) return { problem: `key: a field is listed twice (${value})` };
  return { key: words as KeyField[] };
}

const valueOf = (c: Claims, f: KeyField): string | undefined =>
  f === 'iss' ? c.iss : f === 'sub' ? c.sub : f === 'voperson_id' ? c.vopersonId : c.arcSubject;

/** The key's values for these claims, or the fields the token does not carry. */
export function keyValues(key: readonly KeyField[], c: Claims): { values: string[] } | { missing: KeyField[] } {
  const missing = key.filter((f) => valueOf(c, f) === undefined);
  if (missing.length) return { missing };
  return { values: key.map((f) => valueOf(c, f) as string) };
}
