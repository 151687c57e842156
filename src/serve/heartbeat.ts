/**
 * The fast lane's liveness file, `<socket>.alive`: the time (Unix milliseconds) the service's event loop
 * last ran, rewritten every poll tick. bin/tokenmap-callout reads it with the `read` builtin and
 * connects to the TCP lane only while it is fresh. Why: bash cannot bound a connect(), and a service
 * that is stopped (SIGSTOP) or stuck still has the kernel complete handshakes until its accept queue is
 * full; after that a connect waits for SYN retries (minutes). A client that sees a stale beat never
 * connects, so only the callouts of the first seconds of a freeze can queue (far fewer than the backlog).
 * The file says nothing about trust (the privileged port does); it lives in the socket's directory,
 * which only root or the service user can write (socket-path.ts).
 */
import { chmodSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { chmod, rename, rm, writeFile } from 'node:fs/promises';
import { systemErrorText, TokenmapError } from '../errors.js';

/** How old a beat the client still trusts (bin/tokenmap-callout has the same number). */
export const FRESH_MS = 2000;

export const heartbeatPath = (socket: string) => `${socket}.alive`;

export class Heartbeat {
  private readonly path: string;
  private readonly tmp: string;
  private writing = false;
  private removed = false;
  constructor(
    socket: string,
    private readonly now: () => number,
  ) {
    this.path = heartbeatPath(socket);
    this.tmp = `${this.path}.${process.pid}`;
  }

  /**
   * Rename over the old one: a reader sees a whole number or none. Readable by every client (condor,
   * root for A-REX) whatever the service's umask (the systemd unit sets 0027). At start, synchronously: a
   * file that cannot be written stops the start.
   */
  beat(): void {
    try {
      writeFileSync(this.tmp, `${this.now()}\n`);
      chmodSync(this.tmp, 0o644);
      renameSync(this.tmp, this.path);
    } catch (e) {
      throw this.unwritable(e);
    }
  }

  /**
   * The same, off the event loop (each poll tick): on a disk file system a rename can wait for the journal
   * (up to 0.9 s measured under the bench's load on ext4), which would hold every decision meanwhile. A
   * beat still being written when the next is due is skipped: the file then just ages, and a client that
   * sees it stale takes the Unix socket.
   */
  async beatAside(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    try {
      await writeFile(this.tmp, `${this.now()}\n`);
      await chmod(this.tmp, 0o644);
      // Stopped meanwhile: the file is gone for good, not put back by a beat that was on its way (the rename
      // may already be queued when remove() runs, hence the second look after it).
      if (!this.removed) await rename(this.tmp, this.path);
      if (this.removed) await Promise.all([rm(this.tmp, { force: true }), rm(this.path, { force: true })]);
    } catch (e) {
      // remove() took the temporary file from under a write on its way: nothing to report, the service stops.
      if (this.removed) await rm(this.tmp, { force: true }).catch(() => {});
      else throw this.unwritable(e);
    } finally {
      this.writing = false;
    }
  }

  private unwritable(e: unknown): TokenmapError {
    return new TokenmapError('LANE_PORT', `the lane's liveness file cannot be written (${systemErrorText(e)})`, {
      file: this.path,
      line: 0,
    });
  }

  remove(): void {
    this.removed = true;
    rmSync(this.path, { force: true });
    rmSync(this.tmp, { force: true });
  }
}
