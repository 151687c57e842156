/**
 * `tokenmap serve --status` / `tokenmap status`: what the running service reports on GET /status, and
 * its rendering for a terminal. Served file names and error lines are shown escaped (they may hold any
 * byte).
 */
import { request } from 'node:http';
import { textFromBinary } from '../bytes.js';
import { formatDuration } from '../duration.js';
import type { Metrics } from './metrics.js';
import type { RulesView } from './rule-cache.js';

export interface StatusSnapshot {
  version: string;
  pid: number;
  socket: string;
  /** The TCP fast lane on 127.0.0.1, or null. */
  port: number | null;
  startedAt: string;
  uptimeSeconds: number;
  serving: string;
  generation: number;
  loadedAt: string | null;
  variants: number;
  files: string[];
  lastReloadError: string | null;
  lastReloadErrorAt: string | null;
  decisions: Record<string, number>;
  fallbacks: Record<string, number>;
  reloads: { ok: number; failed: number };
}

const iso = (ms: number) => new Date(ms).toISOString();

export function snapshot(
  o: { version: string; socket: string; port: number | null; startedAt: number; now: number },
  cache: RulesView,
  metrics: Metrics,
): StatusSnapshot {
  const s = cache.served;
  return {
    version: o.version,
    pid: process.pid,
    socket: o.socket,
    port: o.port,
    startedAt: iso(o.startedAt),
    uptimeSeconds: Math.round((o.now - o.startedAt) / 1000),
    serving:
      'config' in s
        ? `--config ${s.config}`
        : s.flags.map((f) => `${f.kind === 'mapfile' ? '--mapfile' : '-c'} ${f.path}`).join(' '),
    generation: cache.generation,
    loadedAt: cache.loadedAt ? iso(cache.loadedAt) : null,
    variants: cache.variantCount,
    files: cache.files().map(textFromBinary),
    lastReloadError: cache.lastError,
    lastReloadErrorAt: cache.lastError ? iso(cache.lastErrorAt) : null,
    decisions: Object.fromEntries(metrics.decisions),
    fallbacks: Object.fromEntries(metrics.fallbacks),
    reloads: { ...metrics.reloads },
  };
}

/** One line per fact; JSON.stringify escapes whatever a file name or an error holds. */
export function renderStatus(s: StatusSnapshot): string {
  const q = (v: string) => (/^[\x21-\x7e]*$/.test(v) ? v : JSON.stringify(v));
  const counts = (r: Record<string, number>) =>
    Object.entries(r)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ') || 'none';
  const error = s.lastReloadError === null ? 'none' : `${JSON.stringify(s.lastReloadError)} at ${s.lastReloadErrorAt}`;
  return (
    [
      `tokenmap serve ${s.version}, pid ${s.pid}, on ${q(s.socket)}` +
        (s.port === null ? '' : ` and 127.0.0.1:${s.port} (the fast lane)`),
      `up ${formatDuration(s.uptimeSeconds)} (since ${s.startedAt})`,
      `serving ${q(s.serving)}`,
      `rules: generation ${s.generation}, loaded ${s.loadedAt ?? 'never'}, ` +
        `${s.files.length} files watched, ${s.variants} option variants`,
      `last reload error: ${error}`,
      `reloads: ok ${s.reloads.ok}, failed ${s.reloads.failed}`,
      `decisions: ${counts(s.decisions)}`,
      `fallbacks: ${counts(s.fallbacks)}`,
    ].join('\n') + '\n'
  );
}

/** GET a path of the service over its socket; rejects when nothing answers within `ms`. */
export function fetchFromService(socket: string, path: string, ms = 2000): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: socket, path, method: 'GET', timeout: ms }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${ms} ms`)));
    req.on('error', reject);
    req.end();
  });
}
