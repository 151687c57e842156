/**
 * The file-system steps a lease takes, as data. The lease protocol (lease-protocol.ts, lease-expiry.ts) is
 * written as generators that yield these steps and receive their results, so it holds no I/O of its own:
 * the real driver (node-lease-dir.ts) performs each step on the lease directory, a test driver can
 * interleave many takers step by step and stop any of them between two steps, as a crash would.
 *
 * Every name is one directory entry of the lease directory, never a path: the driver refuses anything
 * else, so no name built from a token can leave the directory.
 */
export interface EntryStat {
  /** bigint: inode numbers of NFS and XFS exceed 2^53. */
  ino: bigint;
  nlink: number;
  mtimeMs: number;
  kind: 'file' | 'dir' | 'symlink' | 'other';
}

export type LeaseOp =
  /** link(2): a new name for an existing inode; atomic, also on NFS. */
  | { op: 'link'; from: string; to: string }
  | { op: 'unlink'; name: string }
  /** rename(2): atomically takes a name away (used to remove a lease only if it is still the one we looked at). */
  | { op: 'rename'; from: string; to: string }
  /** lstat(2) of the name: right after our own link(2) the client holds the count the server returned. */
  | { op: 'lstat'; name: string }
  /** open(2) + fstat(2): revalidates cached attributes (NFS close-to-open), for decisions made on mtime. */
  | { op: 'fresh-stat'; name: string }
  | { op: 'list' }
  /** A new file with this content, only if the name is free (O_CREAT | O_EXCL). */
  | { op: 'create'; name: string; content: string }
  /**
   * open(2) without following a symlink, fstat(2), read the start of the content; then, for a regular file,
   * optionally write `stamp` at its offset and set the mtime, and close: the time is set on the very inode
   * that was read. The stat is the one from before any change.
   */
  | { op: 'read'; name: string; setMtimeMs?: number; stamp?: { offset: number; text: string } }
  /** Back off before another round when takers collided. */
  | { op: 'sleep'; ms: number };

export type LeaseResult =
  | { errno: string; message: string }
  | { ok: true }
  | { stat: EntryStat }
  | { names: string[] }
  | { stat: EntryStat; content: string };

export type LeaseSteps<T> = Generator<LeaseOp, T, LeaseResult>;

/** A step failed in a way the protocol does not expect (EACCES, EIO, ENOSPC, ...): the decision fails closed. */
export class LeaseIoError extends Error {
  constructor(
    readonly op: LeaseOp,
    readonly errno: string,
    message: string,
  ) {
    super(message);
  }
}

const failed = (r: LeaseResult): r is { errno: string; message: string } => 'errno' in r;

function unexpected(op: LeaseOp, r: { errno: string; message: string }): never {
  throw new LeaseIoError(op, r.errno, r.message);
}

/** Runs one step; the errno values listed in `expected` are returned, any other error is thrown. */
function* step(op: LeaseOp, expected: readonly string[]): LeaseSteps<LeaseResult> {
  const r = yield op;
  if (failed(r) && !expected.includes(r.errno)) unexpected(op, r);
  return r;
}

/** null when done, else the expected errno. */
export function* link(from: string, to: string): LeaseSteps<'EEXIST' | 'ENOENT' | null> {
  const r = yield* step({ op: 'link', from, to }, ['EEXIST', 'ENOENT']);
  return failed(r) ? (r.errno as 'EEXIST' | 'ENOENT') : null;
}

/** true when removed, false when it was already gone. */
export function* unlink(name: string): LeaseSteps<boolean> {
  return !failed(yield* step({ op: 'unlink', name }, ['ENOENT']));
}

/** true when renamed, false when `from` was gone. */
export function* rename(from: string, to: string): LeaseSteps<boolean> {
  return !failed(yield* step({ op: 'rename', from, to }, ['ENOENT']));
}

function* statOf(op: LeaseOp): LeaseSteps<EntryStat | null> {
  const r = yield* step(op, ['ENOENT']);
  if (failed(r)) return null;
  if (!('stat' in r)) throw new Error(`driver answered ${op.op} without a stat`);
  return r.stat;
}

export const lstat = (name: string) => statOf({ op: 'lstat', name });
export const freshStat = (name: string) => statOf({ op: 'fresh-stat', name });

export function* list(): LeaseSteps<string[]> {
  const r = yield* step({ op: 'list' }, []);
  if (!('names' in r)) throw new Error('driver answered list without names');
  return r.names;
}

/** true when created, false when the name was taken. */
export function* create(name: string, content: string): LeaseSteps<boolean> {
  return !failed(yield* step({ op: 'create', name, content }, ['EEXIST']));
}

/** The stat (from before any change) and the start of the content, or null when the name does not exist. */
export function* read(
  name: string,
  change: { setMtimeMs?: number; stamp?: { offset: number; text: string } } = {},
): LeaseSteps<{ stat: EntryStat; content: string } | null> {
  const r = yield* step({ op: 'read', name, ...change }, ['ENOENT']);
  if (failed(r)) return null;
  if (!('content' in r)) throw new Error('driver answered read without content');
  return r;
}

/** The lease directory holds something the protocol cannot work with: fail closed, naming it. */
export function broken(name: string, why: string): never {
  throw new LeaseIoError({ op: 'lstat', name }, 'EINVAL', `${name} ${why}`);
}

export function* sleep(ms: number): LeaseSteps<void> {
  yield* step({ op: 'sleep', ms }, []);
}

/** Drives steps to the end with a synchronous executor (the CLI's; a server may drive them asynchronously). */
export function runSteps<T>(steps: LeaseSteps<T>, exec: (op: LeaseOp) => LeaseResult): T {
  let next = steps.next();
  while (!next.done) next = steps.next(exec(next.value));
  return next.value;
}
