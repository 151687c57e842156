/**
 * The one builder of the rules: a typed SiteConfig, or the rule-source flags of an ad-hoc run, in; the
 * compiled, immutable RuleSet every evaluation reads out. Command-line overrides (--uid-domain,
 * --deadline, --regex-keys) are inputs here, never patched in afterwards. A RuleSet also lists every file
 * it read, which is what `serve` watches to rebuild it and what `check` walks.
 */
import {
  DEFAULT_ACCOUNT_FILES,
  DEFAULT_DEADLINE_S,
  DEFAULT_REGEX_BUDGET_S,
  DEFAULT_STDIN_MAX,
  DEFAULT_UID_DOMAIN,
  type AccountFiles,
  type Settings,
  type SiteConfig,
  type SourceRef,
} from '../config/config.js';
import { binaryFromText, textFromBytes } from '../bytes.js';
import { formatPos, systemErrorText, TokenmapError } from '../errors.js';
import type { FileReader } from '../io/reader.js';
import { methodTable } from '../mapfile/lookup.js';
import { loadMapSource, type MapSource } from '../mapfile/map-source.js';
import type { AudiencePolicy } from '../policy/audience.js';
import { compilePolicies, type CompiledPolicies } from '../policy/compile.js';
import { EMPTY_POLICY_DIR, readPolicyFiles } from '../policy/load.js';
import type { PolicyFile } from '../policy/parse.js';
import type { PoolDef } from '../accounts/pool-def.js';
import { identityPolicy, type IdentityPolicy } from './identity.js';
import { collectPools } from './pools.js';
import { arc6AudienceNote } from './arc6-audience.js';
import { accountDb, type AccountDb } from './system-accounts.js';

export type RuleSource =
  | { readonly kind: 'mapfile'; readonly label: string; readonly map: MapSource }
  | { readonly kind: 'policy'; readonly label: string; readonly policies: CompiledPolicies };

/** Everything an evaluation needs, compiled once; nobody modifies it (frozen at its top level). */
export interface RuleSet {
  /** Evaluated in order; the first source that decides wins. */
  readonly sources: readonly RuleSource[];
  /** What PLUGIN:<name> hands over to (names upper-cased: HTCondor knob names are case-insensitive). */
  readonly plugins: ReadonlyMap<string, CompiledPolicies>;
  /** Ad-hoc runs (`-c` with `--mapfile`): any plugin name hands over to the `-c` policies. */
  readonly anyPlugin: CompiledPolicies | null;
  /** SEC_SCITOKENS_PLUGIN_NAMES: what PLUGIN:* means. */
  readonly pluginNames: readonly string[];
  readonly uidDomain: string;
  readonly identity: IdentityPolicy;
  /** The site's accepted audiences: a gate before any rule when `enforce`, and the default of native rules. */
  readonly audience: Readonly<Omit<AudiencePolicy, 'missingOk'>> & {
    readonly enforce: boolean;
    readonly missingOkIssuers: readonly string[];
    /** ARC 6 (only %D): map although the gate cannot be evaluated, instead of refusing. */
    readonly arc6Unchecked: boolean;
  };
  /** Token checks (time, profile); null in check-in-validator drop-in mode, which relies on the CE. */
  readonly tokenChecks: { readonly skew: number } | null;
  /** The callout's limits: the configuration's, or the defaults, with --deadline applied. */
  readonly settings: Settings;
  /** Warnings found while loading (shown by explain). */
  readonly notes: readonly string[];
  /**
   * Every file read to build this (configuration, map files and their included files, policy files) and
   * every directory listed (@include and policy directories: a file dropped into one changes the rules).
   */
  readonly files: readonly string[];
  /** Policy directories holding no `*.ini` file: a note for a dry run, no decision for a callout. */
  readonly emptyPolicyDirs: readonly string[];
  /** Where the rules came from, for messages: the configuration file, or the flags' paths. */
  readonly origin: string;
  /** Pool accounts by pool name (the configuration's and the policy files'). */
  readonly pools: ReadonlyMap<string, PoolDef>;
  /** Ban lists, read on every decision through the injected accounts service. */
  readonly banFiles: readonly string[];
}

/** Command-line values that take precedence over the configuration's. */
export interface RuleSetOverrides {
  /** --uid-domain */
  readonly uidDomain?: string;
  /** --deadline, in seconds. */
  readonly deadline?: number;
}

