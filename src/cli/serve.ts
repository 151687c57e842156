/**
 * `tokenmap serve`: the warm decision service (src/serve/), and `tokenmap status` / `serve --status`,
 * which ask a running one. The rules are built once here through the same builder every callout uses,
 * so an invalid configuration stops the service before it listens (exit 2, FILE:LINE).
 */
import { join, resolve } from 'node:path';
import { TokenmapError, systemErrorText } from '../errors.js';
import { loadSiteConfig, resolveConfigPath } from '../config/config.js';
import { nodeReader } from '../io/node-reader.js';
import { Metrics } from '../serve/metrics.js';
import { RuleCache, type ReloadReport, type Served } from '../serve/rule-cache.js';
import { DecisionService } from '../serve/decision-service.js';
import { Deciders } from '../serve/deciders.js';
import { needsWatchdog } from '../engine/needs-watchdog.js';
import { measuredBound } from '../engine/bounded.js';
import { ownThreadCpuClock } from '../serve/thread-cpu.js';
import { Evaluator } from '../serve/evaluator.js';
import { runService } from '../serve/service.js';
import { parsePort } from '../serve/lane-port.js';
import { resolveSocket } from '../serve/socket-path.js';
import { fetchFromService, renderStatus, type StatusSnapshot } from '../serve/status.js';
import { sourceFlags } from './evaluation.js';
import { primeRules } from './serve-rules.js';
import { EXIT_OK } from './fail.js';
import type { CliIo } from '../io/cli-io.js';
import { main, VERSION } from './main.js';

export const DEFAULT_BUDGET_S = 1;
const POLL_MS = 250;

interface ServeOptions {
  config?: string;
  socket?: string;
  port?: string;
  status?: boolean;
  json?: boolean;
}

export async function runStatus(opts: ServeOptions, io: CliIo): Promise<number> {
  const socket = resolveSocket(opts.socket, io.env);
  let r;
  try {
    r = await fetchFromService(socket, '/status');
  } catch (e) {
    throw new TokenmapError('SERVICE_DOWN', `no service answers on this socket (${systemErrorText(e)})`, {
      file: socket,
      line: 0,
    });
  }
  if (r.status !== 200)
    throw new TokenmapError('SERVICE_DOWN', `the service answered HTTP ${r.status}`, { file: socket, line: 0 });
  io.out(opts.json ? r.body : renderStatus(JSON.parse(r.body.toString('utf8')) as StatusSnapshot));
  return EXIT_OK;
}

export async function runServe(opts: ServeOptions, io: CliIo, argv: readonly string[]): Promise<number> {
  if (opts.status) return runStatus(opts, io);
  const flags = sourceFlags(opts, argv).map((f) => ({ ...f, path: resolve(f.path) }));
  const served: Served = flags.length ? { flags } : { config: resolve(resolveConfigPath(opts.config, io.env)) };
  const metrics = new Metrics();
  const log = (line: string) => io.err(line);
  const onReload = (r: ReloadReport) => {
    if (r.initial) return;
    metrics.reload(r.ok);
    if (r.ok) log(`tokenmap serve: rules reloaded, generation ${cache.generation}`);
    else log(`tokenmap serve: reload failed, keeping generation ${cache.generation}: ${r.error}`);
  };
  // Here first, so that an invalid configuration stops the start (FILE:LINE); the thread builds its own.
  const cache = new RuleCache(served, io.now, onReload);
  primeRules(served, cache, io);
  const serve = 'config' in served ? loadSiteConfig(served.config, nodeReader).serve : null;
  const port = opts.port ?? (io.env.TOKENMAP_PORT || serve?.port);
  const lanePort = port === undefined ? null : parsePort(port, opts.port === undefined ? 'the port' : '--port');
  const budgetMs = (serve?.budget ?? DEFAULT_BUDGET_S) * 1000;
  const evaluator = await Evaluator.start({
    loader: join(__dirname, '..', 'bin', 'load-bundle.cjs'),
    served,
    budgetMs,
    self: io.self,
    metrics,
    log,
  });
  const here = new DecisionService({
    main,
    cache,
    metrics,
    budgetMs,
    self: io.self,
    bound: measuredBound(ownThreadCpuClock()),
    elsewhere: needsWatchdog,
  });
  const decider = new Deciders(cache, here, evaluator, metrics);
  try {
    return await runService({
      socket: resolveSocket(opts.socket, { TOKENMAP_SOCKET: serve?.socket, ...io.env }),
      port: lanePort,
      decider,
      metrics,
      version: VERSION,
      pollMs: POLL_MS,
      env: io.env,
      log,
    });
  } catch (e) {
    // The threads would keep the process alive after the error.
    await evaluator.stop();
    throw e;
  }
}
