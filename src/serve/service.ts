/**
 * The running service: listens (on its socket, or on the one systemd passes in socket activation), polls
 * the rules' files, reloads on SIGHUP, and stops cleanly on SIGTERM or SIGINT, removing its socket.
 */
import { unlinkSync } from 'node:fs';
import type { Server } from 'node:http';
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

/** systemd socket activation (sd_listen_fds): exactly one descriptor, 3, meant for this process. */
const activated = (env: ServiceConfig['env']) => env.LISTEN_FDS === '1' && env.LISTEN_PID === String(process.pid);

function listen(server: Server, target: { fd: number } | { path: string; backlog: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(target, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** The TCP fast lane beside the socket, or null where no port can be known to be privileged. */
async function openLane(c: ServiceConfig, callout: (req: CalloutRequest) => Promise<Buffer>) {
  const port = c.port as number;
  const limit = unprivilegedPortStart();
  if ('unreadable' in limit) {
    // The client takes no lane then either: the Unix socket serves every callout.
    c.log(
      `tokenmap serve: not opening the fast lane 127.0.0.1:${port}: ${UNPRIVILEGED_PORT_START} cannot be read ` +
        `(${limit.unreadable}), so the port cannot be known to be privileged (systemd: ProcSubset=all)`,
    );
    return null;
  }
  checkPrivileged(port, limit.start);
  const server = createLane(callout, c.metrics, c.log);
  await listenLane(server, port);
  return { server, heartbeat: new Heartbeat(c.socket, Date.now) };
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
  // Before listening: a SIGHUP sent as soon as the socket answers must reload, not kill.
  const onHup = () => c.decider.reloadAll();
  process.on('SIGHUP', onHup);
  // The port first: a lane that cannot listen stops the start before the socket exists.
  const lane = c.port === null ? null : await openLane(c, callout);
  const port = lane === null ? null : c.port;
  const viaSystemd = activated(c.env);
  try {
    if (viaSystemd) await listen(server, { fd: 3 });
    else {
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
  c.log(
    `tokenmap serve ${c.version}: listening on ${viaSystemd ? 'the socket systemd passed' : c.socket}` +
      (port === null ? '' : ` and 127.0.0.1:${port}`) +
      `, rules generation ${c.decider.view.generation} (${c.decider.view.files().length} files watched)`,
  );
  let beatFailed = false;
  const tick = setInterval(() => {
    c.decider.poll();
    try {
      lane?.heartbeat.beat();
      beatFailed = false;
    } catch (e) {
      // Clients then take the Unix socket; say so once, not four times a second.
      if (!beatFailed) c.log(`tokenmap serve: ${(e as Error).message}`);
      beatFailed = true;
    }
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
