/** The real file system behind the injected reader interfaces (paths are binary strings: exact bytes). */
import { readdirSync, statSync } from 'node:fs';
import { binaryFromBytes, bytesFromBinary, type Binary } from '../bytes.js';
import type { FileReader } from './reader.js';
import { DEFAULT_FILE_MAX, readRegularFile } from './regular-file.js';

function kind(path: Binary): 'file' | 'dir' | 'missing' {
  const st = statSync(bytesFromBinary(path), { throwIfNoEntry: false });
  return st === undefined ? 'missing' : st.isDirectory() ? 'dir' : 'file';
}

const list = (dir: Binary) => readdirSync(bytesFromBinary(dir), { encoding: 'buffer' }).map(binaryFromBytes);

/**
 * The FileReader of the real file system (synchronous: a callout reads a handful of small files). Regular
 * files only, at most `max` bytes each (regular-file.ts).
 */
export function nodeReaderWith(max: number): FileReader {
  return {
    read: (path: Binary) => readRegularFile(bytesFromBinary(path), { max }),
    kind,
    list,
    withMax: nodeReaderWith,
  };
}

/** The real file system, files capped at 16 MiB (`[limits] file_max` changes the cap). */
export const nodeReader: FileReader = nodeReaderWith(DEFAULT_FILE_MAX);
