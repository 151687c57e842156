/**
 * The running service: listens (on its socket, or on the one systemd passes in socket activation), polls
 * the rules' files, reloads on SIGHUP, and stops cleanly on SIGTERM or SIGINT, removing its socket.
 */
import { unlinkSync } from 'node:fs';
import { TokenmapError } from '../errors.js';
import type { Server } from 'node:net';
import type { Deciders } from './deciders.js';
import { Heartbeat } from './heartbeat.js';
import { createLane } from './lane.js';
import { checkPrivileged, listenLane, UNPRIVILEGED_PORT_START, unprivilegedPortStart } from './lane-port.js';
import type { Metrics } from './metrics.js';
import type { CalloutRequest } from './protocol.js';
import { createServer } from './server.js';
import { openSocket, prepareSocket } from './socket-path.js';
import { snapshot } from './status.js';

export interface ServiceConfig {
  socket: string;
  /** The TCP fast lane's port on 127.0.0.1, or null for the Unix socket only. */
  port: number | null;
  /** Where decisions are made, and what status shows of the rules. */
  decider: Deciders;
  metrics: Metrics;
  version: string;
  /** How often the rules' files are checked; a change is in effect within two ticks and a build. */
  pollMs: number;
  env: Readonly<Record<string, string | undefined>>;
  log: (line: string) => void;
}

/**
 * systemd socket activation (sd_listen_fds): the descriptors meant for this process, from 3 on: the Unix
 * socket, and the fast lane's TCP socket when the socket unit also listens on 127.0.0.1:port (its drop-in
 * fast-lane.conf). Empty when the service was not activated.
 */
function activatedFds(env: ServiceConfig['env']): number[] {
  if (env.LISTEN_PID !== String(process.pid) || env.LISTEN_FDS === undefined) return [];
  if (env.LISTEN_FDS === '1') return [3];
  if (env.LISTEN_FDS === '2') return [3, 4];
  throw new TokenmapError(
    'SOCKET_ACTIVATION',
    `systemd passed ${JSON.stringify(env.LISTEN_FDS.slice(0, 10))} sockets; tokenmap serve takes one Unix socket ` +
      'and, for the fast lane, one TCP socket on 127.0.0.1 (ListenStream= in tokenmap.socket and its drop-in)',
  );
}

