/**
 * The policy rules of one or more files, compiled for evaluation: in order, with an index by issuer so
 * that a decision tests only the rules written for the token's issuer (every rule pins one issuer).
 */
import type { Claims } from '../claims/claims.js';
import { matchRule, type NativeContext, type RuleMatch } from '../policy/match.js';
import type { PolicyFile, PolicyRule, PoolDef } from '../policy/parse.js';

export interface CompiledPolicies {
  label: string;
  rules: PolicyRule[];
  pools: Map<string, PoolDef>;
  byIssuer: Map<string, number[]>;
}

export function compilePolicies(label: string, files: readonly PolicyFile[]): CompiledPolicies {
  const rules = files.flatMap((f) => f.rules);
  const pools = new Map<string, PoolDef>();
  for (const f of files) for (const [k, v] of f.pools) pools.set(k, v);
  const byIssuer = new Map<string, number[]>();
  rules.forEach((r, i) => {
    const list = byIssuer.get(r.issuer);
    if (list) list.push(i);
    else byIssuer.set(r.issuer, [i]);
  });
  return { label, rules, pools, byIssuer };
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
  const candidates = visit || c.iss === undefined ? p.rules.keys() : (p.byIssuer.get(c.iss) ?? []).values();
  for (const i of candidates) {
    const rule = p.rules[i] as PolicyRule;
    const match = matchRule(rule, c, ctx);
    visit?.(rule, match);
    if (match.ok) return { rule, match };
  }
  return null;
}
