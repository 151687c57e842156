/**
 * The file access the key sources need, injected so that the sources stay testable: read a whole file
 * (null when it does not exist), list a directory, and replace a file atomically (write a temporary file
 * in the same directory, then rename it over the old one, so a concurrent reader sees the old or the new
 * file, never a part). The Node implementation reads only files that pass the key-file safety rules
 * (safe-key-read.ts) and writes only into a directory that passes them.
 */
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import { checkKeyDirectory, readKeyFile } from './safe-key-read.js';

export interface KeyFiles {
  read(path: string): Buffer | null;
  list(dir: string): string[] | null;
  replace(path: string, data: string): void;
}

const missing = (e: unknown) => ['ENOENT', 'ENOTDIR'].includes((e as NodeJS.ErrnoException).code ?? '');

export const nodeKeyFiles: KeyFiles = {
  read: (path) => readKeyFile(path),
  list(dir) {
    try {
      return readdirSync(dir).sort();
    } catch (e) {
      if (missing(e)) return null;
      throw e;
    }
  },
  replace(path, data) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
    // a directory others can write would let them swap the file after the rename
    checkKeyDirectory(dirname(path));
    const tmp = `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
    try {
      writeFileSync(tmp, data, { mode: 0o644, flag: 'wx' });
      renameSync(tmp, path);
    } catch (e) {
      rmSync(tmp, { force: true });
      throw e;
    }
  },
};
