/** The options every evaluating command takes (shared/spec/cli.md "Rule sources on the command line"). */
import { option, positiveSeconds, type OptionSpec } from './spec.js';

/** The rule-source options of shared/spec/cli.md, shared by every evaluating command. */
export const SOURCE_OPTIONS: OptionSpec[] = [
  option(
    '--config <file>',
    'site configuration (default: $TOKENMAP_CONFIG, else /etc/tokenmap/tokenmap.ini); ' +
      'the default is not read when -c or --mapfile is given, and --config with either is a usage error',
  ),
  option(
    '-c, --policy <file>',
    'entitlement policy file or directory (a check-in-validator config is one); repeatable, in order',
    { kind: 'many', defaultValue: [] },
  ),
  option('--mapfile <file>', 'HTCondor unified map file as a rule source; repeatable, in order', {
    kind: 'many',
    defaultValue: [],
  }),
  option('--hash-keys', 'map files: CERTIFICATE_MAPFILE_ASSUME_HASH_KEYS = true (the default)', {
    conflicts: ['regexKeys'],
  }),
  option('--regex-keys', "map files: every principal is a regex (HTCondor's own default)"),
  option('--uid-domain <domain>', 'UID_DOMAIN for user@domain (default users.htcondor.org)'),
];

export const DEADLINE_OPTION = option(
  '--deadline <seconds>',
  'bound on the whole decision, stdin included (default 5, or [limits] deadline); exceeding it is exit 2',
  { parse: positiveSeconds },
);
