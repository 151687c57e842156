/**
 * The commands of shared/spec/cli.md. Each `run` imports its implementation when it runs, so that a
 * callout parses one bundle but evaluates only the modules its decision needs.
 */
import { DEADLINE_OPTION, SOURCE_OPTIONS } from './evaluation-options.js';
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
      option('--mapfile <file>', 'HTCondor unified map file (CERTIFICATE_MAPFILE); @include is followed', {
        required: true,
      }),
      option('--hash-keys', 'CERTIFICATE_MAPFILE_ASSUME_HASH_KEYS = true, as on HTCondor-CE (the default)', {
        conflicts: ['regexKeys'],
      }),
      option('--regex-keys', "every principal field is a regex (HTCondor's own default)"),
      option('--method <name>', 'authentication method, compared case-insensitively', { defaultValue: 'SCITOKENS' }),
      option('--json', 'answer in JSON lines even for one principal'),
      option('--timeout <seconds>', 'bound on regex evaluation; exceeding it is exit 2', {
        defaultValue: 5,
        parse: positiveSeconds,
      }),
      option(
        '--exclude-regexp <pcre2>',
        "LOCAL_CONFIG_DIR_EXCLUDE_REGEXP for included directories (default: HTCondor's)",
      ),
    ],
    args: [argument('<principal...>', 'principals to look up, or - to read them from stdin')],
    hot: true,
    run: async (args, opts, io) => (await import('./lookup.js')).runLookup(args, opts as never, io),
  },
  {
    name: 'htcondor-plugin',
    summary: 'HTCondor-CE SciTokens mapping plugin (SEC_SCITOKENS_PLUGIN_<NAME>_COMMAND)',
    description:
      "Speaks HTCondor's SciTokens plugin protocol: the token payload JSON on stdin (read to EOF, at most\n" +
      '64 KiB), or the BEARER_TOKEN_0_* environment when stdin is empty. Exit 0 with the identity and a\n' +
      'newline on stdout, 1 to decline (HTCondor tries the next plugin), 2 to fail the authentication.\n' +
      '`-c FILE` alone replaces the EGI check-in-validator plugin with its configuration file unchanged.\n' +
      'Wiring: tokenmap snippet htcondor-ce.',
    options: [...SOURCE_OPTIONS, DEADLINE_OPTION],
    args: [],
    hot: true,
    run: async (args, opts, io, argv) => (await import('./htcondor-plugin.js')).runHtcondorPlugin(args, opts, io, argv),
  },
  {
    name: 'arc-plugin',
    summary: 'ARC CE mapping / authorisation plugin (map_with_plugin, [authgroup] plugin)',
    description:
      'For `[mapping] map_with_plugin = GROUP TIMEOUT /usr/bin/tokenmap arc-plugin ... %D` and\n' +
      '`[authgroup] plugin = TIMEOUT /usr/bin/tokenmap arc-plugin ...`. Claims come from BEARER_TOKEN_0_*\n' +
      '(ARC 7); without them SUBJECT (%D, `<iss>/<sub>`, ARC 6) is compared whole with rules that pin an\n' +
      'issuer and a subject. Never reads stdin. Exit 0 with `user` or `user:group` and no trailing newline,\n' +
      '1 no mapping, 2 error (FAILURE for map_with_plugin). Wiring: tokenmap snippet arc.',
    options: [...SOURCE_OPTIONS, DEADLINE_OPTION],
    args: [argument('[SUBJECT]', "ARC's %D: <iss>/<sub> for a token client (ARC 6)")],
    hot: true,
    run: async (args, opts, io, argv) => (await import('./arc-plugin.js')).runArcPlugin(args, opts, io, argv),
  },
  {
    name: 'explain',
    summary: 'dry run: why a token maps (or not), rule by rule, as each CE would see it',
    description:
      "Shows the token's claims and state, each rule considered in order with why it matched or not, and\n" +
      'the result as HTCondor (user@domain, after plugins) and ARC (user[:group]) would see it. With no\n' +
      'token argument, the token is found by WLCG Bearer Token Discovery (BEARER_TOKEN, BEARER_TOKEN_FILE,\n' +
      '$XDG_RUNTIME_DIR/bt_u$UID, /tmp/bt_u$UID). A token is verified: signature (RS256/ES256, by kid, with\n' +
      "keys pinned in [tokens] jwks[], from the WLCG JWKS cache, tokenmap's key cache or OpenID discovery),\n" +
      'trusted issuer, exp/nbf/iat, audience and profile; --no-verify decodes only.\n' +
      'One input at most: TOKEN, --token-file, --claims (- for stdin), --arc-subject or --from-env; two are a\n' +
      'usage error (exit 2), as is --config with -c/--mapfile. --json prints exactly one document on stdout\n' +
      '(schemas/decision.schema.json), errors before any rule ran included; only a command line that cannot\n' +
      'be parsed prints nothing there. Durations read `45 s`, `12 min`, `2 h 14 min`, `3 d 4 h`.\n' +
      'Exit 0 mapped, 1 not mapped or token rejected (with its code), 2 error (a malformed token and keys\n' +
      'unavailable included).',
    options: [
      ...SOURCE_OPTIONS,
      DEADLINE_OPTION,
      option('--json', 'print the decision as JSON (schemas/decision.schema.json)'),
      option('--at <time>', 'evaluate at this time (Unix seconds or ISO 8601) instead of now'),
      option('--token-file <file>', 'read the token (compact JWT) from this file'),
      option('--claims <file>', 'a JSON claims set (a decoded payload) instead of a token; - reads it from stdin'),
      option('--arc-subject <subject>', "ARC 6's %D (<iss>/<sub>): decide as arc-plugin does with no claims"),
      option('--from-env', 'the BEARER_TOKEN_0_* environment (ARC 7 or HTCondor): decide as that callout does'),
      option('--no-verify', 'decode the token without checking its signature (and say so)'),
    ],
    args: [argument('[TOKEN]', 'the token (compact JWT); never logged')],
    run: async (args, opts, io, argv) => (await import('./explain.js')).runExplain(args, opts, io, argv),
  },
  {
    name: 'pool',
    summary: 'pool account leases: who holds what since when; release one; expire stale ones',
    description:
      'list: every lease of each pool (or of POOL): account, holder (its lease key), since when, last use.\n' +
      'release POOL WHO...: remove the leases of an account or of a holder entry (~..., as list shows it);\n' +
      'a job still running under the account is not stopped. expire: remove leases unused for lease_days,\n' +
      'leases of accounts no longer in the pool, and what takers killed half-way left. The lease directory\n' +
      'is shared by every CE of the site; these commands work on it as the CEs do (no lock).\n' +
      'Exit 0 done, 1 nothing to release, 2 error.',
    options: [
      option('--config <file>', 'site configuration (default: $TOKENMAP_CONFIG, else /etc/tokenmap/tokenmap.ini)'),
      option('--json', 'print JSON'),
      option('--at <time>', 'act as if it were this time (Unix seconds or ISO 8601)'),
    ],
    args: [
      argument('<action>', 'list, release or expire'),
      argument('[pool]', 'one pool (default: every pool)'),
      argument('[who...]', 'release: accounts or holder entries'),
    ],
    run: async (args, opts, io) => (await import('./pool.js')).runPool(args, opts, io),
  },
  {
    name: 'check',
    summary: 'lint the configuration, map files and policies (for site CI)',
    description:
      'Lints the site configuration and every map file and policy it reaches, or the FILEs given (map files,\n' +
      'policy files, check-in-validator files, site configurations, recognised by content; a policy\n' +
      'directory). Every problem is one line `FILE:LINE:COL: error|warning|note CODE message`, sorted by file\n' +
      'and line; --json prints one document instead (schemas/check.schema.json). Codes are listed in the\n' +
      'README. Exit 1 if any error, else 0; 2 if check could not run (an unreadable FILE or configuration).',
    options: [
      option(
        '--config <file>',
        'site configuration (default: $TOKENMAP_CONFIG, else /etc/tokenmap/tokenmap.ini, when no FILE is given)',
      ),
      option('--json', 'print one JSON document (schemas/check.schema.json)'),
      option('--regex-keys', "map files given alone: every principal is a regex (HTCondor's own default)"),
    ],
    args: [argument('[FILE...]', 'files to lint alone, without a configuration')],
    run: async (args, opts, io) => (await import('./check.js')).runCheck(args, opts, io),
  },
  {
    name: 'test',
    summary: 'run mapping fixtures against the configured rules; TAP 14 output (for site CI)',
    description:
      'Each FIXTURE is a JSON file (schemas/fixture.schema.json) of cases: an input (claims, claims_file,\n' +
      'token, token_file, or arc_subject for ARC 6) and the expected result (mapped, declined, error) with\n' +
      'optional account, group, htcondor, arc, rule (FILE:LINE) and code. Each case is decided exactly as\n' +
      "the CE's callout would (ce: htcondor, the default, or arc). Prints TAP 14, one subtest per file, a YAML\n" +
      'diagnostic with expected and actual values under each failing case. Exit 0 all pass, 1 any fails,\n' +
      '2 a fixture file is invalid (its name and JSON path are printed) or the rules cannot be loaded.',
    options: [
      ...SOURCE_OPTIONS,
      DEADLINE_OPTION,
      option('--at <time>', "evaluate at this time (Unix seconds or ISO 8601) instead of now; a case's own at wins"),
      option('--no-verify', 'token cases: decode without verifying the signature (verification: not-verified)'),
    ],
    args: [argument('<FIXTURE...>', 'fixture files (JSON)')],
    run: async (args, opts, io, argv) => (await import('./test.js')).runTest(args, opts, io, argv),
  },
  {
    name: 'serve',
    summary: 'the warm decision service: callouts answered on a Unix socket (bin/tokenmap-callout)',
    description:
      'Loads and compiles the rules once (--config, or -c/--mapfile as for the plugins) and answers the\n' +
      'callouts bin/tokenmap-callout forwards on a Unix socket (--socket, else $TOKENMAP_SOCKET, else\n' +
      '[serve] socket, else /run/tokenmap/tokenmap.sock), with the same bytes and exit codes as the cold\n' +
      'path. Files the rules were read from are watched; a change is in effect within 2 s, SIGHUP reloads\n' +
      'at once, a failed reload keeps the last good rules. GET /metrics on the socket is Prometheus text.\n' +
      'With --port (or [serve] port) it also answers on a privileged port of 127.0.0.1, which the client\n' +
      'reaches with bash alone (README "The fast lane"). Under systemd socket activation (LISTEN_FDS) it\n' +
      'takes the Unix socket systemd passes and, as the lane, a second one on 127.0.0.1:[serve] port\n' +
      '(dist-files/systemd). --status asks a running service instead (as `tokenmap status`).',
    options: [
      option('--config <file>', 'site configuration (default: $TOKENMAP_CONFIG, else /etc/tokenmap/tokenmap.ini)'),
      option('-c, --policy <file>', 'serve these policy files instead of a configuration; repeatable, in order', {
        kind: 'many',
        defaultValue: [],
      }),
      option('--mapfile <file>', 'serve this map file instead of a configuration; repeatable, in order', {
        kind: 'many',
        defaultValue: [],
      }),
      option(
        '--socket <path>',
        'the Unix socket (default: $TOKENMAP_SOCKET, else [serve] socket, else /run/tokenmap/tokenmap.sock)',
      ),
      option(
        '--port <n>',
        'also answer on 127.0.0.1:<n>, the fast lane of tokenmap-callout --port; a privileged port ' +
          '(default: $TOKENMAP_PORT, else [serve] port, else none)',
      ),
      option('--status', 'print the status of the running service and exit'),
      option('--json', 'with --status: the status as JSON'),
    ],
    args: [],
    run: async (_args, opts, io, argv) => (await import('./serve.js')).runServe(opts, io, argv),
  },
  {
    name: 'status',
    summary: 'the status of the running decision service (as serve --status)',
    description:
      'Version, rules generation and load time, the last reload error, uptime, decisions by result and\n' +
      'fallbacks, from the service on --socket (else $TOKENMAP_SOCKET, else /run/tokenmap/tokenmap.sock).\n' +
      'Exit 2 when no service answers.',
    options: [
      option('--socket <path>', 'the Unix socket (default: $TOKENMAP_SOCKET, else /run/tokenmap/tokenmap.sock)'),
      option('--json', 'the status as JSON'),
    ],
    args: [],
    run: async (_args, opts, io) => (await import('./serve.js')).runStatus(opts, io),
  },
  {
    name: 'snippet',
    summary: 'the configuration lines that wire this installation into HTCondor-CE or ARC',
    description:
      'Prints, for htcondor-ce: the mapfiles.d lines that hand the policy issuers over to PLUGIN:<name>, and the\n' +
      'config.d knobs (SEC_SCITOKENS_PLUGIN_NAMES, SEC_SCITOKENS_PLUGIN_<NAME>_COMMAND, the foreign-issuer knobs\n' +
      'EGI Check-in needs); for arc: [authtokens], an [authgroup] that admits validated tokens (authtokens, no\n' +
      "call), and [mapping] map_with_plugin with a TIMEOUT 2 s above tokenmap's deadline: one tokenmap call per\n" +
      "request, none without a token. Paths are this installation's executable and configuration. What it\n" +
      'cannot wire (a [plugin] section no mapfile: source reaches, no rule to hand over) is a `# NOT WIRED:`\n' +
      'comment where the line would go and a warning on stderr. Exit 0 printed, 2 when the configuration or\n' +
      'a file it names cannot be read or is invalid (FILE:LINE).',
    options: [
      option('--config <file>', 'site configuration (default: $TOKENMAP_CONFIG, else /etc/tokenmap/tokenmap.ini)'),
    ],
    args: [argument('<flavour>', 'htcondor-ce or arc')],
    run: async (args, opts, io) => (await import('./snippet.js')).runSnippet(args, opts, io),
  },
  {
    name: 'keys',
    summary: "pre-seed and inspect tokenmap's key cache (issuer keys for signature checks)",
    description:
      'fetch: for each trusted issuer ([tokens] trust[], or the ISSUERs given), fetch its keys by OpenID\n' +
      'discovery over HTTPS now and keep them in [tokens] key_cache; exit 2 naming the transport error\n' +
      'when an issuer cannot be reached. show: what each key source holds for each trusted issuer, in the\n' +
      'order verification consults them (pinned, WLCG JWKS cache, tokenmap cache, discovery); no network.',
    options: [
      option('--config <file>', 'site configuration (default: $TOKENMAP_CONFIG, else /etc/tokenmap/tokenmap.ini)'),
    ],
    args: [argument('<action>', 'fetch or show'), argument('[issuer...]', 'only these trusted issuers')],
    run: async (args, opts, io) => (await import('./keys.js')).runKeys(args, opts, io),
  },
];
