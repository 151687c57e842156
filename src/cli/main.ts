/**
 * The command-line surface (shared/spec/cli.md), wired with commander. This file imports only commander
 * and node: builtins statically; each command's module is imported when that command runs, so that a
 * callout loads only what its decision needs.
 */
import { Command, CommanderError, Option } from 'commander';
import { EXIT_ERROR, reportFailure } from './fail.js';
import { processIo, type CliIo } from './io.js';

const VERSION = '0.1.0';

const seconds = (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new CommanderError(2, 'tokenmap.usage', `not a positive number of seconds: ${value}`);
  return n;
};

function program(io: CliIo, run: (job: () => Promise<number>) => Promise<void>): Command {
  const cmd = new Command('tokenmap')
    .description('Map bearer tokens (WLCG, SciTokens, EGI Check-in) to local accounts on HTCondor-CE and ARC CE.')
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s.replace(/\n$/, '')) })
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      '\nExit codes: 0 mapped / matched / ok, 1 a clean negative answer (no mapping), 2 error (fail closed).\n' +
        'TOKENMAP_DEBUG=1 adds stack traces to error lines.',
    );

  cmd
    .command('lookup')
    .summary("HTCondor unified map file lookup: the canonical name HTCondor's own lookup gives")
    .description(
      'Print the canonical name that HTCondor (25.x) gives a principal with this map file, before any\n' +
        '`user@domain` split or plugin. For SCITOKENS the principal is `<iss>,<sub>`.\n' +
        'One principal: the name and a newline, exit 0; no match: nothing, exit 1.\n' +
        'Several principals, --json or `-` (principals on stdin, one per line): one JSON object per line;\n' +
        'exit 0 only if every principal matched.',
    )
    .requiredOption('--mapfile <file>', 'HTCondor unified map file (CERTIFICATE_MAPFILE); @include is followed')
    .addOption(new Option('--hash-keys', 'CERTIFICATE_MAPFILE_ASSUME_HASH_KEYS = true, as on HTCondor-CE (default)').conflicts('regexKeys'))
    .addOption(new Option('--regex-keys', "every principal field is a regex (HTCondor's own default)"))
    .option('--method <name>', 'authentication method, compared case-insensitively', 'SCITOKENS')
    .option('--json', 'answer in JSON lines even for one principal')
    .option('--timeout <seconds>', 'bound on regex evaluation; exceeding it is exit 2', seconds, 5)
    .option('--exclude-regexp <pcre2>', 'LOCAL_CONFIG_DIR_EXCLUDE_REGEXP for included directories (HTCondor default)')
    .argument('<principal...>', 'principals to look up, or - to read them from stdin')
    .action((principals: string[], opts) =>
      run(async () => (await import('./lookup.js')).runLookup(principals, opts, io)),
    );

  return cmd;
}

/** Runs the command line and returns the exit code; never throws, never calls process.exit(). */
export async function main(argv: string[] = process.argv.slice(2), io: CliIo = processIo()): Promise<number> {
  let code = 0;
  const run = async (job: () => Promise<number>) => {
    code = await job();
  };
  try {
    await program(io, run).parseAsync(argv, { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help')
        return 0;
      if (e.code === 'tokenmap.usage') io.err(`tokenmap: ${e.message}`);
      return EXIT_ERROR;
    }
    return reportFailure(io, e);
  }
}
