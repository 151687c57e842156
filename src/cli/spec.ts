/**
 * Commands and options as data. commander is built from these specs (program.ts); the callout commands
 * can also be parsed by the small fast path (fast-argv.ts) from the same specs, so that a plugin run need
 * not load commander at all. One definition, two parsers, identical results (tested).
 */
import type { CliIo } from '../io/cli-io.js';

export type ValueKind = 'flag' | 'one' | 'many';

export interface OptionSpec {
  /** commander flags, e.g. `-c, --policy <file>`. */
  flags: string;
  description: string;
  long: string;
  short?: string;
  /** The key commander uses: camelCase of the long name. */
  key: string;
  kind: ValueKind;
  defaultValue?: unknown;
  parse?: (value: string) => unknown;
  required?: boolean;
  conflicts?: string[];
}

export interface ArgumentSpec {
  name: string;
  description: string;
  required: boolean;
  variadic: boolean;
}

export interface CommandSpec {
  name: string;
  summary: string;
  description: string;
  options: OptionSpec[];
  args: ArgumentSpec[];
  /** Called once per authentication: parse without commander when the argv is plain. */
  hot?: boolean;
  /** `argv` is the command's own arguments as given (the order of repeated rule-source flags matters). */
  run(args: string[], opts: Record<string, unknown>, io: CliIo, argv: readonly string[]): Promise<number>;
}

const camel = (s: string) => s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

export function option(flags: string, description: string, extra: Partial<OptionSpec> = {}): OptionSpec {
  const m = /^(?:-([A-Za-z]), )?--([a-z][a-z0-9-]*)(?: <([a-z0-9.]+)(\.\.\.)?>)?$/.exec(flags);
  if (!m) throw new Error(`bad option flags: ${flags}`);
  const kind: ValueKind = m[3] === undefined ? 'flag' : (extra.kind ?? 'one');
  return { flags, description, long: m[2] as string, short: m[1], key: camel(m[2] as string), kind, ...extra };
}

export function argument(spec: string, description: string): ArgumentSpec {
  const m = /^([<[])([A-Za-z_]+)(\.\.\.)?[>\]]$/.exec(spec);
  if (!m) throw new Error(`bad argument: ${spec}`);
  return { name: m[2] as string, description, required: m[1] === '<', variadic: m[3] !== undefined };
}

/** Thrown by option value parsers; both parsers report it as a usage error (exit 2). */
export class UsageError extends Error {}

/** The longest deadline or timeout accepted: [limits] deadline has the same bound (config.ts). */
export const MAX_SECONDS = 600;

export function positiveSeconds(value: string): number {
  const n = Number(value);
  if (!/^\s*\d+(\.\d+)?\s*$/.test(value) || !Number.isFinite(n) || n <= 0)
    throw new UsageError(`not a positive number of seconds: ${JSON.stringify(value)}`);
  // A timer cannot be set beyond 2^31 ms (Node would fire it after 1 ms), and no CE waits that long.
  if (n > MAX_SECONDS) throw new UsageError(`at most ${MAX_SECONDS} seconds, not ${JSON.stringify(value)}`);
  return n;
}
