/**
 * Whether a TCP port can be trusted as the fast lane's (lane.ts), and listening on it. Only root or a
 * process with CAP_NET_BIND_SERVICE can bind a port below /proc/sys/net/ipv4/ip_unprivileged_port_start
 * (1024 unless changed; rootless containers set it to 0): a service of the site's own, never another
 * local user's process. bin/tokenmap-callout makes the same check before it connects; the service
 * refuses to start where the check would fail, so that the site learns it at once, and opens no lane
 * where the value cannot be read (nor does the client take one).
 */
import { readFileSync } from 'node:fs';
import type { Server } from 'node:net';
import { systemErrorText, TokenmapError } from '../errors.js';

export const UNPRIVILEGED_PORT_START = '/proc/sys/net/ipv4/ip_unprivileged_port_start';
/** The kernel caps it at net.core.somaxconn (4096 on EL9): a stopped service lets this many wait. */
const BACKLOG = 4096;

/**
 * The value, or null when it cannot be read (a hidden /proc/sys, a kernel before 4.11): never assumed,
 * since the real value may be 0, where anyone can bind any port. The client takes no lane then either.
 */
export function unprivilegedPortStart(
  read: (path: string) => string = (p) => readFileSync(p, 'latin1'),
): { start: number } | { unreadable: string } {
  let text;
  try {
    text = read(UNPRIVILEGED_PORT_START);
  } catch (e) {
    return { unreadable: systemErrorText(e) };
  }
  const n = Number(text.trim());
  return { start: Number.isInteger(n) && n >= 0 ? n : 0 };
}

/** A port from --port or $TOKENMAP_PORT ([serve] port is checked by the configuration's schema). */
export function parsePort(text: string, where: string): number {
  if (!/^[1-9][0-9]{0,4}$/.test(text) || Number(text) > 65535)
    throw new TokenmapError('LANE_PORT', `${where} ${JSON.stringify(text.slice(0, 40))} is not a TCP port`);
  return Number(text);
}

export function checkPrivileged(port: number, start: number): void {
  if (port >= start)
    throw new TokenmapError(
      'LANE_PORT',
      `port ${port} is not privileged here (${UNPRIVILEGED_PORT_START} is ${start}): any local user could ` +
        'bind it, and tokenmap-callout refuses it',
    );
}

/** Listens on 127.0.0.1:port only (never another address). */
export function listenLane(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (e: NodeJS.ErrnoException) => {
      const why =
        e.code === 'EADDRINUSE'
          ? 'is taken by another process'
          : e.code === 'EACCES'
            ? 'cannot be bound: the service needs root or CAP_NET_BIND_SERVICE (see the systemd unit)'
            : `cannot be bound (${systemErrorText(e)})`;
      reject(new TokenmapError('LANE_PORT', `127.0.0.1:${port} ${why}`));
    };
    server.once('error', fail);
    server.listen({ host: '127.0.0.1', port, backlog: BACKLOG, exclusive: true }, () => {
      server.off('error', fail);
      resolve();
    });
  });
}
