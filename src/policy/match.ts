/**
 * Whether one policy rule matches a claims set, and why not. check-in-validator rules keep that plugin's
 * semantics with its holes fixed (shared/spec/tokens.md §17); native rules test every condition they name.
 */
import type { Claims } from '../claims/claims.js';
import {
  entitlementByRaw,
  firstEqualEntitlement,
  hasAudience,
  hasGroup,
  hasValidatorScope,
} from '../claims/claims-index.js';
import { matchesPattern } from '../claims/entitlement.js';
import { grants } from '../claims/scope.js';
import { audienceRefusal, type AudiencePolicy } from './audience.js';
import type { MappingRule, NativeRule, PolicyRule } from './parse.js';

export type RuleMatch = { ok: true; why: string } | { ok: false; why: string };

const no = (why: string): RuleMatch => ({ ok: false, why });
const q = JSON.stringify;

function issuerMismatch(rule: { issuer: string }, c: Claims): RuleMatch {
  const iss = c.iss ?? '';
  const slash =
    iss.replace(/\/$/, '') === rule.issuer.replace(/\/$/, '')
      ? ' (they differ only by a trailing slash, which counts)'
      : '';
  return no(`issuer ${q(iss)} is not ${q(rule.issuer)}${slash}`);
}

export function matchMapping(rule: MappingRule, c: Claims): RuleMatch {
  if (c.iss !== rule.issuer) return issuerMismatch(rule, c);
  if (rule.uniqueId !== '*' && c.uniqueId !== rule.uniqueId)
    return no(
      `unique id ${q(c.uniqueId ?? null)} (${c.vopersonId !== undefined ? 'voperson_id' : 'sub'}) ` +
        `is not ${q(rule.uniqueId)}`,
    );
  if (rule.audience !== '*' && !hasAudience(c, rule.audience))
    return no(
      c.audPresent
        ? `no audience in ${q(c.aud)} equals ${q(rule.audience)}`
        : `the token has no audience; only * matches that`,
    );
  if (rule.scope !== '*' && !hasValidatorScope(c, rule.scope))
    return no(`scope ${q(rule.scope)} is not among the token's scopes`);
  const hit = entitlementByRaw(c, rule.group);
  if (!hit)
    return no(
      c.entitlements.length
        ? `no entitlement equals ${q(rule.group)}`
        : 'the token carries no entitlements (neither the claim nor eduperson_entitlement scopes)',
    );
  return {
    ok: true,
    why: `all five fields match${hit.fromScope ? ' (entitlement requested by scope, not asserted by the claim)' : ''}`,
  };
}

export interface NativeContext {
  /** The site's accepted audiences, used when the rule names none. */
  audience: Omit<AudiencePolicy, 'missingOk'>;
}

export function matchNative(rule: NativeRule, c: Claims, ctx: NativeContext): RuleMatch {
  if (c.source === 'subject') {
    // ARC 6: only `<iss>/<sub>` is known, and it is compared whole.
    if (!rule.subjects) return no('ARC 6 passes only <iss>/<sub>; this rule pins no subject');
    if (rule.vopersonIds || rule.audiences || rule.scopes.length || rule.groups || rule.entitlements || rule.pattern)
      return no('this rule needs claims that ARC 6 does not pass to plugins (only <iss>/<sub>)');
    const s = c.arcSubject ?? '';
    return rule.subjects.some((sub) => `${rule.issuer}/${sub}` === s)
      ? { ok: true, why: `subject ${q(s)} is issuer/subject of this rule` }
      : no(`subject ${q(s)} is not <issuer>/<subject> of this rule`);
  }
  if (c.iss !== rule.issuer) return issuerMismatch(rule, c);
  if (rule.subjects && (c.sub === undefined || !rule.subjects.includes(c.sub)))
    return no(`sub ${q(c.sub ?? null)} is not one of ${q(rule.subjects)}`);
  if (rule.vopersonIds && (c.vopersonId === undefined || !rule.vopersonIds.includes(c.vopersonId)))
    return no(`voperson_id ${q(c.vopersonId ?? null)} is not one of ${q(rule.vopersonIds)}`);
  const refusal = audienceRefusal(
    c,
    {
      accept: rule.audiences ?? ctx.audience.accept,
      wlcgAny: rule.anyAudience || (!rule.audiences && ctx.audience.wlcgAny),
      scitokensAny: rule.anyAudience || (!rule.audiences && ctx.audience.scitokensAny),
      missingOk: rule.audienceOptional,
    },
    'this rule',
  );
  if (refusal) return no(refusal);
  const missing = rule.scopes.filter((s) => !grants(c.scopes, s));
  if (missing.length) return no(`scope${missing.length > 1 ? 's' : ''} ${missing.join(' ')} not granted by the token`);
  if (rule.groups && !rule.groups.some((g) => hasGroup(c, g)))
    return no(`wlcg.groups ${q(c.groups)} holds none of ${q(rule.groups)}`);
  let via = '';
  if (rule.entitlements) {
    const hit = firstEqualEntitlement(c, rule.entitlements, rule.compareAuthority, rule.entitlementsFromScope);
    if (!hit) return no(`no entitlement equals ${rule.entitlements.map((e) => q(e.raw)).join(' or ')}`);
    via = hit.fromScope ? ' (entitlement requested by scope, not asserted)' : '';
  }
  if (rule.pattern) {
    const p = rule.pattern;
    const hit = c.entitlements.find((e) => (rule.entitlementsFromScope || !e.fromScope) && matchesPattern(e, p));
    const want = `${p.namespace}:group:${p.path.join(':')}${p.role ? `:role=${p.role}` : ''}#${p.authority ?? '*'}`;
    if (!hit) return no(`no entitlement for group ${q(want)} (parent groups are never implied)`);
    via = hit.fromScope ? ' (entitlement requested by scope, not asserted)' : '';
  }
  return { ok: true, why: `every condition holds${via}` };
}

export function matchRule(rule: PolicyRule, c: Claims, ctx: NativeContext): RuleMatch {
  return rule.kind === 'mapping' ? matchMapping(rule, c) : matchNative(rule, c, ctx);
}
