/**
 * The file-reader interface every loader reads through: the real file system in the CLI (node-reader.ts),
 * anything else in tests and in a long-lived server. Paths are binary strings (the bytes of the path), so
 * that any byte in a map file survives.
 */
import type { Binary } from '../bytes.js';

/** Reads files and directories; what a loader may do to the file system, and nothing more. */
export interface FileReader {
  /** The file's bytes; throws an Error (with `code`, e.g. ENOENT) when it cannot be read. */
  read(path: Binary): Uint8Array;
  /** 'dir' for a directory (symlinks followed), 'missing' when it does not exist. */
  kind(path: Binary): 'file' | 'dir' | 'missing';
  /** Names directly inside a directory. */
  list(dir: Binary): Binary[];
  /** The same reader with another cap on the size of one file (`[limits] file_max`). */
  withMax?(bytes: number): FileReader;
}
