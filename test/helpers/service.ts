/**
 * A real `tokenmap serve` child on a socket in a fresh 0700 directory, and bin/tokenmap-callout spawned
 * the way a CE spawns a plugin.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { put, scratch } from './files.js';
import { BIN, ROOT, runBin, type RunOptions, type RunResult } from './run.js';

export const CALLOUT = fileURLToPath(new URL('../../bin/tokenmap-callout', import.meta.url));

export interface Service {
  socket: string;
  /** The fast lane's port on 127.0.0.1, when started with one. */
  port?: number;
  child: ChildProcess;
  /** Everything the service wrote on stderr so far (its log). */
  log(): string;
  stop(): Promise<void>;
}

export interface StartOptions {
  socket?: string;
  /** Also listen on a privileged port of 127.0.0.1 (the fast lane), picked at random in 600-1023. */
  lane?: boolean;
  /** A command the service is started through (`exec "$@"` at its end), e.g. a umask or a mount namespace. */
  wrap?: string[];
}

export async function startService(args: string[], o: StartOptions = {}): Promise<Service> {
  for (let attempt = 0; ; attempt++) {
    const port = o.lane ? 600 + Math.floor(Math.random() * 424) : undefined;
    try {
      return await startOn(args, o.socket, port, o.wrap ?? []);
    } catch (e) {
      // Another test (or helper) holds that port: pick another one.
      if (!(port && /is taken by another process/.test(String(e)) && attempt < 20)) throw e;
    }
  }
}

async function startOn(
  args: string[],
  socket: string | undefined,
  port: number | undefined,
  wrap: string[],
): Promise<Service> {
  const path = socket ?? join(mkdtempSync(join(tmpdir(), 'tokenmap-serve-')), 'tokenmap.sock');
  const lane = port === undefined ? [] : ['--port', String(port)];
  const command = ['/usr/bin/env', '-u', 'NODE_OPTIONS', BIN, 'serve', '--socket', path, ...lane, ...args];
  const [file, ...rest] = [...wrap, ...command] as [string, ...string[]];
  const child = spawn(file, rest, {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr?.on('data', (b: Buffer) => (log += b.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const check = setInterval(() => {
      if (log.includes('listening on')) {
        clearInterval(check);
        resolve();
      }
    }, 20);
    child.once('exit', (code) => {
      clearInterval(check);
      reject(new Error(`tokenmap serve exited ${code}: ${log}`));
    });
  });
  return {
    socket: path,
    port,
    child,
    log: () => log,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * The callout through the thin client; `socket` undefined means the client's own default. With `port`,
 * through the fast lane (`--port`), else through the Unix socket.
 */
export function runCallout(
  socket: string | undefined,
  args: string[],
  opts: RunOptions = {},
  port?: number,
): Promise<RunResult> {
  const options = [...(socket === undefined ? [] : ['--socket', socket]), ...(port ? ['--port', String(port)] : [])];
  return runBin([...options, ...args], { ...opts, via: CALLOUT });
}

/** What one of the many client processes of `manyCallouts` left: exit code line, stdout, stderr. */
export interface CalloutResult {
  rc: string;
  out: string;
  err: string;
}

/**
 * 1,000 real `tokenmap-callout` processes with `clientArgs` and `payload` on stdin, started by one bash in
 * waves of 100 at once (a fork of this process per client is far slower than the clients, and 1,000 at
 * once would starve the other test files). Returns bash's exit code, the wall time and each client's result.
 */
export async function manyCallouts(
  clientArgs: string[],
  payload: string,
): Promise<{ code: number | null; ms: number; results: CalloutResult[] }> {
  const out = scratch();
  const input = put(out, 'payload.json', payload);
  const script =
    `for w in $(seq 0 9); do for i in $(seq $((w * 100 + 1)) $((w * 100 + 100))); do ` +
    `(${[CALLOUT, ...clientArgs].map((a) => JSON.stringify(a)).join(' ')} ` +
    `< ${JSON.stringify(input)} > "${out}/$i.out" 2> "${out}/$i.err"; ` +
    `echo $? > "${out}/$i.rc") & done; wait; done`;
  const t0 = Date.now();
  const run = await runBin(['-c', script], {
    via: '/bin/bash',
    env: { TOKENMAP_CALLOUT_TIMEOUT: '60' },
    killAfterMs: 300_000,
  });
  const results = Array.from({ length: 1000 }, (_, i) => ({
    rc: readFileSync(join(out, `${i + 1}.rc`), 'utf8'),
    out: readFileSync(join(out, `${i + 1}.out`), 'utf8'),
    err: readFileSync(join(out, `${i + 1}.err`), 'utf8'),
  }));
  return { code: run.code, ms: Date.now() - t0, results };
}

/** One HTTP request to the service over its socket, from this process. */
export function ask(
  socket: string,
  method: string,
  path: string,
  body?: Buffer | string,
): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: socket, method, path, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A metric's value from GET /metrics (0 when absent). */
export async function metric(socket: string, series: string): Promise<number> {
  const text = (await ask(socket, 'GET', '/metrics')).body.toString();
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

export async function status(socket: string): Promise<Record<string, unknown>> {
  return JSON.parse((await ask(socket, 'GET', '/status')).body.toString()) as Record<string, unknown>;
}

/** Polls `probe` until it returns true; fails after `ms`. Returns how long it took. */
export async function eventually(probe: () => Promise<boolean>, ms = 5000): Promise<number> {
  const t0 = Date.now();
  while (!(await probe())) {
    if (Date.now() - t0 > ms) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return Date.now() - t0;
}

/** A form body as curl --data-urlencode writes it. */
export function form(fields: [string, Buffer | string][]): Buffer {
  const enc = (b: Buffer) =>
    [...b]
      .map((c) =>
        /[A-Za-z0-9._~-]/.test(String.fromCharCode(c))
          ? String.fromCharCode(c)
          : c === 0x20
            ? '+'
            : '%' + c.toString(16).toUpperCase().padStart(2, '0'),
      )
      .join('');
  return Buffer.from(fields.map(([k, v]) => `${k}=${enc(Buffer.from(v))}`).join('&'));
}
