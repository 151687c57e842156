/**
 * Whether an evaluation of these rules may have to be stopped while it runs: it can run a regular
 * expression the configuration wrote on what a token brought (a map-file regex entry that is not a plain
 * `^literal$` or `^literal` comparison, or a site `[identity] safe_pattern`, which sees the account a `\1`
 * made), or wait for another taker of a pool lease (up to half the deadline). Nothing else an evaluation
 * does grows faster than its input (policy rules, ban lists, literal map keys, the built-in safe pattern,
 * scopes classified once per token). `serve` decides rules for which this is false on its own thread, for
 * small requests (serve/deciders.ts); the rest go to the evaluator thread, which can be stopped.
 */
import { DEFAULT_SAFE_PATTERN } from '../config/config.js';
import type { RuleSet } from './rule-set.js';

const BUILT_IN_SAFE = new RegExp(DEFAULT_SAFE_PATTERN).source;

const known = new WeakMap<RuleSet, boolean>();

export function needsWatchdog(rules: RuleSet): boolean {
  let answer = known.get(rules);
  if (answer === undefined) {
    answer = rules.pools.size > 0 || rules.identity.safe.source !== BUILT_IN_SAFE || rules.sources.some(hasRegexEntry);
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
