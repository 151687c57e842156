/**
 * `check`'s core: lint a site configuration and everything it reaches, or files given alone (recognised
 * by content: a site configuration, a policy file, a map file). No output here: problems come back sorted.
 */
import { DEFAULT_UID_DOMAIN } from '../config/config.js';
import { binaryFromText, textFromBinary, binaryFromBytes } from '../bytes.js';
import { identityPolicy } from '../engine/identity.js';
import { TokenmapError, systemErrorText } from '../errors.js';
import type { FileReader } from '../io/reader.js';
import type { LintContext } from './context.js';
import { trailingSlashChecks } from './issuer.js';
import { lintMapfile } from './mapfile.js';
import { lintPolicyPath } from './policy.js';
import { collector, sortProblems, type LintProblem } from './problem.js';
import { mapShadows, policyShadows, poolChecks } from './reachability.js';
import { lintConfig } from './site-config.js';

export type FileKind = 'config' | 'policy' | 'mapfile' | 'policy-dir';

const CONFIG_SECTIONS = /^(rules|htcondor|audience|tokens|identity|audit|limits|bans|serve|plugin \S+)$/;

/** What a file is, from its content: the first section header tells INI files apart; anything else is a map file. */
export function recognise(text: string): Exclude<FileKind, 'policy-dir'> {
  const header = /^\s*\[([^\]\n]+)\]\s*$/m.exec(text);
  const first = text.split('\n').find((l) => !/^\s*([#;]|$)/.test(l)) ?? '';
  if (!header || !/^\s*\[/.test(first)) return 'mapfile';
  return CONFIG_SECTIONS.test((header[1] as string).trim()) ? 'config' : 'policy';
}

export function lintWithConfig(file: string, reader: FileReader): LintProblem[] {
  const { problems, report } = collector();
  lintConfig(file, reader, report);
  return sortProblems(problems);
}

export interface FilesOptions {
  hashKeys: boolean;
}

/** Files given alone: each linted as what it is; PLUGIN: names are notes, there being no configuration. */
export function lintFiles(files: readonly string[], reader: FileReader, opts: FilesOptions): LintProblem[] {
  const { problems, report } = collector();
  const ctx: LintContext = {
    report,
    reader,
    plugins: null,
    identity: identityPolicy({ uidDomain: DEFAULT_UID_DOMAIN }),
    hashKeys: opts.hashKeys,
    issuers: [],
    pools: new Set(),
    poolRefs: [],
  };
  for (const file of files) {
    const bin = binaryFromText(file);
    if (reader.kind(bin) === 'dir') {
      policyShadows(ctx, lintPolicyPath(file, ctx, null).facts);
      continue;
    }
    let bytes: Uint8Array;
    try {
      bytes = reader.read(bin);
    } catch (e) {
      throw new TokenmapError('INPUT_UNREADABLE', `cannot read ${file} (${systemErrorText(e)})`, { file, line: 0 });
    }
    const kind = recognise(textFromBinary(binaryFromBytes(bytes)));
    if (kind === 'config') lintConfig(file, reader, report);
    else if (kind === 'policy') policyShadows(ctx, lintPolicyPath(file, ctx, null).facts);
    else mapShadows(ctx, lintMapfile(file, ctx));
  }
  trailingSlashChecks(ctx);
  poolChecks(ctx);
  return sortProblems(problems);
}
