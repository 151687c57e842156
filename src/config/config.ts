/**
 * The site configuration (/etc/tokenmap/tokenmap.ini; --config, $TOKENMAP_CONFIG), read with the `ini`
 * package, checked against schemas/config.schema.json by the generated validator (no schema is compiled
 * at start-up), and turned into a plain, typed SiteConfig: paths made absolute (relative paths are
 * relative to the configuration file), defaults filled in, nothing loaded or compiled (that is
 * engine/rule-set.ts). Every problem names FILE:LINE.
 */
import { decode } from 'ini';
import { firstOf, TokenmapError, type SourcePos } from '../errors.js';
import { validate as validateConfig } from '../generated/config-validator.js';
import type { FileReader } from '../io/reader.js';
import { readText } from '../io/read-text.js';
import { schemaProblems, type Validator } from '../schema-errors.js';
import { tokenSettings, type TokenSettings } from '../tokens/settings.js';
import { parsePoolSection, type PoolDef } from '../accounts/pool-def.js';
import { scanIni } from './ini-scan.js';

export const DEFAULT_CONFIG = '/etc/tokenmap/tokenmap.ini';
export const DEFAULT_UID_DOMAIN = 'users.htcondor.org';
export const DEFAULT_DEADLINE_S = 5;
export const DEFAULT_STDIN_MAX = 64 * 1024;
export { DEFAULT_SKEW_S } from '../tokens/settings.js';

/** PCRE2's match limit stops a runaway match in about 0.1 s; HTCondor then sees no match. */
export const DEFAULT_REGEX_BUDGET_S = 0.2;
/** Beyond this a timer cannot be set (2^31 ms), and no CE waits that long anyway. */
export const MAX_DEADLINE_S = 600;

/** A limit in seconds, checked: more than 0 and at most `max`. */
export function limitSeconds(value: number, what: string, max: number, pos?: SourcePos): number {
  if (!(value > 0) || value > max)
    throw new TokenmapError(
      'CONFIG_INVALID',
      `${what} must be more than 0 and at most ${max} seconds, not ${value}`,
      pos,
    );
  return value;
}

export const DEFAULT_SAFE_PATTERN = '^[a-z_][a-z0-9_.-]{0,31}$';

/** The run-time limits of a callout. */
export interface Settings {
  /** Seconds a callout may take in all (stdin included) before it fails closed. */
  readonly deadline: number;
  readonly stdinMax: number;
  readonly auditLog?: string;
  /** Seconds one evaluation may spend matching (regular expressions) before it fails closed. */
  readonly regexBudget: number;
  /** Bytes: the largest rule file read (`[limits] file_max`); the reader's default when absent. */
  readonly fileMax?: number;
}

/** Where the local account database is: what the system-account refusal reads. */
export interface AccountFiles {
  readonly passwd: string;
  readonly group: string;
  readonly loginDefs: string;
}

export const DEFAULT_ACCOUNT_FILES: AccountFiles = Object.freeze({
  passwd: '/etc/passwd',
  group: '/etc/group',
  loginDefs: '/etc/login.defs',
});

/** A rule source: a map file, or a policy file or directory of `*.ini` policy files. */
export interface SourceRef {
  readonly kind: 'mapfile' | 'policy';
  readonly path: string;
}

