/**
 * The policy rules of one or more files, compiled for evaluation: in order, with an index by issuer so
 * that a decision tests only the rules written for the token's issuer (every rule pins one issuer).
 */
import type { Claims } from '../claims/claims.js';
import type { Entitlement } from '../claims/entitlement.js';
import { matchRule, type NativeContext, type RuleMatch } from './match.js';
import type { PolicyFile, PolicyRule, PoolDef } from './parse.js';

/**
 * The rules of one issuer: those that need a given entitlement are filed under a key it must produce
 * (its raw string, its canonical URN, or its namespace and VO); the others are always candidates.
 */
interface IssuerRules {
  open: number[];
  byKey: Map<string, number[]>;
}

export interface CompiledPolicies {
  label: string;
  rules: PolicyRule[];
  pools: Map<string, PoolDef>;
  byIssuer: Map<string, IssuerRules>;
}

const rawKey = (raw: string) => `raw\0${raw}`;
const urnKey = (canonical: string) => `urn\0${canonical}`;
const voKey = (namespace: string, vo: string) => `vo\0${namespace}\0${vo}`;

/** Keys of which an entitlement-bound rule needs one, or null when it needs no entitlement. */
function ruleKeys(r: PolicyRule): string[] | null {
  if (r.kind === 'mapping') return [rawKey(r.group)];
  if (r.pattern) return [voKey(r.pattern.namespace, r.pattern.path[0] as string)];
  if (r.entitlements) return r.entitlements.map((e) => urnKey(e.canonical));
  return null;
}

function entitlementKeys(e: Entitlement): string[] {
  const keys = [rawKey(e.raw), urnKey(e.canonical)];
  if (e.parsed) keys.push(voKey(e.parsed.namespace, e.parsed.path[0] as string));
  return keys;
}

export function compilePolicies(label: string, files: readonly PolicyFile[]): CompiledPolicies {
  const rules = files.flatMap((f) => f.rules);
  const pools = new Map<string, PoolDef>();
  for (const f of files) for (const [k, v] of f.pools) pools.set(k, v);
  const byIssuer = new Map<string, IssuerRules>();
  rules.forEach((r, i) => {
    let ix = byIssuer.get(r.issuer);
    if (!ix) byIssuer.set(r.issuer, (ix = { open: [], byKey: new Map() }));
    const keys = ruleKeys(r);
    if (!keys) ix.open.push(i);
    for (const k of new Set(keys)) {
      const list = ix.byKey.get(k);
      if (list) list.push(i);
      else ix.byKey.set(k, [i]);
    }
  });
  return { label, rules, pools, byIssuer };
}

/** The rules of the token's issuer that its entitlements can satisfy, in file order. */
function candidates(p: CompiledPolicies, c: Claims): number[] {
  const ix = p.byIssuer.get(c.iss as string);
  if (!ix) return [];
  if (ix.byKey.size === 0 || c.entitlements.length === 0) return ix.open;
  const lists = [ix.open];
  for (const e of c.entitlements)
    for (const k of entitlementKeys(e)) {
      const hit = ix.byKey.get(k);
      if (hit) lists.push(hit);
    }
  return lists.length === 1 ? ix.open : [...new Set(lists.flat())].sort((a, b) => a - b);
}

export interface PolicyHit {
  rule: PolicyRule;
  match: RuleMatch;
}

/**
 * The first rule that matches, in file order. With `visit`, every rule is tested and reported (explain);
 * without, only the rules of the token's issuer are (the callout path).
 */
export function firstMatch(
  p: CompiledPolicies,
  c: Claims,
  ctx: NativeContext,
  visit?: (rule: PolicyRule, m: RuleMatch) => void,
): PolicyHit | null {
  for (const i of visit || c.iss === undefined ? p.rules.keys() : candidates(p, c)) {
    const rule = p.rules[i] as PolicyRule;
    const match = matchRule(rule, c, ctx);
    visit?.(rule, match);
    if (match.ok) return { rule, match };
  }
  return null;
}
