/**
 * The Pipeline of an ad-hoc run: rule sources from `-c/--policy` and `--mapfile` flags, in the order
 * given, and no configuration file. This is check-in-validator's drop-in mode: tokenmap relies on the CE
 * for token checks and audiences (the policy decides the audience per rule), and any `PLUGIN:<name>` in a
 * `--mapfile` hands over to the `-c` policies.
 */
import type { MapReader } from '../mapfile/load.js';
import { DEFAULT_UID_DOMAIN } from '../config/config.js';
import { identityPolicy } from './identity.js';
import type { PolicyFile } from '../policy/parse.js';
import { loadSource, readPolicyFiles } from './load.js';
import type { Pipeline, RuleSource } from './pipeline.js';
import { compilePolicies } from './policies.js';

export interface FlagSource {
  kind: 'mapfile' | 'policy';
  path: string;
}

/** The rule-source flags in argv order (commander keeps each option's values, not their interleaving). */
export function orderedSources(argv: readonly string[]): FlagSource[] {
  const out: FlagSource[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--') break;
    const m = /^(-c|--policy|--mapfile)(?:=(.*))?$/.exec(a);
    if (!m) continue;
    const path = m[2] ?? argv[++i];
    if (path !== undefined) out.push({ kind: m[1] === '--mapfile' ? 'mapfile' : 'policy', path });
  }
  return out;
}

export function pipelineFromFlags(
  sources: readonly FlagSource[],
  reader: MapReader,
  opts: { hashKeys: boolean; uidDomain?: string },
): Pipeline {
  const notes: string[] = [];
  const allPolicyFiles: PolicyFile[] = [];
  const loaded = sources.map((s): RuleSource => {
    if (s.kind === 'mapfile') return loadSource('mapfile', s.path, reader, { hashKeys: opts.hashKeys }, notes);
    const files = readPolicyFiles(s.path, reader, notes);
    allPolicyFiles.push(...files);
    return { kind: 'policy', label: s.path, policies: compilePolicies(s.path, files) };
  });
  return {
    sources: loaded,
    plugins: new Map(),
    anyPlugin: allPolicyFiles.length ? compilePolicies('-c policies', allPolicyFiles) : null,
    pluginNames: [],
    uidDomain: opts.uidDomain ?? DEFAULT_UID_DOMAIN,
    identity: identityPolicy(),
    audience: { accept: [], wlcgAny: false, scitokensAny: false, enforce: false, missingOkIssuers: [] },
    tokenChecks: null,
    notes,
  };
}
