/**
 * Lookup tables of one token's lists, for policy matching: a rule's list is tested against the token's by
 * lookups, not by scanning the token's list once for each element of the rule's. The scans made a match
 * cost (rule list x token list) for every candidate rule: 64 rules of 11,000 groups against a 64 KiB token
 * took 96 s (review of a0ae6fe). Built once per Claims value (they are frozen), on first use.
 */
import type { Claims } from './claims.js';
import type { Entitlement } from './entitlement.js';
import { recentMemo } from './recent-memo.js';

/** The position in the token's entitlements of the first one with a canonical URN, and with URN + authority. */
interface EntitlementTable {
  byUrn: Map<string, number>;
  byUrnAndAuthority: Map<string, number>;
}

interface ClaimsIndex {
  aud: ReadonlySet<string>;
  groups: ReadonlySet<string>;
  validatorScopes: ReadonlySet<string>;
  /** The first entitlement with each raw value. */
  byRaw: ReadonlyMap<string, Entitlement>;
  /** Over every entitlement, and over the asserted ones only (not derived from scope items). */
  all: EntitlementTable;
  asserted: EntitlementTable;
}

// The canonical URN holds no NUL (it is the part before `#` of a parsed claim value), so the key is unique.
const urnAndAuthority = (e: Entitlement) => `${e.canonical}\0${e.authority}`;

function table(list: readonly Entitlement[], keep: (e: Entitlement) => boolean): EntitlementTable {
  const t: EntitlementTable = { byUrn: new Map(), byUrnAndAuthority: new Map() };
  list.forEach((e, i) => {
    if (!keep(e)) return;
    if (!t.byUrn.has(e.canonical)) t.byUrn.set(e.canonical, i);
    const k = urnAndAuthority(e);
    if (!t.byUrnAndAuthority.has(k)) t.byUrnAndAuthority.set(k, i);
  });
  return t;
}

const indexOf = recentMemo((c: Claims): ClaimsIndex => {
  const byRaw = new Map<string, Entitlement>();
  for (const e of c.entitlements) if (!byRaw.has(e.raw)) byRaw.set(e.raw, e);
  return {
    aud: new Set(c.aud),
    groups: new Set(c.groups),
    validatorScopes: new Set(c.validatorScopes),
    byRaw,
    all: table(c.entitlements, () => true),
    asserted: table(c.entitlements, (e) => !e.fromScope),
  };
});

export const hasAudience = (c: Claims, aud: string): boolean => indexOf(c).aud.has(aud);
export const hasGroup = (c: Claims, group: string): boolean => indexOf(c).groups.has(group);
export const hasValidatorScope = (c: Claims, scope: string): boolean => indexOf(c).validatorScopes.has(scope);
export const entitlementByRaw = (c: Claims, raw: string): Entitlement | undefined => indexOf(c).byRaw.get(raw);

/**
 * The first of the token's entitlements, in the token's order, equal to one of `wanted` (sameEntitlement:
 * the canonical URN, and the authority too when `compareAuthority`); only asserted ones unless
 * `fromScopeToo`.
 */
export function firstEqualEntitlement(
  c: Claims,
  wanted: readonly Entitlement[],
  compareAuthority: boolean,
  fromScopeToo: boolean,
): Entitlement | undefined {
  const t = fromScopeToo ? indexOf(c).all : indexOf(c).asserted;
  let first = Infinity;
  for (const w of wanted) {
    const at = compareAuthority ? t.byUrnAndAuthority.get(urnAndAuthority(w)) : t.byUrn.get(w.canonical);
    if (at !== undefined && at < first) first = at;
  }
  return c.entitlements[first];
}
