/**
 * The site configuration (/etc/tokenmap/tokenmap.ini; --config, $TOKENMAP_CONFIG), read with the `ini`
 * package, checked against schemas/config.schema.json by the generated validator (no schema is compiled
 * at start-up), and turned into a Pipeline plus the run-time limits. Relative paths are relative to the
 * configuration file. Every problem names FILE:LINE.
 */
import { decode } from 'ini';
import { TokenmapError, type SourcePos } from '../errors.js';
import { validate as validateConfig } from '../generated/config-validator.js';
import { identityPolicy, DEFAULT_SAFE_PATTERN } from '../engine/identity.js';
import { loadSource, readPolicyFiles, readText } from '../engine/load.js';
import type { Pipeline, RuleSource } from '../engine/pipeline.js';
import { compilePolicies, type CompiledPolicies } from '../engine/policies.js';
import type { MapReader } from '../mapfile/load.js';
import { schemaProblems, type Validator } from '../policy/schema-errors.js';

export const DEFAULT_CONFIG = '/etc/tokenmap/tokenmap.ini';
export const DEFAULT_UID_DOMAIN = 'users.htcondor.org';
export const DEFAULT_DEADLINE_S = 5;
export const DEFAULT_STDIN_MAX = 64 * 1024;
export const DEFAULT_SKEW_S = 60;

export interface Settings {
  /** Seconds a callout may take in all (stdin included) before it fails closed. */
  deadline: number;
  stdinMax: number;
  auditLog?: string;
}

export interface LoadedConfig {
  file: string;
  pipeline: Pipeline;
  settings: Settings;
}

type Section = Record<string, unknown>;

/** Where each `/section/key` was written: `ini` does not say. */
function positions(text: string, file: string): Map<string, SourcePos> {
  const out = new Map<string, SourcePos>();
  let section = '';
  text.split(/\r?\n/).forEach((line, n) => {
    const pos = { file, line: n + 1 };
    const header = /^\s*\[([^\]]*)\]\s*$/.exec(line);
    if (header) {
      section = header[1] as string;
      out.set(`/${section}`, pos);
      return;
    }
    const key = /^\s*([^=;#\s][^=]*?)\s*(?:\[\])?\s*=/.exec(line);
    if (key) {
      const k = `/${section}/${(key[1] as string).replace(/\[\]$/, '')}`;
      if (!out.has(k)) out.set(k, pos);
    }
  });
  return out;
}

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

export function loadConfig(file: string, reader: MapReader): LoadedConfig {
  const text = readText(reader, file, 'configuration', 'CONFIG_UNREADABLE');
  const pos = positions(text, file);
  const doc = decode(text) as Record<string, Section>;
  const problems = schemaProblems(validateConfig as Validator, doc, pos, { file, line: 0 });
  const first = problems[0];
  if (first)
    throw new TokenmapError(
      'CONFIG_INVALID',
      first.message + (problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''),
      first.pos,
    );

  const dir = file.includes('/') ? file.slice(0, file.lastIndexOf('/') + 1) : '';
  const abs = (p: string) => (p.startsWith('/') ? p : dir + p);
  const at = (ptr: string) => pos.get(ptr) ?? { file, line: 0 };
  const htcondor = doc.htcondor ?? {};
  const audience = doc.audience ?? {};
  const tokens = doc.tokens ?? {};
  const identity = doc.identity ?? {};
  const limits = doc.limits ?? {};
  const notes: string[] = [];
  const mapSettings = {
    hashKeys: yes(htcondor.hash_keys, true),
    excludeRegexp: htcondor.exclude_regexp as string | undefined,
  };

  const sources: RuleSource[] = many(doc.rules?.source).map((s) => {
    const colon = s.indexOf(':');
    return loadSource(s.slice(0, colon) as 'mapfile' | 'policy', abs(s.slice(colon + 1)), reader, mapSettings, notes);
  });
  const plugins = new Map<string, CompiledPolicies>();
  for (const [name, section] of Object.entries(doc)) {
    const m = /^plugin (\S+)$/.exec(name);
    if (!m) continue;
    const files = many(section.policy).flatMap((p) => readPolicyFiles(abs(p), reader, notes));
    plugins.set((m[1] as string).toUpperCase(), compilePolicies(`plugin ${m[1]}`, files));
  }
  let safe: RegExp;
  try {
    safe = new RegExp((identity.safe_pattern as string | undefined) ?? DEFAULT_SAFE_PATTERN);
  } catch (e) {
    throw new TokenmapError(
      'CONFIG_INVALID',
      `safe_pattern is not a valid regular expression (${(e as Error).message})`,
      at('/identity/safe_pattern'),
    );
  }
  const accept = words(audience.accept);
  const wlcgAny = yes(audience.wlcg_any, false);
  const scitokensAny = yes(audience.scitokens_any, false);
  const pipeline: Pipeline = {
    sources,
    plugins,
    anyPlugin: null,
    pluginNames: typeof htcondor.plugin_names === 'string' ? htcondor.plugin_names.split(/[,\s]+/).filter(Boolean) : [],
    uidDomain: (htcondor.uid_domain as string | undefined) ?? DEFAULT_UID_DOMAIN,
    identity: { ...identityPolicy(undefined, words(identity.deny)), safe },
    audience: {
      accept,
      wlcgAny,
      scitokensAny,
      enforce: accept.length > 0 || wlcgAny || scitokensAny,
      missingOkIssuers: words(audience.missing_ok_issuers),
    },
    tokenChecks: yes(tokens.check, true) ? { skew: Number(tokens.skew ?? DEFAULT_SKEW_S) } : null,
    notes,
  };
  if (!pipeline.audience.enforce)
    notes.push(
      `${file}: no [audience] accept list: tokenmap does not check audiences (HTCondor skips the check for EGI tokens, ARC never checks)`,
    );
  return {
    file,
    pipeline,
    settings: {
      deadline: Number(limits.deadline ?? DEFAULT_DEADLINE_S),
      stdinMax: Number(limits.stdin_max ?? DEFAULT_STDIN_MAX),
      auditLog: doc.audit?.log === undefined ? undefined : abs(doc.audit.log as string),
    },
  };
}