/** What a site configuration says, as plain data (schemas/config.schema.json, README "Configuration"). */
export interface SiteConfig {
  /** The configuration file itself. */
  readonly file: string;
  /** `[rules] source`, in order. */
  readonly sources: readonly SourceRef[];
  /** `[plugin NAME] policy`: what PLUGIN:NAME hands over to, in file order. */
  readonly plugins: readonly { readonly name: string; readonly policies: readonly string[] }[];
  readonly htcondor: {
    readonly uidDomain: string;
    readonly hashKeys: boolean;
    readonly excludeRegexp?: string;
    /** SEC_SCITOKENS_PLUGIN_NAMES: what PLUGIN:* means. */
    readonly pluginNames: readonly string[];
  };
  readonly identity: {
    readonly safePattern: string;
    readonly deny: readonly string[];
    /** Domains allowed besides uid_domain. */
    readonly domains: readonly string[];
    /** System accounts and groups opted back in. */
    readonly allowSystem: readonly string[];
    /** The local account database (absolute paths). */
    readonly accountFiles: AccountFiles;
  };
  readonly audience: {
    readonly accept: readonly string[];
    readonly wlcgAny: boolean;
    readonly scitokensAny: boolean;
    readonly missingOkIssuers: readonly string[];
    /** Map ARC 6 requests (only %D) although the audience gate cannot be evaluated for them. */
    readonly arc6Unchecked: boolean;
  };
  /** null when `[tokens] check = no`. */
  readonly tokenChecks: { readonly skew: number } | null;
  /** [tokens]: verification and keys (explain, test, keys). */
  readonly tokens: TokenSettings;
  readonly settings: Settings;
  /** `[pool NAME]` sections (lease_dir resolved against this file). */
  readonly pools: readonly PoolDef[];
  /** `[bans] file`: ban lists, read on every decision. */
  readonly banFiles: readonly string[];
  /** [serve], when present: the decision service's socket, fast lane port, and time budget (seconds) for a decision. */
  readonly serve: { readonly socket?: string; readonly budget?: number; readonly port?: string } | null;
}

type Section = Record<string, unknown>;

const yes = (v: unknown, dflt: boolean) =>
  v === undefined ? dflt : v === true || v === 'yes' || v === 'on' || v === '1';
const words = (v: unknown) => (typeof v === 'string' ? v.split(/[\s,]+/).filter(Boolean) : []);
const many = (v: unknown) => (v === undefined ? [] : Array.isArray(v) ? (v as string[]) : [v as string]);

export function resolveConfigPath(
  explicit: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): string {
  return explicit ?? (env.TOKENMAP_CONFIG || DEFAULT_CONFIG);
}

/** Reads, validates and types the configuration file; nothing it names is read. */
export function loadSiteConfig(file: string, reader: FileReader): SiteConfig {
  return parseSiteConfig(readText(reader, file, 'configuration', 'CONFIG_UNREADABLE'), file);
}

