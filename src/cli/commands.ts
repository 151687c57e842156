/**
 * The commands of shared/spec/cli.md. Each `run` imports its implementation when it runs, so that a
 * callout parses one bundle but evaluates only the modules its decision needs.
 */
import { argument, option, positiveSeconds, type CommandSpec } from './spec.js';

export const COMMANDS: CommandSpec[] = [
  {
    name: 'lookup',
    summary: "HTCondor unified map file lookup: the canonical name HTCondor's own lookup gives",
    description:
      'Print the canonical name that HTCondor (25.x) gives a principal with this map file, before any\n' +
      '`user@domain` split or plugin. For SCITOKENS the principal is `<iss>,<sub>`.\n' +
      'One principal: the name and a newline, exit 0; no match: nothing, exit 1.\n' +
      'Several principals, --json, or `-` (principals on stdin, one per line): one JSON object per line,\n' +
      'exit 0 only if every principal matched. Skipped map lines are reported on stderr as warnings.',
    options: [
      option('--mapfile <file>', 'HTCondor unified map file (CERTIFICATE_MAPFILE); @include is followed', { required: true }),
      option('--hash-keys', 'CERTIFICATE_MAPFILE_ASSUME_HASH_KEYS = true, as on HTCondor-CE (the default)', { conflicts: ['regexKeys'] }),
      option('--regex-keys', "every principal field is a regex (HTCondor's own default)"),
      option('--method <name>', 'authentication method, compared case-insensitively', { defaultValue: 'SCITOKENS' }),
      option('--json', 'answer in JSON lines even for one principal'),
      option('--timeout <seconds>', 'bound on regex evaluation; exceeding it is exit 2', { defaultValue: 5, parse: positiveSeconds }),
      option('--exclude-regexp <pcre2>', 'LOCAL_CONFIG_DIR_EXCLUDE_REGEXP for included directories (default: HTCondor\'s)'),
    ],
    args: [argument('<principal...>', 'principals to look up, or - to read them from stdin')],
    hot: true,
    run: async (args, opts, io) => (await import('./lookup.js')).runLookup(args, opts as never, io),
  },
];
