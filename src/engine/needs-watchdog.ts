/**
 * Whether an evaluation of these rules may have to be stopped while it runs: it can run a regular
 * expression the configuration wrote on what a token brought (a map-file regex entry that is not a plain
 * `^literal$` or `^literal` comparison, or a site `[identity] safe_pattern`, which sees the account a `\1`
 * made), wait for another taker of a pool lease (up to half the deadline), or weigh many policy rules of
 * one issuer (each candidate rule reads the token's lists: rules x list items). Otherwise an evaluation's
 * work grows only with its input and the rules' own lists. `serve` decides rules for which this is false
 * on its own thread, for small requests (serve/deciders.ts); the rest go to the evaluator thread, which
 * can be stopped. A cold callout runs them without the watchdog for a token of few items (manyItems).
 */
import type { Claims } from '../claims/claims.js';
import { DEFAULT_SAFE_PATTERN } from '../config/config.js';
import type { CompiledPolicies } from '../policy/compile.js';
import type { RuleSet } from './rule-set.js';

const BUILT_IN_SAFE = new RegExp(DEFAULT_SAFE_PATTERN).source;

/**
 * Policy rules of one issuer past which a decision goes to the evaluator thread: a 16 KiB request against
 * 1,000-3,000 rules of its issuer took 88-430 ms (review of 2f974c8); against 64, a few ms.
 */
export const MAX_RULES_PER_ISSUER = 64;

/**
 * List items of a token (audiences, scopes, groups, entitlements) past which a cold callout evaluates under
 * the watchdog whatever its rules: work that grows with the input is bounded by the input, and this keeps
 * that input small, as serve/deciders.ts's HERE_MAX_BYTES does for the service's own thread (a 16 KiB
 * payload holds about a thousand short items). A defence in depth: a super-linear path missed in review
 * (as rule lists x token lists were, until claims/claims-index.ts) is then still cut at the deadline.
 */
export const UNWATCHED_MAX_ITEMS = 1024;

export function manyItems(c: Claims): boolean {
  const n =
    c.aud.length +
    c.scopes.length +
    c.validatorScopes.length +
    c.groups.length +
    c.ignoredGroups.length +
    c.entitlements.length;
  return n > UNWATCHED_MAX_ITEMS;
}

const known = new WeakMap<RuleSet, boolean>();

export function needsWatchdog(rules: RuleSet): boolean {
  let answer = known.get(rules);
  if (answer === undefined) {
    answer =
      rules.pools.size > 0 ||
      rules.identity.safe.source !== BUILT_IN_SAFE ||
      rules.sources.some(hasRegexEntry) ||
      policySets(rules).some(manyPerIssuer);
    known.set(rules, answer);
  }
  return answer;
}

function hasRegexEntry(source: RuleSet['sources'][number]): boolean {
  if (source.kind !== 'mapfile') return false;
  for (const table of source.map.map.methods.values())
    for (const entry of table.entries) if (entry.kind === 'regex' && entry.literal === null) return true;
  return false;
}

/** Every policy set an evaluation can consult: the rule sources', the plugins' a map file hands over to. */
function policySets(rules: RuleSet): CompiledPolicies[] {
  const sets = rules.sources.flatMap((s) => (s.kind === 'policy' ? [s.policies] : []));
  return [...sets, ...rules.plugins.values(), ...(rules.anyPlugin ? [rules.anyPlugin] : [])];
}

function manyPerIssuer(policies: CompiledPolicies): boolean {
  const count = new Map<string, number>();
  for (const r of policies.rules) {
    const n = (count.get(r.issuer) ?? 0) + 1;
    if (n > MAX_RULES_PER_ISSUER) return true;
    count.set(r.issuer, n);
  }
  return false;
}
