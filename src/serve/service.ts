/**
 * The running service: listens (on its socket, or on the one systemd passes in socket activation), polls
 * the rules' files, reloads on SIGHUP, and stops cleanly on SIGTERM or SIGINT, removing its socket.
 */
import { unlinkSync } from 'node:fs';
import type { Server } from 'node:http';
import { DecisionService, type Main } from './decision-service.js';
import type { Metrics } from './metrics.js';
import type { RuleCache } from './rule-cache.js';
import { createServer } from './server.js';
import { openSocket, prepareSocket } from './socket-path.js';
import { snapshot } from './status.js';

export interface ServiceConfig {
  socket: string;
  cache: RuleCache;
  metrics: Metrics;
  main: Main;
  self: string;
  version: string;
  budgetMs: number;
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

/** Serves until SIGTERM or SIGINT; resolves with the exit code. */
export async function runService(c: ServiceConfig): Promise<number> {
  const startedAt = Date.now();
  const service = new DecisionService({
    main: c.main,
    cache: c.cache,
    metrics: c.metrics,
    budgetMs: c.budgetMs,
    self: c.self,
  });
  const server = createServer(
    {
      callout: (req) => service.answer(req),
      metrics: () =>
        c.metrics.render({
          generation: c.cache.generation,
          uptime: (Date.now() - startedAt) / 1000,
          lastReloadOk: c.cache.lastError === null,
        }),
      status: () => snapshot({ version: c.version, socket: c.socket, startedAt, now: Date.now() }, c.cache, c.metrics),
    },
    c.metrics,
    c.log,
  );
  // Before listening: a SIGHUP sent as soon as the socket answers must reload, not kill.
  const onHup = () => c.cache.reloadAll();
  process.on('SIGHUP', onHup);
  const viaSystemd = activated(c.env);
  if (viaSystemd) await listen(server, { fd: 3 });
  else {
    await prepareSocket(c.socket);
    await listen(server, { path: c.socket, backlog: 1024 });
    openSocket(c.socket);
  }
  c.log(
    `tokenmap serve ${c.version}: listening on ${viaSystemd ? 'the socket systemd passed' : c.socket}, ` +
      `rules generation ${c.cache.generation} (${c.cache.files().length} files watched)`,
  );
  const tick = setInterval(() => c.cache.poll(), c.pollMs);
  return new Promise((resolve) => {
    const stop = (signal: string) => {
      clearInterval(tick);
      process.off('SIGHUP', onHup);
      c.log(`tokenmap serve: ${signal}, stopping`);
      server.close(() => resolve(0));
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
