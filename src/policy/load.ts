/**
 * Reads policy files through the injected reader: a policy file, or every `*.ini` file (not hidden) of a
 * directory in byte order. An error in any file is a typed error naming FILE:LINE (exit 2 at the edges);
 * warnings become notes.
 */
import { binaryFromText, textFromBinary } from '../bytes.js';
import { formatPos, TokenmapError } from '../errors.js';
import type { FileReader } from '../io/reader.js';
import { readText } from '../io/read-text.js';
import { parsePolicy, type PolicyFile } from './parse.js';

export const EMPTY_POLICY_DIR = 'no *.ini policy file in this directory: it holds no rule';

/**
 * The parsed files of one policy path (a file or a directory), in order. A directory with no `*.ini` file
 * is no error here: it is a note, and `empty` records it, so a dry run shows what the rules would do while
 * a callout refuses to decide on it (requireRules).
 */
export function readPolicyFiles(path: string, reader: FileReader, notes: string[], empty: string[]): PolicyFile[] {
  const bin = binaryFromText(path);
  const files =
    reader.kind(bin) === 'dir'
      ? reader
          .list(bin)
          .filter((n) => n.endsWith('.ini') && !n.startsWith('.'))
          .sort()
          .map((n) => (path.endsWith('/') ? path : path + '/') + textFromBinary(n))
      : [path];
  if (files.length === 0) {
    notes.push(`${path}: ${EMPTY_POLICY_DIR}`);
    empty.push(path);
    return [];
  }
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