/**
 * Either a site configuration, or the rule-source flags (`-c/--policy`, `--mapfile`) in argv order:
 * check-in-validator's drop-in mode, which relies on the CE for token checks and audiences (the policy
 * decides the audience per rule), and where any `PLUGIN:<name>` in a `--mapfile` hands over to the `-c`
 * policies. `regexKeys` (--regex-keys) applies to the flags' map files; a configuration says `hash_keys`.
 */
export type RuleSetInput =
  | ({ readonly config: SiteConfig } & RuleSetOverrides)
  | ({ readonly flags: readonly SourceRef[]; readonly regexKeys?: boolean } & RuleSetOverrides);

interface Loader {
  readonly notes: string[];
  readonly files: string[];
  readonly emptyPolicyDirs: string[];
  mapfile(path: string, opts: { hashKeys: boolean; excludeRegexp?: string }): RuleSource;
  policyFiles(path: string): PolicyFile[];
}

function loader(reader: FileReader): Loader {
  const notes: string[] = [];
  const files: string[] = [];
  const emptyPolicyDirs: string[] = [];
  return {
    notes,
    files,
    emptyPolicyDirs,
    mapfile(path, opts) {
      const map = loadMapSource(path, reader, opts);
      for (const i of map.issues) notes.push(`${formatPos(i.pos)}: ${i.message}`);
      files.push(...map.files, ...map.dirs);
      return { kind: 'mapfile', label: path, map };
    },
    policyFiles(path) {
      const parsed = readPolicyFiles(path, reader, notes, emptyPolicyDirs);
      files.push(...(parsed.length === 1 && parsed[0]?.file === path ? [] : [path]), ...parsed.map((f) => f.file));
      return parsed;
    },
  };
}

/**
 * The local account database the system-account refusal reads: a missing file is empty (a container may
 * have no login.defs), one that exists but cannot be read fails closed.
 */
function readAccountDb(reader: FileReader, files: AccountFiles, allow: readonly string[]): AccountDb {
  const text = (path: string) => {
    try {
      // Native decoding: /etc/login.defs alone is ~12 KB, and a JS scan of it costs a callout about 0.5 ms.
      return textFromBytes(reader.read(binaryFromText(path)));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return '';
      throw new TokenmapError('ACCOUNT_DB_UNREADABLE', `cannot read the account database (${systemErrorText(e)})`, {
        file: path,
        line: 0,
      });
    }
  };
  return accountDb(text(files.passwd), text(files.group), text(files.loginDefs), allow);
}

const NO_AUDIENCE: RuleSet['audience'] = Object.freeze({
  accept: [],
  wlcgAny: false,
  scitokensAny: false,
  enforce: false,
  missingOkIssuers: [],
  arc6Unchecked: false,
});

/**
 * Reads and compiles every rule source of `input` through `reader` into a frozen RuleSet. Unreadable or
 * invalid files are typed errors naming FILE:LINE; warnings become the RuleSet's notes.
 */
export function buildRuleSet(input: RuleSetInput, reader: FileReader): RuleSet {
  return Object.freeze('config' in input ? fromConfig(input, reader) : fromFlags(input, reader));
}

/** A callout's rules must hold a rule: otherwise every token would be declined (no decision, exit 2). */
export function requireRules(rules: RuleSet): void {
  const [empty] = rules.emptyPolicyDirs;
  // A policy directory with no *.ini file is a mistake (*.conf names, a wrong path) that would decline
  // every token it was meant for: no decision rather than a silent decline.
  if (empty !== undefined) throw new TokenmapError('NO_RULES', EMPTY_POLICY_DIR, { file: empty, line: 0 });
  if (!holdsRules(rules))
    throw new TokenmapError(
      'NO_RULES',
      `${rules.origin}: the rule sources hold no SCITOKENS map line and no policy rule; ` +
        'every token would be declined, so no decision is made (fail closed)',
    );
}

/** Whether any source or plugin can map a token at all. */
function holdsRules(r: RuleSet): boolean {
  const policies = (p: CompiledPolicies | null) => (p?.rules.length ?? 0) > 0;
  return (
    r.sources.some((s) =>
      s.kind === 'mapfile' ? (methodTable(s.map.map, 'SCITOKENS')?.entries.length ?? 0) > 0 : policies(s.policies),
    ) ||
    [...r.plugins.values()].some(policies) ||
    policies(r.anyPlugin)
  );
}

