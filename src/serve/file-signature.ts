/**
 * What the reload watcher compares: for each file or directory the rules were built from, its inode,
 * size and change times (a directory's times change when an entry is added or removed). Polling stat
 * rather than inotify: editors and configuration managers replace files by rename, which an inotify
 * watch on the old inode never reports, and a few dozen stat calls per tick cost nothing.
 */
import { statSync } from 'node:fs';
import { bytesFromBinary, type Binary } from '../bytes.js';
import type { FileReader } from '../io/reader.js';

export type Signatures = Map<Binary, string>;

export function signature(path: Binary): string {
  try {
    const st = statSync(bytesFromBinary(path), { bigint: true });
    return `${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
  } catch (e) {
    return `missing:${(e as NodeJS.ErrnoException).code ?? ''}`;
  }
}

export function signatures(paths: Iterable<Binary>): Signatures {
  const out: Signatures = new Map();
  for (const p of paths) out.set(p, signature(p));
  return out;
}

export function sameSignatures(a: Signatures, b: Signatures): boolean {
  if (a.size !== b.size) return false;
  for (const [p, s] of a) if (b.get(p) !== s) return false;
  return true;
}

/**
 * A reader that notes every path it is asked about, so that a build lists what it depends on. It keeps
 * `withMax`: without it a build would silently skip `[limits] file_max` and serve a file the cold path refuses.
 */
export function recordingReader(reader: FileReader, seen: Set<Binary>): FileReader {
  const capped = reader.withMax?.bind(reader);
  return {
    read: (p) => (seen.add(p), reader.read(p)),
    kind: (p) => (seen.add(p), reader.kind(p)),
    list: (d) => (seen.add(d), reader.list(d)),
    ...(capped && { withMax: (bytes: number) => recordingReader(capped(bytes), seen) }),
  };
}
