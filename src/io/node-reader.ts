/** The real file system behind the injected reader interfaces (paths are binary strings: exact bytes). */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { binaryFromBytes, bytesFromBinary, type Binary } from '../bytes.js';
import type { FileReader } from './reader.js';

/** The FileReader of the real file system (synchronous: a callout reads a handful of small files). */
export const nodeReader: FileReader = {
  read: (path: Binary) => readFileSync(bytesFromBinary(path)),
  kind(path: Binary) {
    const st = statSync(bytesFromBinary(path), { throwIfNoEntry: false });
    return st === undefined ? 'missing' : st.isDirectory() ? 'dir' : 'file';
  },
  list: (dir: Binary) => readdirSync(bytesFromBinary(dir), { encoding: 'buffer' }).map(binaryFromBytes),
};
