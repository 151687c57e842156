/**
 * The service's parsed ban lists: a list is parsed again only when its file's signature (inode, size,
 * change times; file-signature.ts) differs from the one it was parsed at, so that a ban still acts on the
 * next decision while a long list (a jti revocation list grows with every revoked token: 50,000 lines cost
 * 48-82 ms a decision) is not parsed on every one. One stat per list per decision. A file changed less than
 * FRESH_MS before it was looked at is parsed but not kept: a second edit within the file system's timestamp
 * granularity could leave the same signature. Memory: one parsed list per configured file.
 */
import type { BanList, BanSource } from '../accounts/ban-list.js';
import { binaryFromText } from '../bytes.js';
import { signature } from './file-signature.js';

/** Well above the coarsest file time stamp granularity (a jiffy, at most 10 ms). */
export const FRESH_MS = 1000;

export class BanCache {
  private readonly parsed = new Map<string, { sig: string; list: BanList }>();

  constructor(private readonly now: () => number = Date.now) {}

  readonly source: BanSource = (files, read) =>
    files.map((file) => {
      const sig = signature(binaryFromText(file));
      const kept = this.parsed.get(file);
      if (kept && kept.sig === sig) return kept.list;
      this.parsed.delete(file);
      const list = read(file);
      if (this.settled(sig)) this.parsed.set(file, { sig, list });
      return list;
    });

  /** Whether the file's last change (mtime and ctime, from its signature) is older than FRESH_MS. */
  private settled(sig: string): boolean {
    const [, , mtimeNs, ctimeNs] = sig.split(':');
    if (mtimeNs === undefined || ctimeNs === undefined || !/^\d+$/.test(mtimeNs) || !/^\d+$/.test(ctimeNs))
      return false;
    const changedMs = Number((BigInt(mtimeNs) > BigInt(ctimeNs) ? BigInt(mtimeNs) : BigInt(ctimeNs)) / 1_000_000n);
    return this.now() - changedMs > FRESH_MS;
  }
}
