/**
 * The whole claims set an evaluation saw, as `explain --json` shows it (schemas/decision.schema.json
 * `claims`): every normalised field the rules read, and the claims as the input carried them (`raw`).
 */
import type { Claims } from './claims.js';

export interface ClaimsJson {
  iss?: string;
  sub?: string;
  arc_subject?: string;
  aud: string[];
  scope?: string;
  scopes: string[];
  groups: string[];
  ignored_groups: string[];
  entitlements: { value: string; claim: string; requested_by_scope: boolean }[];
  voperson_id?: string;
  jti?: string;
  exp?: number;
  nbf?: number;
  iat?: number;
  wlcg_ver?: string;
  ver?: string;
  /** Whether the input carried time claims (an environment carries none). */
  times: boolean;
  raw: Record<string, unknown>;
}

export function claimsJson(c: Claims): ClaimsJson {
  return {
    iss: c.iss,
    sub: c.sub,
    arc_subject: c.arcSubject,
    aud: [...c.aud],
    scope: c.scope,
    scopes: [...c.scopes],
    groups: [...c.groups],
    ignored_groups: [...c.ignoredGroups],
    entitlements: c.entitlements.map((e) => ({ value: e.raw, claim: e.claim, requested_by_scope: e.fromScope })),
    voperson_id: c.vopersonId,
    jti: c.jti,
    exp: c.exp,
    nbf: c.nbf,
    iat: c.iat,
    wlcg_ver: c.wlcgVer,
    ver: c.ver,
    times: c.hasTimes,
    raw: { ...c.raw },
  };
}
