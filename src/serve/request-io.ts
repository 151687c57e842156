/**
 * The io one request runs with: the forwarded environment and stdin bytes in memory (memoryIo), so that
 * the exact stdout bytes, stderr lines and exit code come back, plus the service's hooks: the cached
 * rules, a look at the Decision for the metrics, how the evaluation is bounded, and the parsed ban lists.
 */
import type { BanSource } from '../accounts/ban-list.js';
import type { Bound } from '../engine/bounded.js';
import type { Decision } from '../engine/decision.js';
import type { RuleSetProvider } from '../engine/rule-set-provider.js';
import { memoryIo, type MemoryIo } from '../io/memory-io.js';

export type RequestIo = MemoryIo & {
  rules: RuleSetProvider;
  decided: (d: Decision) => void;
  bound: Bound;
  bans: BanSource;
};

export function requestIo(
  req: { env: Record<string, string>; stdin: Buffer | null },
  self: string,
  rules: RuleSetProvider,
  decided: (d: Decision) => void,
  bound: Bound,
  bans: BanSource,
): RequestIo {
  // No stdin field: the client had nothing to read (a terminal, /dev/null), as the cold path would not.
  return { ...memoryIo({ env: req.env, stdin: req.stdin ?? 'tty', self }), rules, decided, bound, bans };
}
