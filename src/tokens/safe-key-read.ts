/**
 * File safety for key material (key caches, the WLCG JWKS cache, pinned JWKS files, the CA directory): the
 * rules shared/spec/tokens.md §14 sets for token files, applied to the files that decide which keys are
 * trusted. Whoever can write such a file can make forged tokens verify, and a FIFO or device in its place
 * would block the (synchronous) read forever, so a key file must be a regular file, reached without a
 * symlink in its last component, owned by the effective uid or root and writable by nobody else, in a
 * directory with the same owner and write rules, and no larger than a cap. Opening with O_NONBLOCK means a
 * FIFO is refused by fstat instead of blocking in open; io/regular-file.ts does that reading for every file.
 */
import { statSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';
import { readRegularFile } from '../io/regular-file.js';

/** Generous for a JWKS or an IGTF CA file; an issuer's JWKS is a few KiB. */
export const KEY_FILE_MAX_BYTES = 4 * 1024 * 1024;

/** A key file or directory the rules refuse; `message` names the path and the rule. */
export class UnsafeKeyFile extends Error {
  readonly code = 'UNSAFE_KEY_FILE';
}

const euid = () => process.geteuid?.() ?? 0;

/** Why `st` is not safe to trust, or undefined. Pure: the caller supplies the uid. */
export function ownershipProblem(st: Pick<Stats, 'uid' | 'mode'>, uid: number): string | undefined {
  if (st.uid !== uid && st.uid !== 0) return `owned by uid ${st.uid}, not by uid ${uid} or root`;
  if ((st.mode & 0o022) !== 0)
    return `writable by ${st.mode & 0o020 ? 'group' : 'others'} (mode ${(st.mode & 0o7777).toString(8)})`;
  return undefined;
}

const unsafe = (path: string, why: string) => new UnsafeKeyFile(`${path}: refused as a key file: ${why}`);

/** Throws UnsafeKeyFile when the directory may be written by someone other than the euid or root. */
export function checkKeyDirectory(dir: string): void {
  const st = statSync(dir);
  if (!st.isDirectory()) throw unsafe(dir, 'not a directory');
  const why = ownershipProblem(st, euid());
  if (why) throw unsafe(dir, `directory ${why}`);
}

/** null when the file does not exist; UnsafeKeyFile when it breaks a rule; other errors as thrown. */
export function readKeyFile(path: string, maxBytes = KEY_FILE_MAX_BYTES): Buffer | null {
  const check = (st: Stats) => {
    const why = ownershipProblem(st, euid());
    if (why) throw unsafe(path, why);
    checkKeyDirectory(dirname(path));
  };
  try {
    return readRegularFile(path, { max: maxBytes, noFollow: true, check });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    if (code === 'ELOOP') throw unsafe(path, 'a symlink');
    if (code === 'ENOTREG' || code === 'EISDIR') throw unsafe(path, 'not a regular file');
    if (code === 'EFBIG') throw unsafe(path, `larger than ${maxBytes} bytes`);
    throw e;
  }
}
