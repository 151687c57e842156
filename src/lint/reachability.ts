/**
 * Rules that can never decide: shadowed by an earlier rule of the same source that matches whatever they
 * match (a catch-all, a duplicate key, a broader policy rule), a ban after a mapping for the same
 * principal, a rule ARC 6 could match but reaches only through a map file, and a configuration with no
 * rule at all. Only cases that can be decided for certain are reported.
 */
import { asciiUpper, textFromBinary } from '../bytes.js';
import { lookup } from '../mapfile/lookup.js';
import type { NativeRule, PolicyRule } from '../policy/parse.js';
import type { LintContext } from './context.js';
import type { LintedMap, MapFact } from './mapfile.js';
import type { PolicyFact } from './policy.js';
import { formatLintPos, type LintPos } from './problem.js';

interface Ranked {
  pos: LintPos;
  ban: boolean;
}

/** `^literal`, `^literal.*` or a catch-all (`.*`, `^.*$`): whatever starts with the literal matches. */
function prefixOnly(f: MapFact): string | null {
  if (f.state?.kind !== 'ok') return null;
  const p = f.record.principal;
  if (/^\^?\.\*\$?$/.test(p)) return '';
  if (f.prefix === null) return null;
  const body = p.slice(1).replace(/\.\*$/, '');
  return /^(?:\\[^A-Za-z0-9]|[^\\.*+?()[\]{}|$^])*$/.test(body) ? f.prefix : null;
}

function shadowReport(ctx: LintContext, later: Ranked, earlier: Ranked, what: string): void {
  if (later.ban && !earlier.ban)
    ctx.report(
      later.pos,
      'warning',
      'BAN_AFTER_ALLOW',
      `this ban is never reached for ${what}: the mapping at ${formatLintPos(earlier.pos)} comes first and decides; ` +
        `move the ban before it (on a CE: into a file that sorts earlier)`,
    );
  else
    ctx.report(
      later.pos,
      'warning',
      'RULE_SHADOWED',
      `never decides: the rule at ${formatLintPos(earlier.pos)} comes first and matches ${what}`,
    );
}

export function mapShadows(ctx: LintContext, m: LintedMap): void {
  const broad: MapFact[] = [];
  for (const f of m.facts) {
    const method = asciiUpper(f.record.method);
    if (!f.record.regex) {
      // A literal: the lookup itself says which line answers it first.
      let first;
      try {
        first = lookup(m.map, method, f.record.principal);
      } catch {
        continue; // an unsupported line earlier: reported already
      }
      const earlier = first && m.facts.find((x) => x.record === first.entry.record);
      if (earlier && earlier !== f)
        shadowReport(
          ctx,
          f,
          earlier,
          `every principal it matches (${JSON.stringify(textFromBinary(f.record.principal))})`,
        );
    } else if (f.state?.kind === 'ok') {
      const earlier = broad.find(
        (b) =>
          asciiUpper(b.record.method) === method &&
          (!f.record.caseless || b.record.caseless) &&
          (f.prefix ?? '').startsWith(prefixOnly(b) as string) &&
          (prefixOnly(b) === '' || f.prefix !== null),
      );
      if (earlier)
        shadowReport(
          ctx,
          f,
          earlier,
          prefixOnly(earlier) === ''
            ? 'every principal'
            : `every principal starting with ${JSON.stringify(prefixOnly(earlier))}`,
        );
    }
    if (prefixOnly(f) !== null && !f.record.caseless) broad.push(f);
  }
}

const subset = (a: readonly string[] | undefined, b: readonly string[] | undefined) =>
  a === undefined || (b !== undefined && b.every((x) => a.includes(x)));
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** True when every token `later` matches is matched by `earlier` (decidable cases only). */
function covers(earlier: PolicyRule, later: PolicyRule): boolean {
  if (earlier.issuer !== later.issuer) return false;
  if (earlier.kind === 'mapping' || later.kind === 'mapping') {
    if (earlier.kind !== 'mapping' || later.kind !== 'mapping') return false;
    const any = (e: string, l: string) => e === '*' || e === l;
    return (
      earlier.group === later.group &&
      any(earlier.uniqueId, later.uniqueId) &&
      any(earlier.audience, later.audience) &&
      any(earlier.scope, later.scope)
    );
  }
  const e: NativeRule = earlier;
  const l: NativeRule = later;
  return (
    subset(e.subjects, l.subjects) &&
    subset(e.vopersonIds, l.vopersonIds) &&
    subset(e.groups, l.groups) &&
    same(e.audiences, l.audiences) &&
    e.audienceOptional === l.audienceOptional &&
    e.anyAudience === l.anyAudience &&
    e.scopes.every((s) => l.scopes.includes(s)) &&
    (e.entitlements === undefined || same(e.entitlements, l.entitlements)) &&
    (e.pattern === undefined || same(e.pattern, l.pattern)) &&
    e.compareAuthority === l.compareAuthority &&
    e.entitlementsFromScope === l.entitlementsFromScope
  );
}

const isBan = (r: PolicyRule) => r.kind === 'native' && 'deny' in r.result;

export function policyShadows(ctx: LintContext, facts: readonly PolicyFact[]): void {
  facts.forEach((f, i) => {
    const earlier = facts.slice(0, i).find((e) => covers(e.rule, f.rule));
    if (earlier)
      shadowReport(
        ctx,
        { pos: f.pos, ban: isBan(f.rule) },
        { pos: earlier.pos, ban: isBan(earlier.rule) },
        'every token it matches',
      );
  });
}

/**
 * ARC 6 passes only `%D` (`<iss>/<sub>`): map files never match there, and of the policy rules only native
 * rules that pin issuer and subject do. Such a rule that only a map file's PLUGIN: line reaches never maps
 * under ARC 6.
 */
export function arc6Checks(
  ctx: LintContext,
  pluginOnly: readonly PolicyFact[],
  direct: ReadonlySet<PolicyRule>,
  via: string,
): void {
  for (const f of pluginOnly) {
    if (direct.has(f.rule) || f.rule.kind !== 'native' || !f.rule.subjects?.length || !f.rule.issuer) continue;
    ctx.report(
      f.pos,
      'warning',
      'ARC6_PLUGIN_ONLY',
      `this rule pins issuer and subject, which ARC 6 can match from %D, but only ${via} reaches it, and ARC 6 skips ` +
        `map files: under ARC 6 it never maps (list its policy as a [rules] source too; see mapfiles/arc/tokenmap.ini)`,
    );
  }
}

/** A rule that maps to a pool no policy file and no [pool NAME] of the configuration defines. */
export function poolChecks(ctx: LintContext): void {
  for (const ref of ctx.poolRefs)
    if (!ctx.pools.has(ref.pool))
      ctx.report(
        ref.pos,
        'error',
        'POLICY_POOL_UNDEFINED',
        `[rule ${ref.rule}] maps to pool ${JSON.stringify(ref.pool)}, which no [pool ${ref.pool}] section defines ` +
          '(in a policy file or the configuration): the rules cannot be loaded',
      );
}
