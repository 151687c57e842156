/**
 * Builds the Pipeline from rule-source paths: map files (with @include) and policy files or directories
 * of `*.ini` policy files. All reading goes through the injected reader; problems become typed errors
 * naming FILE:LINE (exit 2 at the edges), warnings become notes.
 */
import { binaryFromText, textFromBinary } from '../bytes.js';
import { formatPos, systemErrorText, TokenmapError } from '../errors.js';
import { decodeUtf8 } from '../claims/strict-json.js';
import type { MapReader } from '../mapfile/load.js';
import { loadMapSource } from '../mapfile/map-source.js';
import { parsePolicy, type PolicyFile } from '../policy/parse.js';
import { compilePolicies, type CompiledPolicies } from './policies.js';
import type { RuleSource } from './pipeline.js';

export function readText(reader: MapReader, path: string, what: string, code: string): string {
  try {
    return decodeUtf8(reader.read(binaryFromText(path)), `${what} ${path}`);
  } catch (e) {
    if (e instanceof TokenmapError) throw new TokenmapError(code, e.message, { file: path, line: 0 });
    throw new TokenmapError(code, `cannot read ${what} (${systemErrorText(e)})`, { file: path, line: 0 });
  }
}

/** A policy file, or every `*.ini` file (not hidden) of a directory in byte order. */
export function readPolicyFiles(path: string, reader: MapReader, notes: string[]): PolicyFile[] {
  const bin = binaryFromText(path);
  const files =
    reader.kind(bin) === 'dir'
      ? reader
          .list(bin)
          .filter((n) => n.endsWith('.ini') && !n.startsWith('.'))
          .sort()
          .map((n) => (path.endsWith('/') ? path : path + '/') + textFromBinary(n))
      : [path];
  const parsed: PolicyFile[] = files.map((f) =>
    parsePolicy(readText(reader, f, 'policy file', 'POLICY_UNREADABLE'), f),
  );
  for (const pf of parsed) {
    const errors = pf.problems.filter((p) => p.severity === 'error');
    const first = errors[0];
    if (first) {
      const more = errors.length > 1 ? ` (and ${errors.length - 1} more; run tokenmap check)` : '';
      throw new TokenmapError('POLICY_INVALID', first.message + more, first.pos);
    }
    for (const w of pf.problems) notes.push(`${formatPos(w.pos)}: ${w.message}`);
  }
  return parsed;
}

export function loadPolicies(path: string, reader: MapReader, notes: string[]): CompiledPolicies {
  return compilePolicies(path, readPolicyFiles(path, reader, notes));
}

export interface MapfileSettings {
  hashKeys: boolean;
  excludeRegexp?: string;
}

export function loadSource(
  kind: 'mapfile' | 'policy',
  path: string,
  reader: MapReader,
  map: MapfileSettings,
  notes: string[],
): RuleSource {
  if (kind === 'policy') return { kind, label: path, policies: loadPolicies(path, reader, notes) };
  const source = loadMapSource(path, reader, { hashKeys: map.hashKeys, excludeRegexp: map.excludeRegexp });
  for (const i of source.issues) notes.push(`${formatPos(i.pos)}: ${i.message}`);
  return { kind, label: path, map: source };
}
