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
import { systemErrorText, TokenmapError } from '../errors.js';

/** How old a beat the client still trusts (bin/tokenmap-callout has the same number). */
export const FRESH_MS = 2000;

export const heartbeatPath = (socket: string) => `${socket}.alive`;

export class Heartbeat {
  private readonly path: string;
  constructor(
    socket: string,
    private readonly now: () => number,
  ) {
    this.path = heartbeatPath(socket);
  }

  /**
   * Rename over the old one: a reader sees a whole number or none. Readable by every client (condor,
   * root for A-REX) whatever the service's umask (the systemd unit sets 0027).
   */
  beat(): void {
    const tmp = `${this.path}.${process.pid}`;
    try {
      writeFileSync(tmp, `${this.now()}\n`);
      chmodSync(tmp, 0o644);
      renameSync(tmp, this.path);
    } catch (e) {
      throw new TokenmapError('LANE_PORT', `the lane's liveness file cannot be written (${systemErrorText(e)})`, {
        file: this.path,
        line: 0,
      });
    }
  }

  remove(): void {
    rmSync(this.path, { force: true });
  }
}
