/**
 * Claims from the BEARER_TOKEN_0_* environment that HTCondor and ARC 7 set for a plugin
 * (shared/spec/callout-protocols.md §3.5, §4.4). Claims are rebuilt from BEARER_TOKEN_0_CLAIM_<name>_<i>:
 * the index is the last `_<digits>`, so names holding `_`, digits or dots survive; indices are read
 * contiguously from 0. Every claim arrives as a list of strings, so types are checked only as far as
 * that allows, and time claims (numbers) are never there.
 */
import { assembleClaims, ClaimsInvalid, type Claims } from './claims.js';

const PREFIX = 'BEARER_TOKEN_0_';
const CLAIM = /^BEARER_TOKEN_0_CLAIM_(.+)_(\d+)$/;
const SINGLE = ['iss', 'sub', 'jti', 'scope', 'wlcg.ver', 'ver', 'voperson_id'];

type Env = Readonly<Record<string, string | undefined>>;

/** True when the environment carries a token (HTCondor, or ARC 7). */
export const hasTokenEnv = (env: Env) => env[`${PREFIX}ISSUER`] !== undefined;

function indexed(env: Env, prefix: string): string[] | undefined {
  const out: string[] = [];
  for (let i = 0; env[`${prefix}${i}`] !== undefined; i++) out.push(env[`${prefix}${i}`] as string);
  return out.length ? out : undefined;
}

/** Claims from the BEARER_TOKEN_0_* environment HTCondor and ARC 7 set for a plugin. */
export function claimsFromEnv(env: Env): Claims {
  const lists = new Map<string, Map<number, string>>();
  for (const [key, value] of Object.entries(env)) {
    const m = value === undefined ? null : CLAIM.exec(key);
    if (!m) continue;
    const name = m[1] as string;
    let l = lists.get(name);
    if (!l) lists.set(name, (l = new Map()));
    // CLAIM_sub_0 and CLAIM_sub_00 name the same element: which one the CE meant is unknowable.
    if (l.has(Number(m[2])))
      throw new ClaimsInvalid(`two variables give element ${Number(m[2])} of claim ${JSON.stringify(name)} (${key})`);
    l.set(Number(m[2]), value as string);
  }
  const raw: Record<string, unknown> = Object.create(null);
  const list = (name: string): string[] | undefined => {
    const l = lists.get(name);
    if (!l) return undefined;
    const out: string[] = [];
    for (let i = 0; l.has(i); i++) out.push(l.get(i) as string);
    return out.length ? out : undefined;
  };
  for (const name of lists.keys()) {
    const v = list(name);
    if (v) raw[name] = v.length === 1 ? v[0] : v;
  }
  const single = (name: string): string | undefined => {
    const v = list(name);
    if (v && v.length > 1)
      throw new ClaimsInvalid(
        `claim ${JSON.stringify(name)} must be a string, but the environment holds ${v.length} values`,
      );
    return v?.[0];
  };
  for (const name of SINGLE) single(name);
  const iss = env[`${PREFIX}ISSUER`];
  const sub = env[`${PREFIX}SUBJECT`];
  if (iss !== undefined && single('iss') !== undefined && single('iss') !== iss)
    throw new ClaimsInvalid('BEARER_TOKEN_0_ISSUER differs from BEARER_TOKEN_0_CLAIM_iss_0');
  if (sub !== undefined && single('sub') !== undefined && single('sub') !== sub)
    throw new ClaimsInvalid('BEARER_TOKEN_0_SUBJECT differs from BEARER_TOKEN_0_CLAIM_sub_0');
  // Both CEs set CLAIM_aud_<i>; HTCondor's AUDIENCE holds only element 0, ARC 7's AUDIENCE_<i> all of them.
  const arc = env[`${PREFIX}AUDIENCE_0`] !== undefined || env.X509_SUBJECT_NAME !== undefined;
  const aud =
    list('aud') ??
    indexed(env, `${PREFIX}AUDIENCE_`) ??
    (env[`${PREFIX}AUDIENCE`] !== undefined ? [env[`${PREFIX}AUDIENCE`] as string] : undefined);
  return assembleClaims(
    {
      iss: iss ?? single('iss'),
      sub: sub ?? single('sub'),
      aud,
      scope: single('scope'),
      validatorScopes: indexed(env, `${PREFIX}SCOPE_`),
      groups: list('wlcg.groups') ?? indexed(env, `${PREFIX}GROUP_`),
      entitlements: list('eduperson_entitlement'),
      entitlementsClaim: list('entitlements'),
      vopersonId: single('voperson_id'),
      jti: single('jti'),
      wlcgVer: single('wlcg.ver'),
      ver: single('ver'),
      arcSubject: arc ? env.X509_SUBJECT_NAME : undefined,
    },
    arc ? 'env-arc' : 'env-htcondor',
    raw,
    false,
  );
}
