/**
 * Claims: one normalised, immutable model of what a token asserts, whatever the CE handed over. Every
 * input adapter (from-payload, from-env, from-subject, from-jwt) produces it or throws ClaimsInvalid;
 * nothing downstream reads raw JSON or the environment again.
 */
import { TokenmapError } from '../errors.js';
import { parseEntitlement, type Entitlement } from './entitlement.js';
import { splitScope } from './scope.js';

export type ClaimsSource = 'payload' | 'env-htcondor' | 'env-arc' | 'subject' | 'jwt' | 'claims-file';

/** One token's claims, normalised, whatever the input was (claims.ts header). */
export interface Claims {
  readonly source: ClaimsSource;
  /** Absent only when all ARC 6 gives is its `%D` subject. */
  readonly iss?: string;
  readonly sub?: string;
  readonly aud: readonly string[];
  readonly audPresent: boolean;
  readonly scope?: string;
  /** `scope` split on spaces (WLCG): the capabilities. */
  readonly scopes: readonly string[];
  /**
   * The scope items check-in-validator sees: the raw string split on runs of whitespace (stdin), or
   * HTCondor's / ARC's SCOPE_<i>.
   */
  readonly validatorScopes: readonly string[];
  /** `wlcg.groups` entries that follow the profile grammar, in order. */
  readonly groups: readonly string[];
  /** `wlcg.groups` entries ignored because they break the grammar. */
  readonly ignoredGroups: readonly string[];
  /**
   * From `eduperson_entitlement` and `entitlements` (its new name at EGI Check-in and INDIGO IAM), or
   * derived from scope items when both are absent or empty.
   */
  readonly entitlements: readonly Entitlement[];
  readonly vopersonId?: string;
  /** check-in-validator's unique id: `voperson_id` when that claim exists, else `sub`. */
  readonly uniqueId?: string;
  readonly jti?: string;
  readonly exp?: number;
  readonly nbf?: number;
  readonly iat?: number;
  readonly wlcgVer?: string;
  readonly ver?: string;
  /** ARC's identity string `<iss>/<sub>` (`%D`, X509_SUBJECT_NAME); never split. */
  readonly arcSubject?: string;
  /** Time claims could be read (not in environment mode). */
  readonly hasTimes: boolean;
  readonly raw: Readonly<Record<string, unknown>>;
}

export class ClaimsInvalid extends TokenmapError {
  constructor(message: string) {
    super('CLAIMS_INVALID', message);
  }
}

const GROUP = /^(\/[a-zA-Z0-9][a-zA-Z0-9_.-]*)+$/;
const ENTITLEMENT_SCOPE = /^(eduperson_entitlement|eduperson_entitlement_jwt|entitlements|entitlements_jwt):(.+)$/;

/** The typed fields every adapter extracts before assembly. */
export interface ClaimFields {
  iss?: string;
  sub?: string;
  aud?: string[];
  scope?: string;
  validatorScopes?: string[];
  groups?: string[];
  /** `eduperson_entitlement`. */
  entitlements?: string[];
  /** `entitlements`, the claim's new name. */
  entitlementsClaim?: string[];
  vopersonId?: string;
  jti?: string;
  exp?: number;
  nbf?: number;
  iat?: number;
  wlcgVer?: string;
  ver?: string;
  arcSubject?: string;
}

export function assembleClaims(
  f: ClaimFields,
  source: ClaimsSource,
  raw: Record<string, unknown>,
  hasTimes: boolean,
): Claims {
  // An empty issuer names nobody: no rule can be meant for it, and a decline would let the next plugin try.
  if (f.iss === '') throw new ClaimsInvalid('the token has an empty iss');
  const scopes = f.scope === undefined ? [] : splitScope(f.scope);
  const validatorScopes = f.validatorScopes ?? (f.scope === undefined ? [] : f.scope.split(/\s+/).filter(Boolean));
  // The first of each raw value, in order; a Set, not a search per value (quadratic in a long claim).
  const seen = new Set<string>();
  const asserted = [
    ...(f.entitlements ?? []).map((e) => parseEntitlement(e, 'eduperson_entitlement')),
    ...(f.entitlementsClaim ?? []).map((e) => parseEntitlement(e, 'entitlements')),
  ].filter((e) => !seen.has(e.raw) && Boolean(seen.add(e.raw)));
  // HTCondor's CLAIM_scope_0 (the string) and SCOPE_<i> (its pieces) must give the same entitlements.
  const scopeItems = [...new Set([...scopes, ...validatorScopes])];
  const entitlements =
    asserted.length > 0
      ? asserted
      : scopeItems.flatMap((s) => {
          const m = ENTITLEMENT_SCOPE.exec(s);
          return m ? [parseEntitlement(m[2] as string, 'scope')] : [];
        });
  const groups = f.groups ?? [];
  const arcSubject = f.arcSubject ?? (f.iss !== undefined && f.sub !== undefined ? `${f.iss}/${f.sub}` : undefined);
  return Object.freeze({
    source,
    iss: f.iss,
    sub: f.sub,
    aud: Object.freeze(f.aud ?? []),
    audPresent: f.aud !== undefined && f.aud.length > 0,
    scope: f.scope,
    scopes: Object.freeze(scopes),
    validatorScopes: Object.freeze(validatorScopes),
    groups: Object.freeze(groups.filter((g) => GROUP.test(g))),
    ignoredGroups: Object.freeze(groups.filter((g) => !GROUP.test(g))),
    entitlements: Object.freeze(entitlements),
    vopersonId: f.vopersonId,
    uniqueId: f.vopersonId ?? f.sub,
    jti: f.jti,
    exp: f.exp,
    nbf: f.nbf,
    iat: f.iat,
    wlcgVer: f.wlcgVer,
    ver: f.ver,
    arcSubject,
    hasTimes,
    raw: Object.freeze(raw),
  });
}
