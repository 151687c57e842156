/**
 * A parser for the plain argv a CE passes to a callout: known long and short options, values, positional
 * arguments. Anything else (help, version, unknown or malformed options, missing values) returns null and
 * commander takes over, producing the same result or its usual message.
 */
import type { CommandSpec, OptionSpec } from './spec.js';

export interface ParsedArgv {
  args: string[];
  opts: Record<string, unknown>;
}

export function parseFast(spec: CommandSpec, argv: readonly string[]): ParsedArgv | null {
  try {
    return parse(spec, argv);
  } catch {
    return null; // a value parser refused: commander reports it
  }
}

function parse(spec: CommandSpec, argv: readonly string[]): ParsedArgv | null {
  const opts: Record<string, unknown> = {};
  for (const o of spec.options) if (o.defaultValue !== undefined) opts[o.key] = o.kind === 'many' ? [] : o.defaultValue;
  const args: string[] = [];
  const set = (o: OptionSpec, value: string | undefined): boolean => {
    if (o.kind === 'flag') {
      if (value !== undefined) return false;
      opts[o.key] = true;
      return true;
    }
    if (value === undefined) return false;
    const v = o.parse ? o.parse(value) : value;
    if (o.kind === 'many') opts[o.key] = [...((opts[o.key] as unknown[] | undefined) ?? []), v];
    else opts[o.key] = v;
    return true;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--') {
      args.push(...argv.slice(i + 1));
      break;
    }
    if (a === '-' || !a.startsWith('-')) {
      args.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = a.startsWith('--') ? a.slice(2, eq < 0 ? undefined : eq) : null;
    const o =
      name !== null
        ? spec.options.find((x) => x.long === name)
        : a.length === 2
          ? spec.options.find((x) => x.short === a[1])
          : undefined;
    if (!o) return null;
    let value: string | undefined;
    if (name !== null && eq >= 0) value = a.slice(eq + 1);
    else if (o.kind !== 'flag') {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('-') && next !== '-')) return null;
      value = next;
      i++;
    }
    if (!set(o, value)) return null;
  }
  for (const o of spec.options) {
    if (o.required && opts[o.key] === undefined) return null;
    if (opts[o.key] !== undefined && (o.conflicts ?? []).some((c) => opts[c] !== undefined)) return null;
  }
  const last = spec.args[spec.args.length - 1];
  if (!last?.variadic && args.length > spec.args.length) return null;
  if (spec.args.filter((x) => x.required).length > args.length) return null;
  return { args, opts };
}
