/** The commander program, built from the command specs: help, usage errors, and every non-hot run. */
import { Command, InvalidArgumentError, Option } from 'commander';
import { TokenmapError } from '../errors.js';
import type { CliIo } from '../io/cli-io.js';
import { UsageError, type CommandSpec, type OptionSpec } from './spec.js';

function toOption(o: OptionSpec): Option {
  const opt = new Option(o.flags, o.description);
  const parse = (value: string) => {
    try {
      return o.parse ? o.parse(value) : value;
    } catch (e) {
      if (e instanceof UsageError) throw new InvalidArgumentError(e.message);
      throw e;
    }
  };
  if (o.kind === 'many') opt.argParser((v: string, prev: unknown[] | undefined) => [...(prev ?? []), parse(v)]);
  else if (o.kind === 'one' && o.parse) opt.argParser(parse);
  if (o.defaultValue !== undefined) opt.default(o.defaultValue);
  if (o.required) opt.makeOptionMandatory();
  if (o.conflicts) opt.conflicts(o.conflicts);
  return opt;
}

/** Commands a CE runs, whose stdout is read as an identity. */
const CALLOUTS = new Set(['htcondor-plugin', 'arc-plugin']);

/**
 * A callout's stdout is the identity or nothing: its help reaches stdout only on a terminal. Anywhere else
 * (a CE configured with `--help` by mistake) the help goes to stderr and the run fails (exit 2).
 */
function calloutOut(name: string, io: CliIo): (s: string) => void {
  return (s) => {
    if (io.stdoutIsTerminal?.() === true) return io.out(s);
    io.err(s.replace(/\n$/, ''));
    throw new TokenmapError('USAGE', `${name}: help is shown on stderr, since stdout is not a terminal (exit 2)`);
  };
}

export function buildProgram(
  specs: readonly CommandSpec[],
  io: CliIo,
  version: string,
  argv: readonly string[],
  onRun: (job: Promise<number>) => void,
): Command {
  const program = new Command('tokenmap')
    .description('Map bearer tokens (WLCG, SciTokens, EGI Check-in) to local accounts on HTCondor-CE and ARC CE.')
    .version(version)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s.replace(/\n$/, '')) })
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      '\nExit codes: 0 mapped / matched / ok, 1 a clean negative answer (no mapping, no match),\n' +
        '2 error: bad usage, unreadable or invalid configuration, malformed input, timeout (fail closed).\n' +
        'TOKENMAP_DEBUG=1 adds stack traces to error lines.',
    );
  for (const spec of specs) {
    // Descriptions are written as sentences; commander wraps them to the terminal.
    const cmd = program.command(spec.name).summary(spec.summary).description(spec.description.replace(/\n/g, ' '));
    if (CALLOUTS.has(spec.name)) cmd.configureOutput({ writeOut: calloutOut(spec.name, io) });
    for (const o of spec.options) cmd.addOption(toOption(o));
    for (const a of spec.args) {
      const name = a.variadic ? `${a.name}...` : a.name;
      cmd.argument(a.required ? `<${name}>` : `[${name}]`, a.description);
    }
    cmd.action((...params: unknown[]) => {
      const opts = params[spec.args.length] as Record<string, unknown>;
      const args = spec.args.flatMap((a, i) => {
        const v = params[i];
        return v === undefined ? [] : Array.isArray(v) ? (v as string[]) : [v as string];
      });
      onRun(spec.run(args, opts, io, argv));
    });
  }
  return program;
}
