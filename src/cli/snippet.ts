/**
 * `tokenmap snippet htcondor-ce|arc`: the exact configuration lines that wire this installation into a CE,
 * derived from the site configuration (which issuers hand over to tokenmap, the deadline).
 */
import { realpathSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { TokenmapError } from '../errors.js';
import { loadSiteConfig, resolveConfigPath } from '../config/config.js';
import { buildRuleSet, requireRules, type RuleSet } from '../engine/rule-set.js';
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

/**
 * What tokenmap can be handed: the issuers of the rules it reaches when a CE calls it, grouped by the
 * PLUGIN:<name> a map line hands them over with, and the [plugin] sections it never reaches. Policy
 * sources are reached on every call; a [plugin NAME] section only through a map file source's
 * PLUGIN:NAME line, so without a map file source it is dead whatever the CE's own map file says.
 */
interface Wiring {
  /** Plugin name (upper-cased) -> the issuers to hand over to it, in rule order. */
  readonly handOver: ReadonlyMap<string, readonly string[]>;
  /** [plugin NAME] sections that hold rules no call can reach. */
  readonly unreachable: readonly { readonly name: string; readonly rules: number }[];
}

function wiring(rules: RuleSet, defaultName: string): Wiring {
  const handOver = new Map<string, string[]>();
  const seen = new Set<string>(); // a second map line for an issuer would never be reached
  const add = (name: string, issuers: readonly string[]) => {
    const fresh = issuers.filter((i) => !seen.has(i) && seen.add(i));
    if (fresh.length) handOver.set(name, [...(handOver.get(name) ?? []), ...fresh]);
  };
  const viaMapfile = rules.sources.some((s) => s.kind === 'mapfile');
  const unreachable: { name: string; rules: number }[] = [];
  for (const [name, p] of rules.plugins)
    if (viaMapfile)
      add(
        name,
        p.rules.map((r) => r.issuer),
      );
    else if (p.rules.length) unreachable.push({ name, rules: p.rules.length });
  for (const s of rules.sources)
    if (s.kind === 'policy')
      add(
        defaultName,
        s.policies.rules.map((r) => r.issuer),
      );
  return { handOver, unreachable };
}

/** requireRules' reason, when every callout on these rules would fail. */
function noRules(rules: RuleSet): string | null {
  try {
    requireRules(rules);
    return null;
  } catch (e) {
    return `${(e as Error).message}: every callout it wires would exit 2 (NO_RULES)`;
  }
}

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
  const port = site.serve?.port;
  const bin =
    socket === null
      ? tokenmap
      : `${dirname(tokenmap)}/tokenmap-callout --socket ${socket}` + (port ? ` --port ${port}` : '');
  const served =
    socket === null
      ? ''
      : `# Answered by tokenmap serve on ${socket}` +
        (port ? ` (and its fast lane, 127.0.0.1:${port})` : '') +
        `; without it, tokenmap-callout runs ${tokenmap} itself.`;
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
  const w = wiring(rules, (rules.pluginNames[0] ?? [...rules.plugins.keys()][0] ?? 'TOKENMAP').toUpperCase());
  // What cannot be wired is said twice: as a comment where the admin pastes, and on stderr for a
  // snippet redirected straight into a file.
  const cannot = w.unreachable.map(
    (p) =>
      `${configPath}: [plugin ${p.name}] (${p.rules} rule(s)) is not wired: only a map file source's ` +
      `PLUGIN:${p.name} line reaches it and [rules] has no mapfile: source; add one, or list its policies ` +
      'as source[] = policy:PATH',
  );
  const empty = noRules(rules);
  if (empty) cannot.push(empty);
  if (flavour === 'htcondor-ce') {
    const names = [...new Set([...rules.pluginNames.map((n) => n.toUpperCase()), ...w.handOver.keys()])];
    if (!names.length) names.push('TOKENMAP');
    const issuers = [...w.handOver.values()].flat();
    const foreign = issuers.filter((i) => EGI_ISSUERS.includes(i));
    if (!issuers.length && !empty)
      cannot.push(
        `${configPath}: no SCITOKENS line to print: no policy rule is reached through tokenmap (no policy: ` +
          'source, no [plugin] section behind a mapfile: source), so HTCondor has nothing to hand over to it',
      );
    lines.push(
      '# /etc/condor-ce/mapfiles.d/50-tokenmap.conf',
      ...cannot.map((c) => `# NOT WIRED: ${c}`),
      ...(issuers.length ? [`# Tokens of these issuers are handed over to tokenmap (${configPath}).`] : []),
      ...[...w.handOver].flatMap(([name, iss]) => iss.map((i) => `SCITOKENS ${issuerRegex(i)} PLUGIN:${name}`)),
      '',
      '# /etc/condor-ce/config.d/50-tokenmap.conf',
      `SEC_SCITOKENS_PLUGIN_NAMES = ${names.join(', ')}`,
      ...names.map((name) => `SEC_SCITOKENS_PLUGIN_${name}_COMMAND = ${bin} htcondor-plugin --config ${configPath}`),
      ...(socket === null ? [] : [served]),
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
      ...cannot.map((c) => `# NOT WIRED: ${c}`),
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
            served,
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
  for (const c of cannot) io.err(`tokenmap: warning: ${c}`);
  io.out(lines.join('\n') + '\n');
  return EXIT_OK;
}
