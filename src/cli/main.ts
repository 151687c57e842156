/**
 * Entry of the command line. Hot commands with a plain argv run without loading commander; everything
 * else (help, usage errors, other commands) goes through the commander program built from the same specs.
 */
import { COMMANDS } from './commands.js';
import { EXIT_ERROR, reportFailure } from './fail.js';
import { parseFast } from './fast-argv.js';
import type { CliIo } from '../io/cli-io.js';
import { processIo } from '../io/process-io.js';

export const VERSION = '0.1.0';

async function viaCommander(argv: string[], io: CliIo): Promise<number> {
  const { CommanderError } = await import('commander');
  const { buildProgram } = await import('./program.js');
  let job: Promise<number> | undefined;
  try {
    await buildProgram(COMMANDS, io, VERSION, argv.slice(1), (j) => (job = j)).parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    // Help asked for, or the version, is success; help shown because no command was given is bad usage.
    const ok =
      (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') &&
      e.exitCode === 0;
    return ok ? 0 : EXIT_ERROR;
  }
  return job ? await job : 0;
}

/** Runs the command line and returns the exit code; never throws, never calls process.exit(). */
export async function main(argv: string[] = process.argv.slice(2), io: CliIo = processIo()): Promise<number> {
  try {
    const spec = COMMANDS.find((c) => c.hot && c.name === argv[0]);
    const fast = spec ? parseFast(spec, argv.slice(1)) : null;
    if (spec && fast) return await spec.run(fast.args, fast.opts, io, argv.slice(1));
    return await viaCommander(argv, io);
  } catch (e) {
    return reportFailure(io, e);
  }
}