function listen(server: Server, target: { fd: number } | { path: string; backlog: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(target, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/**
 * The TCP fast lane beside the socket (`socket`: the Unix socket's real path, where the liveness file goes),
 * or null where no port can be known to be privileged. Bound here, or, under socket activation, the
 * descriptor systemd bound as root (`fd`): then the service needs no capability, and where it cannot read
 * the port limit (ProcSubset=pid, or a private network namespace's own value) the clients, which read
 * the host's, still make the check.
 */
async function openLane(
  c: ServiceConfig,
  socket: string,
  fd: number | undefined,
  callout: (req: CalloutRequest) => Promise<Buffer>,
) {
  const port = c.port as number;
  const limit = unprivilegedPortStart();
  if ('unreadable' in limit && fd === undefined) {
    // The client takes no lane then either: the Unix socket serves every callout.
    c.log(
      `tokenmap serve: not opening the fast lane 127.0.0.1:${port}: ${UNPRIVILEGED_PORT_START} cannot be read ` +
        `(${limit.unreadable}), so the port cannot be known to be privileged (systemd: ProcSubset=all)`,
    );
    return null;
  }
  if ('start' in limit) checkPrivileged(port, limit.start);
  const server = createLane(callout, c.metrics, c.log);
  if (fd === undefined) await listenLane(server, port);
  else {
    await listen(server, { fd });
    const at = server.address();
    if (typeof at !== 'object' || at === null || at.address !== '127.0.0.1' || at.port !== port) {
      server.close();
      const got = typeof at === 'object' && at !== null ? `${at.address}:${at.port}` : 'not a TCP socket';
      throw new TokenmapError(
        'LANE_PORT',
        `the second socket systemd passed is ${got}, not 127.0.0.1:${port} ([serve] port): ` +
          `ListenStream=127.0.0.1:${port} in the socket unit's drop-in`,
      );
    }
  }
  return { server, heartbeat: new Heartbeat(socket, Date.now) };
}

/**
 * The first socket systemd passes is the Unix socket. Node cannot name a socket it did not bind, so its
 * path is taken to be --socket's ([serve] socket, or the default, as in the units): what the clients and
 * the liveness file use.
 */
function checkPassedSocket(server: Server): void {
  if (typeof server.address() === 'object' && server.address() !== null)
    throw new TokenmapError(
      'SOCKET_ACTIVATION',
      'the first socket systemd passed is a TCP socket: the Unix socket must be the first ListenStream=',
    );
}

/** Serves until SIGTERM or SIGINT; resolves with the exit code. */
export async function runService(c: ServiceConfig): Promise<number> {
  const startedAt = Date.now();
  const callout = (req: CalloutRequest) => c.decider.answer(req);
  const server = createServer(
    {
      callout,
      metrics: () =>
        c.metrics.render({
          generation: c.decider.view.generation,
          uptime: (Date.now() - startedAt) / 1000,
          lastReloadOk: c.decider.view.lastError === null,
        }),
      status: () =>
        snapshot({ version: c.version, socket: c.socket, port, startedAt, now: Date.now() }, c.decider.view, c.metrics),
    },
    c.metrics,
    c.log,
  );
  const fds = activatedFds(c.env);
  const viaSystemd = fds.length > 0;
  if (fds.length === 2 && c.port === null)
    throw new TokenmapError(
      'LANE_PORT',
      'systemd passed a second socket (the fast lane) but no port is configured: set [serve] port to its port',
    );
  // Before listening: a SIGHUP sent as soon as the socket answers must reload, not kill.
  const onHup = () => c.decider.reloadAll();
  process.on('SIGHUP', onHup);
  let lane: Awaited<ReturnType<typeof openLane>> = null;
  try {
    if (viaSystemd) {
      await listen(server, { fd: 3 });
      checkPassedSocket(server);
      if (c.port !== null) lane = await openLane(c, c.socket, fds[1], callout);
    } else {
      // The port first: a lane that cannot listen stops the start before the socket exists.
      if (c.port !== null) lane = await openLane(c, c.socket, undefined, callout);
      await prepareSocket(c.socket);
      await listen(server, { path: c.socket, backlog: 1024 });
      openSocket(c.socket);
    }
    lane?.heartbeat.beat();
  } catch (e) {
    // Nothing may stay open: the process must exit with the error.
    lane?.server.close();
    if (server.listening) {
      server.close();
      if (!viaSystemd) unlinkSync(c.socket);
    }
    throw e;
  }
  const port = lane === null ? null : c.port;
  c.log(
    `tokenmap serve ${c.version}: listening on ${c.socket}${viaSystemd ? ' (passed by systemd)' : ''}` +
      (port === null ? '' : ` and 127.0.0.1:${port}`) +
      `, rules generation ${c.decider.view.generation} (${c.decider.view.files().length} files watched)`,
  );
  let beatFailed = false;
  const tick = setInterval(() => {
    c.decider.poll();
    lane?.heartbeat.beatAside().then(
      () => void (beatFailed = false),
      (e: unknown) => {
        // Clients then take the Unix socket; say so once, not four times a second.
        if (!beatFailed) c.log(`tokenmap serve: ${(e as Error).message}`);
        beatFailed = true;
      },
    );
  }, c.pollMs);
  return new Promise((resolve) => {
    const stop = (signal: string) => {
      clearInterval(tick);
      process.off('SIGHUP', onHup);
      c.log(`tokenmap serve: ${signal}, stopping`);
      lane?.heartbeat.remove();
      lane?.server.close();
      server.close(() => void c.decider.stop().then(() => resolve(0)));
      server.closeAllConnections();
      if (!viaSystemd)
        try {
          unlinkSync(c.socket);
        } catch {
          // already gone
        }
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}