function fromFlags(input: Extract<RuleSetInput, { flags: unknown }>, reader: FileReader): RuleSet {
  const load = loader(reader);
  const allPolicyFiles: PolicyFile[] = [];
  const sources = input.flags.map((s): RuleSource => {
    if (s.kind === 'mapfile') return load.mapfile(s.path, { hashKeys: !input.regexKeys });
    const files = load.policyFiles(s.path);
    allPolicyFiles.push(...files);
    return { kind: 'policy', label: s.path, policies: compilePolicies(s.path, files) };
  });
  const identity = identityPolicy({
    uidDomain: input.uidDomain ?? DEFAULT_UID_DOMAIN,
    accounts: readAccountDb(reader, DEFAULT_ACCOUNT_FILES, []),
  });
  return {
    sources: Object.freeze(sources),
    plugins: new Map(),
    anyPlugin: allPolicyFiles.length ? compilePolicies('-c policies', allPolicyFiles) : null,
    pluginNames: [],
    uidDomain: input.uidDomain ?? DEFAULT_UID_DOMAIN,
    identity,
    audience: NO_AUDIENCE,
    tokenChecks: null,
    settings: Object.freeze({
      deadline: input.deadline ?? DEFAULT_DEADLINE_S,
      stdinMax: DEFAULT_STDIN_MAX,
      regexBudget: DEFAULT_REGEX_BUDGET_S,
    }),
    notes: Object.freeze(load.notes),
    files: Object.freeze(load.files),
    emptyPolicyDirs: Object.freeze(load.emptyPolicyDirs),
    origin: input.flags.map((f) => f.path).join(', '),
    pools: collectPools([], allPolicyFiles, identity),
    banFiles: [],
  };
}

function fromConfig(input: Extract<RuleSetInput, { config: unknown }>, reader: FileReader): RuleSet {
  const c = input.config;
  const load = loader(c.settings.fileMax !== undefined && reader.withMax ? reader.withMax(c.settings.fileMax) : reader);
  load.files.push(c.file);
  const mapSettings = { hashKeys: c.htcondor.hashKeys, excludeRegexp: c.htcondor.excludeRegexp };
  const policyFiles: PolicyFile[] = [];
  const read = (path: string) => {
    const files = load.policyFiles(path);
    policyFiles.push(...files);
    return files;
  };
  const sources = c.sources.map((s): RuleSource =>
    s.kind === 'mapfile'
      ? load.mapfile(s.path, mapSettings)
      : { kind: 'policy', label: s.path, policies: compilePolicies(s.path, read(s.path)) },
  );
  const plugins = new Map<string, CompiledPolicies>();
  for (const p of c.plugins)
    plugins.set(p.name.toUpperCase(), compilePolicies(`plugin ${p.name}`, p.policies.flatMap(read)));
  const identity = identityPolicy({
    pattern: c.identity.safePattern,
    deny: c.identity.deny,
    uidDomain: input.uidDomain ?? c.htcondor.uidDomain,
    domains: c.identity.domains,
    accounts: readAccountDb(reader, c.identity.accountFiles, c.identity.allowSystem),
  });
  const a = c.audience;
  const enforce = a.accept.length > 0 || a.wlcgAny || a.scitokensAny;
  if (!enforce)
    load.notes.push(
      `${c.file}: no [audience] accept list: tokenmap does not check audiences ` +
        '(HTCondor skips the check for EGI tokens, ARC never checks)',
    );
  else load.notes.push(arc6AudienceNote(c.file, a.arc6Unchecked));
  const ruleCount = sources.reduce(
    (n, s) =>
      n +
      (s.kind === 'policy'
        ? s.policies.rules.length
        : [...s.map.map.methods.values()].reduce((m, t) => m + t.entries.length, 0)),
    0,
  );
  if (ruleCount === 0)
    load.notes.push(
      `${c.file}: the rule sources hold no rule at all, so every token is declined (tokenmap check reports why)`,
    );
  return {
    sources: Object.freeze(sources),
    plugins,
    anyPlugin: null,
    pluginNames: c.htcondor.pluginNames,
    uidDomain: input.uidDomain ?? c.htcondor.uidDomain,
    identity,
    audience: Object.freeze({
      accept: [...a.accept],
      wlcgAny: a.wlcgAny,
      scitokensAny: a.scitokensAny,
      enforce,
      missingOkIssuers: a.missingOkIssuers,
      arc6Unchecked: a.arc6Unchecked,
    }),
    tokenChecks: c.tokenChecks,
    settings: Object.freeze({ ...c.settings, deadline: input.deadline ?? c.settings.deadline }),
    notes: Object.freeze(load.notes),
    files: Object.freeze(load.files),
    emptyPolicyDirs: Object.freeze(load.emptyPolicyDirs),
    origin: c.file,
    pools: collectPools(c.pools, policyFiles, identity),
    banFiles: Object.freeze([...c.banFiles]),
  };
}
