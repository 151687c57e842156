/**
 * Whether an evaluation of these rules can run a regular expression the configuration wrote on what a
 * token brought: a map-file regex entry that is not a plain `^literal$` or `^literal` comparison, or a
 * site `[identity] safe_pattern` (it sees the account a `\1` made). Those are the only super-linear work
 * an evaluation can do: policy rules, ban lists, literal map keys and the built-in safe pattern compare
 * strings, and pool leases bound their own waits. So only rules for which this is true need a watchdog
 * that can stop a running RegExp; `serve` decides the others on its own thread (serve/deciders.ts).
 */
import { DEFAULT_SAFE_PATTERN } from '../config/config.js';
import type { RuleSet } from './rule-set.js';

const BUILT_IN_SAFE = new RegExp(DEFAULT_SAFE_PATTERN).source;

const known = new WeakMap<RuleSet, boolean>();

export function runsConfiguredRegex(rules: RuleSet): boolean {
  let answer = known.get(rules);
  if (answer === undefined) {
    answer = rules.identity.safe.source !== BUILT_IN_SAFE || rules.sources.some(hasRegexEntry);
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
