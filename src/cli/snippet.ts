/**
 * `tokenmap snippet htcondor-ce|arc`: the exact configuration lines that wire this installation into a CE,
 * derived from the site configuration (which issuers hand over to tokenmap, the deadline).
 */
import { realpathSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { TokenmapError } from '../errors.js';
import { loadSiteConfig, resolveConfigPath } from '../config/config.js';
import { buildRuleSet } from '../engine/rule-set.js';
import { nodeReader } from '../io/node-reader.js';
import { DEFAULT_SOCKET } from '../serve/socket-path.js';
import { EXIT_OK } from './fail.js';
import type { CliIo } from '../io/cli-io.js';

/** bin/tokenmap-callout's default $TOKENMAP_CALLOUT_TIMEOUT: how long it waits for the service. */
const CLIENT_TIMEOUT_S = 2;

const EGI_ISSUERS = [
  'https://aai.egi.eu/auth/realms/egi',
  'https://aai-demo.egi.eu/auth/realms/egi',
  'https://aai-dev.egi.eu/auth/realms/egi',
];

/** A map file regex for an issuer, written as OSG Topology writes them (every / escaped, anchored). */
const issuerRegex = (iss: string) => '/^' + iss.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&').replace(/\//g, '\\/') + ',/';

function absolute(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

export async function runSnippet(args: string[], opts: { config?: string }, io: CliIo): Promise<number> {
  const flavour = args[0];
  if (flavour !== 'htcondor-ce' && flavour !== 'arc')
    throw new TokenmapError('USAGE', 'snippet: say htcondor-ce or arc');
  const configPath = absolute(resolveConfigPath(opts.config, io.env));
  const site = loadSiteConfig(configPath, nodeReader);
  const rules = buildRuleSet({ config: site }, nodeReader);
  const settings = rules.settings;
  // With a [serve] section, the CE execs the thin client, which falls back to this executable.
  const tokenmap = absolute(io.self);
  const socket = site.serve ? (site.serve.socket ?? DEFAULT_SOCKET) : null;
  const bin = socket === null ? tokenmap : `${dirname(tokenmap)}/tokenmap-callout --socket ${socket}`;
  const clientBound = socket === null ? 0 : CLIENT_TIMEOUT_S;
  for (const [what, p] of [
    ['the tokenmap executable', tokenmap],
    ['the configuration', configPath],
  ])
    if (/[\s"']/.test(p as string))
      throw new TokenmapError(
        'USAGE',
        `${what} path ${JSON.stringify(p)} holds whitespace or quotes, which neither CE's argument splitting keeps`,
      );
  const lines: string[] = [];
  if (flavour === 'htcondor-ce') {
    const name = rules.pluginNames[0] ?? [...rules.plugins.keys()][0] ?? 'TOKENMAP';
    const issuers = [...new Set([...(rules.plugins.get(name.toUpperCase())?.rules ?? [])].map((r) => r.issuer))];
    const foreign = issuers.filter((i) => EGI_ISSUERS.includes(i));
    lines.push(
      '# /etc/condor-ce/mapfiles.d/50-tokenmap.conf',
      `# Tokens of these issuers are handed over to tokenmap (the [plugin ${name}] policies of ${configPath}).`,
      ...issuers.map((iss) => `SCITOKENS ${issuerRegex(iss)} PLUGIN:${name}`),
      '',
      '# /etc/condor-ce/config.d/50-tokenmap.conf',
      `SEC_SCITOKENS_PLUGIN_NAMES = ${name}`,
      `SEC_SCITOKENS_PLUGIN_${name}_COMMAND = ${bin} htcondor-plugin --config ${configPath}`,
      ...(socket === null
        ? []
        : [`# Answered by tokenmap serve on ${socket}; without it, tokenmap-callout runs ${tokenmap} itself.`]),
      `# tokenmap bounds itself to ${settings.deadline} s ([limits] deadline)` +
        (clientBound ? `, plus ${clientBound} s the client may wait for the service` : '') +
        '; keep it below the authentication timeout.',
      `SEC_DEFAULT_AUTHENTICATION_TIMEOUT = ${Math.max(20, Math.ceil(settings.deadline) + clientBound + 5)}`,
    );
    if (foreign.length)
      lines.push(
        '# EGI Check-in tokens carry no WLCG/SciTokens profile: HTCondor accepts them only as foreign tokens, and',
        '# its default issuer list holds only the development instance.',
        'SEC_SCITOKENS_ALLOW_FOREIGN_TOKEN_TYPES = True',
        `SEC_SCITOKENS_FOREIGN_TOKEN_ISSUERS = ${foreign.join(', ')}`,
      );
    lines.push('# Then: condor_ce_reconfig');
  } else {
    const timeout = Math.ceil(settings.deadline) + 2 + clientBound;
    lines.push(
      `# arc.conf blocks that hand token users over to tokenmap (${configPath}).`,
      '# One tokenmap call per request: the authgroup admits, without running anything, every request whose token',
      "# A-REX validated (signature against the issuer's keys over HTTPS, exp and nbf when present); map_with_plugin",
      '# then runs tokenmap once, and A-REX logs its stderr line when it refuses. A request without a token is in',
      '# no group, so tokenmap is not run for it. (An authgroup `plugin` would run tokenmap a second time per',
      "# request, for requests without a token too, and would turn tokenmap's errors into a quiet not-in-the-group.)",
      '# ARC 7 passes the claims in BEARER_TOKEN_0_*; ARC 6 passes only %D (<iss>/<sub>), so under ARC 6 only rules',
      '# that pin an issuer and a subject can map, and a configured [audience] gate refuses (see arc6_unchecked).',
      '# Exec tokenmap itself: a /bin/sh wrapper drops dotted variables such as BEARER_TOKEN_0_CLAIM_wlcg.groups_0.',
      ...(socket === null
        ? [`# TIMEOUT ${timeout} s is tokenmap's deadline (${settings.deadline} s) plus 2 s.`]
        : [
            `# Answered by tokenmap serve on ${socket}; without it, tokenmap-callout runs ${tokenmap} itself.`,
            `# TIMEOUT ${timeout} s is tokenmap's deadline (${settings.deadline} s), plus ${clientBound} s the client`,
            '# may wait for the service before it falls back, plus 2 s.',
          ]),
      '',
      '# ARC 6 validates tokens only with this block; ARC 7 always does and accepts it.',
      '[authtokens]',
      '',
      '[authgroup:tokenmap]',
      'authtokens = * * * * *',
      '',
      '[mapping]',
      `map_with_plugin = tokenmap ${timeout} ${bin} arc-plugin --config ${configPath} %D`,
      '# The default: a user tokenmap does not map stays unmapped (no later rule is tried).',
      'policy_on_nomap = stop',
      '',
      '[arex/ws/jobs]',
      'allowaccess = tokenmap',
    );
  }
  io.out(lines.join('\n') + '\n');
  return EXIT_OK;
}
