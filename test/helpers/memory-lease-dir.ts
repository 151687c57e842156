/**
 * A directory held in memory with POSIX semantics for what the lease protocol uses: inodes with link
 * counts, link(2) that never replaces, rename(2) that does (and does nothing between two links of one
 * inode), content and mtime per inode. A stand-in for the file system, not for any code of ours: the
 * protocol runs on it unchanged, one step at a time, so that tests can interleave and stop takers at will.
 */
import type { EntryStat, LeaseOp, LeaseResult } from '../../src/accounts/lease-ops.js';

interface Inode {
  ino: bigint;
  nlink: number;
  mtimeMs: number;
  content: Buffer;
}

export class MemoryDir {
  readonly names = new Map<string, Inode>();
  private nextIno = 1n;
  constructor(public nowMs = 1_700_000_000_000) {}

  private stat(i: Inode): EntryStat {
    return { ino: i.ino, nlink: i.nlink, mtimeMs: i.mtimeMs, kind: 'file' };
  }

  private drop(name: string): void {
    const i = this.names.get(name) as Inode;
    this.names.delete(name);
    i.nlink--;
  }

  exec = (op: LeaseOp): LeaseResult => {
    const missing = { errno: 'ENOENT', message: 'ENOENT: no such file or directory' };
    const exists = { errno: 'EEXIST', message: 'EEXIST: file already exists' };
    switch (op.op) {
      case 'link': {
        const i = this.names.get(op.from);
        if (!i) return missing;
        if (this.names.has(op.to)) return exists;
        this.names.set(op.to, i);
        i.nlink++;
        return { ok: true };
      }
      case 'unlink':
        if (!this.names.has(op.name)) return missing;
        this.drop(op.name);
        return { ok: true };
      case 'rename': {
        const i = this.names.get(op.from);
        if (!i) return missing;
        const target = this.names.get(op.to);
        if (target === i) return { ok: true };
        if (target) this.drop(op.to);
        this.names.delete(op.from);
        this.names.set(op.to, i);
        return { ok: true };
      }
      case 'lstat':
      case 'fresh-stat': {
        const i = this.names.get(op.name);
        return i ? { stat: this.stat(i) } : missing;
      }
      case 'list':
        return { names: [...this.names.keys()] };
      case 'create': {
        if (this.names.has(op.name)) return exists;
        this.names.set(op.name, {
          ino: this.nextIno++,
          nlink: 1,
          mtimeMs: this.nowMs,
          content: Buffer.from(op.content, 'latin1'),
        });
        return { ok: true };
      }
      case 'read': {
        const i = this.names.get(op.name);
        if (!i) return missing;
        const before = { stat: this.stat(i), content: i.content.subarray(0, 512).toString('latin1') };
        if (op.stamp) {
          const text = Buffer.from(op.stamp.text, 'latin1');
          const end = op.stamp.offset + text.length;
          const grown = Buffer.alloc(Math.max(end, i.content.length));
          i.content.copy(grown);
          text.copy(grown, op.stamp.offset);
          i.content = grown;
        }
        if (op.setMtimeMs !== undefined) i.mtimeMs = op.setMtimeMs;
        return before;
      }
      case 'sleep':
        this.nowMs += op.ms;
        return { ok: true };
    }
  };

  /** Holder entries (`~…`) per inode: the protocol's guarantee is at most one. */
  holdersByInode(): Map<bigint, string[]> {
    const out = new Map<bigint, string[]>();
    for (const [name, i] of this.names) if (name.startsWith('~')) out.set(i.ino, [...(out.get(i.ino) ?? []), name]);
    return out;
  }

  inodeOf(name: string): bigint | undefined {
    return this.names.get(name)?.ino;
  }

  linkCount(name: string): number {
    return this.names.get(name)?.nlink ?? 0;
  }
}
