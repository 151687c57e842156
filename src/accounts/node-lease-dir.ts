/**
 * The lease steps (lease-ops.ts) on a real directory, synchronously. Every open refuses symlinks and never
 * blocks (a FIFO planted in the directory cannot hang a callout); times are set through the descriptor
 * that was read. `beforeStep` lets the test suite stop a taker between any two steps.
 */
import {
  closeSync,
  constants,
  fstatSync,
  futimesSync,
  linkSync,
  lstatSync,
  openSync,
  readdirSync,
  readSync,
  renameSync,
  unlinkSync,
  writeSync,
  type BigIntStats,
} from 'node:fs';
import { systemErrorText } from '../errors.js';
import type { EntryStat, LeaseOp, LeaseResult } from './lease-ops.js';
import type { LeaseHost } from './pool-leases.js';

const READ_MAX = 512;
const { O_RDONLY, O_RDWR, O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_NONBLOCK } = constants;

function entryStat(st: BigIntStats): EntryStat {
  return {
    ino: st.ino,
    nlink: Number(st.nlink),
    mtimeMs: Number(st.mtimeMs),
    kind: st.isFile() ? 'file' : st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : 'other',
  };
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export type StepHook = (n: number, op: LeaseOp) => void;

export function nodeLeaseExecutor(dir: string, beforeStep?: StepHook): (op: LeaseOp) => LeaseResult {
  const path = (name: string) => {
    // A name is one entry of the lease directory, never a path (lease-ops.ts).
    if (!name || name === '.' || name === '..' || name.includes('/') || name.includes('\0') || name.length > 255)
      throw new Error(`not a lease directory entry: ${JSON.stringify(name)}`);
    return `${dir}/${name}`;
  };
  const withFd = <T>(name: string, flags: number, use: (fd: number) => T): T => {
    const fd = openSync(path(name), flags | O_NOFOLLOW | O_NONBLOCK, 0o644);
    try {
      return use(fd);
    } finally {
      closeSync(fd);
    }
  };
  let n = 0;
  const perform = (op: LeaseOp): LeaseResult => {
    switch (op.op) {
      case 'link':
        linkSync(path(op.from), path(op.to));
        return { ok: true };
      case 'unlink':
        unlinkSync(path(op.name));
        return { ok: true };
      case 'rename':
        renameSync(path(op.from), path(op.to));
        return { ok: true };
      case 'lstat':
        return { stat: entryStat(lstatSync(path(op.name), { bigint: true })) };
      case 'fresh-stat':
        return withFd(op.name, O_RDONLY, (fd) => ({ stat: entryStat(fstatSync(fd, { bigint: true })) }));
      case 'list':
        return { names: readdirSync(dir) };
      case 'create':
        return withFd(op.name, O_WRONLY | O_CREAT | O_EXCL, (fd) => {
          writeSync(fd, op.content);
          return { ok: true };
        });
      case 'read':
        return withFd(op.name, op.stamp ? O_RDWR : O_RDONLY, (fd) => {
          const stat = entryStat(fstatSync(fd, { bigint: true }));
          if (stat.kind !== 'file') return { stat, content: '' };
          const buf = Buffer.alloc(READ_MAX);
          const content = buf.subarray(0, readSync(fd, buf, 0, READ_MAX, 0)).toString('latin1');
          if (op.stamp) writeSync(fd, op.stamp.text, op.stamp.offset);
          if (op.setMtimeMs !== undefined) futimesSync(fd, op.setMtimeMs / 1000, op.setMtimeMs / 1000);
          return { stat, content };
        });
      case 'sleep':
        sleepSync(op.ms);
        return { ok: true };
    }
  };
  return (op) => {
    beforeStep?.(++n, op);
    try {
      return perform(op);
    } catch (e) {
      const errno = (e as NodeJS.ErrnoException).code;
      if (typeof errno !== 'string') throw e;
      return { errno, message: systemErrorText(e) };
    }
  };
}

/** The real host: lease directories on the local or NFS file system. */
export function nodeLeaseHost(beforeStep?: StepHook): LeaseHost {
  return {
    executor: (dir) => nodeLeaseExecutor(dir, beforeStep),
    missingDir(dir) {
      const st = lstatSync(dir, { throwIfNoEntry: false });
      if (!st) return 'the lease directory does not exist (create it; tokenmap creates the account files in it)';
      return st.isDirectory() ? null : 'the lease directory is not a directory';
    },
    // node:os only when a lease is taken: loading it costs every callout about 0.2 ms.
    host: () => process.getBuiltinModule('node:os').hostname(),
    pid: process.pid,
    random: Math.random,
  };
}