/** Validates and types the text of a configuration file; `file` names it in messages and anchors relative paths. */
export function parseSiteConfig(text: string, file: string): SiteConfig {
  // `ini` lets a second [audience] or accept = replace the first: refuse both, naming the line.
  const scan = scanIni(text, file);
  const bad = scan.problems[0];
  if (bad)
    throw new TokenmapError(
      'CONFIG_INVALID',
      bad.message + (scan.problems.length > 1 ? ` (and ${scan.problems.length - 1} more; run tokenmap check)` : ''),
      { file, line: bad.pos.line },
    );
  // The loader's messages name FILE:LINE; columns are for check.
  const pos = new Map<string, SourcePos>([...scan.positions].map(([k, v]) => [k, { file, line: v.line }]));
  const doc = decode(text) as Record<string, Section>;
  const problems = schemaProblems(validateConfig as Validator, doc, pos, { file, line: 0 });
  const invalid = firstOf('CONFIG_INVALID', problems);
  if (invalid) throw invalid;

  const dir = file.includes('/') ? file.slice(0, file.lastIndexOf('/') + 1) : '';
  const abs = (p: string) => (p.startsWith('/') ? p : dir + p);
  const htcondor = doc.htcondor ?? {};
  const audience = doc.audience ?? {};
  const tokens = doc.tokens ?? {};
  const identity = doc.identity ?? {};
  const limits = doc.limits ?? {};

  const sources = many(doc.rules?.source).map((s): SourceRef => {
    const colon = s.indexOf(':');
    return { kind: s.slice(0, colon) as SourceRef['kind'], path: abs(s.slice(colon + 1)) };
  });
  const plugins = Object.entries(doc).flatMap(([name, section]) => {
    const m = /^plugin (\S+)$/.exec(name);
    return m ? [{ name: m[1] as string, policies: many(section.policy).map(abs) }] : [];
  });
  const at = (ptr: string) => pos.get(ptr) ?? { file, line: 0 };
  const pools = Object.entries(doc).flatMap(([name, section]) => {
    const m = /^pool (\S+)$/.exec(name);
    if (!m) return [];
    const parsed = parsePoolSection(m[1] as string, at(`/${name}`), (k) =>
      typeof section[k] === 'string' ? { value: section[k] as string, pos: at(`/${name}/${k}`) } : undefined,
    );
    const problem = parsed.problems[0];
    if (problem) throw new TokenmapError('CONFIG_INVALID', problem.message, problem.pos);
    return parsed.pool ? [parsed.pool] : [];
  });
  const safePattern = (identity.safe_pattern as string | undefined) ?? DEFAULT_SAFE_PATTERN;
  try {
    new RegExp(safePattern);
  } catch (e) {
    throw new TokenmapError(
      'CONFIG_INVALID',
      `safe_pattern is not a valid regular expression (${(e as Error).message})`,
      at('/identity/safe_pattern'),
    );
  }
  const verification = tokenSettings(tokens, abs, (ptr) => pos.get(ptr));
  return {
    file,
    sources,
    plugins,
    htcondor: {
      uidDomain: (htcondor.uid_domain as string | undefined) ?? DEFAULT_UID_DOMAIN,
      hashKeys: yes(htcondor.hash_keys, true),
      excludeRegexp: htcondor.exclude_regexp as string | undefined,
      pluginNames:
        typeof htcondor.plugin_names === 'string' ? htcondor.plugin_names.split(/[,\s]+/).filter(Boolean) : [],
    },
    identity: {
      safePattern,
      deny: words(identity.deny),
      domains: words(identity.domains),
      allowSystem: words(identity.allow_system),
      accountFiles: {
        passwd: abs((identity.passwd as string | undefined) ?? DEFAULT_ACCOUNT_FILES.passwd),
        group: abs((identity.group as string | undefined) ?? DEFAULT_ACCOUNT_FILES.group),
        loginDefs: abs((identity.login_defs as string | undefined) ?? DEFAULT_ACCOUNT_FILES.loginDefs),
      },
    },
    audience: {
      accept: words(audience.accept),
      wlcgAny: yes(audience.wlcg_any, false),
      scitokensAny: yes(audience.scitokens_any, false),
      missingOkIssuers: words(audience.missing_ok_issuers),
      arc6Unchecked: yes(audience.arc6_unchecked, false),
    },
    tokenChecks: verification.check ? { skew: verification.skew } : null,
    tokens: verification,
    settings: {
      deadline: limitSeconds(
        Number(limits.deadline ?? DEFAULT_DEADLINE_S),
        '[limits] deadline',
        MAX_DEADLINE_S,
        pos.get('/limits/deadline'),
      ),
      regexBudget: limitSeconds(
        Number(limits.regex_budget ?? DEFAULT_REGEX_BUDGET_S),
        '[limits] regex_budget',
        MAX_DEADLINE_S,
        pos.get('/limits/regex_budget'),
      ),
      fileMax: limits.file_max === undefined ? undefined : Number(limits.file_max),
      stdinMax: Number(limits.stdin_max ?? DEFAULT_STDIN_MAX),
      auditLog: doc.audit?.log === undefined ? undefined : abs(doc.audit.log as string),
    },
    pools,
    banFiles: many(doc.bans?.file).map(abs),
    serve: doc.serve
      ? {
          socket: doc.serve.socket as string | undefined,
          budget: doc.serve.budget === undefined ? undefined : Number(doc.serve.budget),
          port: doc.serve.port as string | undefined,
        }
      : null,
  };
}
