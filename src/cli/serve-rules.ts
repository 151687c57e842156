/**
 * The first build of the served rules, through the command line's own builder: what a callout naming the
 * served sources asks for. `serve` runs it before listening (an invalid configuration stops the start with
 * FILE:LINE) and the evaluator thread runs it for its own copy.
 */
import { commandRuleSet } from './evaluation.js';
import type { CliIo } from '../io/cli-io.js';
import type { RuleCache, Served } from '../serve/rule-cache.js';

export function primeRules(served: Served, cache: RuleCache, io: CliIo): void {
  const argv =
    'flags' in served
      ? served.flags.flatMap((f) => [f.kind === 'mapfile' ? '--mapfile' : '-c', f.path])
      : ['--config', served.config];
  commandRuleSet('config' in served ? { config: served.config } : {}, argv, { ...io, rules: cache.provider });
}
