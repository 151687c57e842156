/**
 * Reads a file that must be a regular file, at most `max` bytes. Opened with O_NONBLOCK so that a FIFO
 * cannot block the open (the deadline could not interrupt it), then checked on the open descriptor (no race
 * with a rename): a FIFO, a device such as /dev/zero, a socket or a directory is refused, and so is a file
 * over the cap, before or while it is read, so memory stays bounded whatever the path names.
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';

/** 16 MiB: a generated map file of 100,000 lines is about 10 MiB. */
export const DEFAULT_FILE_MAX = 16 * 1024 * 1024;

export interface RegularFileOptions {
  max?: number;
  /** Refuse a symbolic link as the final component (O_NOFOLLOW). */
  noFollow?: boolean;
  /** More rules on the open descriptor's stat (a regular file), before anything is read; throws to refuse. */
  check?: (st: Stats) => void;
}

function kindOf(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'this';
}

/** An Error with a `code`, read by systemErrorText like the system's own. */
export function fileError(code: string, text: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${text}`), { code });
}

export function readRegularFile(path: string | Buffer, opts: RegularFileOptions = {}): Buffer {
  const max = opts.max ?? DEFAULT_FILE_MAX;
  const flags = constants.O_RDONLY | constants.O_NONBLOCK | (opts.noFollow ? constants.O_NOFOLLOW : 0);
  let fd: number;
  try {
    fd = openSync(path, flags);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ELOOP' && opts.noFollow)
      throw fileError('ELOOP', 'is a symbolic link, which is not followed here');
    throw e;
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw fileError('EISDIR', 'is a directory');
    if (!st.isFile()) throw fileError('ENOTREG', `${kindOf(st)} is not a regular file`);
    opts.check?.(st);
    if (st.size > max) throw fileError('EFBIG', `${st.size} bytes is over the cap of ${max} bytes`);
    // The size can change under us: read to EOF, never past the cap.
    const chunks: Buffer[] = [];
    let total = 0;
    const buf = Buffer.allocUnsafe(Math.min(max + 1, Math.max(st.size + 1, 4096)));
    for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0;) {
      total += n;
      if (total > max) throw fileError('EFBIG', `grew over the cap of ${max} bytes while being read`);
      chunks.push(Buffer.from(buf.subarray(0, n)));
    }
    return Buffer.concat(chunks, total);
  } finally {
    closeSync(fd);
  }
}
