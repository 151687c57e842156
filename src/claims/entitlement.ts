/**
 * AARC-G002 entitlements (`urn:mace:egi.eu:group:<VO>[:<sub>]*[:role=<R>][#<authority>]`), parsed for
 * structured matching and compared by RFC 8141 equivalence: `urn` and the NID are case-insensitive, the
 * rest case-sensitive except the hex digits of percent-encodings. Nothing is ever decoded, and parent
 * groups are never inferred. A value that does not parse stays an opaque literal.
 *
 * The `#authority` is optional (G002's lax form, AARC-G069: `urn:geant:h-df.de:group:aai-admin`); a rule
 * with `authority = *` matches such a value, a rule naming an authority does not. RFC 8141 leaves the r-,
 * q- and f-components (`?+`, `?=`, `#`) out of URN equivalence: the r- and q-components are cut off before
 * comparing and never belong to the group path; the f-component is G002's authority, which tokenmap keeps
 * as a separate field and compares only where the rule says so (compare_authority, on by default; G027
 * capabilities never count it).
 */
export type EntitlementClaim = 'eduperson_entitlement' | 'entitlements' | 'scope';

export interface ParsedEntitlement {
  /** Canonical namespace, e.g. `urn:mace:egi.eu`. */
  namespace: string;
  /** The group path, VO first (canonical encoding). */
  path: string[];
  /** Role on the rightmost group of the path. */
  role?: string;
  /** '' when the value has no `#authority`. */
  authority: string;
}

export interface Entitlement {
  raw: string;
  /** Canonical form of the URN part (before `#`), for equivalence. */
  canonical: string;
  /** Canonical authority (the part after `#`, the f-component), '' when there is none. */
  authority: string;
  parsed?: ParsedEntitlement;
  /** Derived from an `eduperson_entitlement:` scope item: requested, not asserted. */
  fromScope: boolean;
  /** The claim it came from (EGI Check-in is renaming eduperson_entitlement to entitlements). */
  claim: EntitlementClaim;
}

/** RFC 8141: lower-case `urn:` and the NID; upper-case the hex digits of percent-encodings in the rest. */
export function canonicalUrn(urn: string): string {
  const m = /^(urn):([^:]*)(:.*)?$/i.exec(urn);
  const pct = (s: string) => s.replace(/%[0-9a-fA-F]{2}/g, (x) => x.toUpperCase());
  if (!m) return pct(urn);
  return `urn:${(m[2] as string).toLowerCase()}${pct(m[3] ?? '')}`;
}

/** The URN without its r- and q-components (`?+…`, `?=…`), which RFC 8141 equivalence ignores. */
function withoutRQ(urn: string): string {
  if (!/^urn:/i.test(urn)) return urn;
  const at = urn.search(/\?[+=]/);
  return at < 0 ? urn : urn.slice(0, at);
}

export function parseEntitlement(raw: string, claim: EntitlementClaim = 'eduperson_entitlement'): Entitlement {
  const hash = raw.indexOf('#');
  const urn = withoutRQ(hash < 0 ? raw : raw.slice(0, hash));
  const authority = hash < 0 ? '' : raw.slice(hash + 1).replace(/%[0-9a-fA-F]{2}/g, (x) => x.toUpperCase());
  const canonical = canonicalUrn(urn);
  const e: Entitlement = { raw, canonical, authority, fromScope: claim === 'scope', claim };
  const at = canonical.indexOf(':group:');
  if ((hash >= 0 && !authority) || at < 0 || !canonical.startsWith('urn:')) return e;
  const namespace = canonical.slice(0, at);
  const components = canonical.slice(at + ':group:'.length).split(':');
  let role: string | undefined;
  const last = components[components.length - 1] as string;
  if (last.startsWith('role=')) {
    role = last.slice('role='.length);
    components.pop();
    if (!role) return e;
  }
  if (components.length === 0 || components.some((c) => c === '') || !namespace) return e;
  e.parsed = { namespace, path: components, role, authority };
  return e;
}

/** A structured condition: a group path (VO first), optionally a role, a namespace and an authority. */
export interface EntitlementPattern {
  namespace: string;
  path: string[];
  /** Undefined: any role, or none, on exactly that group. */
  role?: string;
  /** Undefined: any authority. */
  authority?: string;
}

export function matchesPattern(e: Entitlement, p: EntitlementPattern): boolean {
  const x = e.parsed;
  if (!x || x.namespace !== p.namespace || x.path.length !== p.path.length) return false;
  for (let i = 0; i < p.path.length; i++) if (x.path[i] !== p.path[i]) return false;
  if (p.role !== undefined && x.role !== p.role) return false;
  return p.authority === undefined || x.authority === p.authority;
}

/** Full-URN equality by RFC 8141 equivalence; the authority counts unless the rule says it does not. */
export function sameEntitlement(a: Entitlement, b: Entitlement, compareAuthority: boolean): boolean {
  return a.canonical === b.canonical && (!compareAuthority || a.authority === b.authority);
}
