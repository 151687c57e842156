/**
 * One A-REX under test (ARC 6 on the host, ARC 7 in its chroot), driven through the scripts next to this
 * file, and spoken to as a client does: REST requests with a bearer token over HTTPS on 127.0.0.1, each
 * on a new connection (A-REX maps once per connection and keeps the result). What A-REX did is read back
 * from its own log.
 */
import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SCRIPTS = fileURLToPath(new URL('.', import.meta.url));
/** Fixed: A-REX 6 and 7 run one after the other, and a lock keeps two test runs apart. */
export const PORT = 19443;
export const CE_URL = `https://localhost:${PORT}/arex`;

export interface ScriptResult {
  code: number | null;
  output: string;
  ms: number;
}

/** Runs test/arc/NAME VERSION DIR; never rejects. */
export function script(name: string, version: number, dir: string, env: Record<string, string> = {}) {
  const started = performance.now();
  return new Promise<ScriptResult>((resolve) => {
    const child = spawn(join(SCRIPTS, name), [String(version), dir], {
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => out.push(b));
    const ms = () => Math.round(performance.now() - started);
    child.on('error', (e) => resolve({ code: null, output: String(e), ms: ms() }));
    child.on('close', (code) => resolve({ code, output: Buffer.concat(out).toString('utf8'), ms: ms() }));
  });
}

export interface Reply {
  status: number;
  body: string;
  ms: number;
  /** What A-REX logged while it answered. */
  log: string;
  /** The lines of that log about mapping and the answer (for diagnostics). */
  gist: string;
}

const GIST = /Plugin|identity|tokenmap|HTTP\/1\.1 \d|Will not map|\[ERROR\]/;

export class Arex {
  readonly log: string;
  readonly ca: Buffer;

  constructor(readonly dir: string) {
    this.log = join(dir, 'log', 'ws.out');
    this.ca = readFileSync(join(dir, 'certs', 'ca.pem'));
  }

  private logSize(): number {
    try {
      return statSync(this.log).size;
    } catch {
      return 0;
    }
  }

  private logFrom(offset: number): string {
    const all = readFileSync(this.log);
    return all.subarray(offset).toString('utf8');
  }

  /**
   * One request on a new connection; the A-REX log lines it produced come with the reply. A TLS handshake
   * A-REX fails now and then ("Failed to accept SSL connection ... unexpected message": EPROTO here, before
   * any HTTP was exchanged, so no callout ran) is tried once more; anything else is the test's to see.
   */
  async send(method: string, path: string, token?: string, body?: string, type?: string): Promise<Reply> {
    const offset = this.logSize();
    const started = performance.now();
    const { status, text } = await this.exchange(method, path, token, body, type).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPROTO') throw e;
      return this.exchange(method, path, token, body, type);
    });
    const ms = performance.now() - started;
    // A-REX writes the reply's log lines before the reply; the last one is the response line.
    let log = this.logFrom(offset);
    for (let i = 0; i < 20 && !/HTTP\/1\.1 \d{3}/.test(log); i++) {
      await new Promise((r) => setTimeout(r, 50));
      log = this.logFrom(offset);
    }
    const gist = log
      .split('\n')
      .filter((l) => GIST.test(l))
      .join('\n');
    return { status, body: text, ms, log, gist };
  }

  private exchange(
    method: string,
    path: string,
    token?: string,
    body?: string,
    type?: string,
  ): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = { accept: 'application/json' };
      if (token) headers.authorization = `Bearer ${token}`;
      if (type) headers['content-type'] = type;
      const req = request(
        { host: '127.0.0.1', port: PORT, path: `/arex${path}`, method, headers, ca: this.ca, agent: false },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (b: Buffer) => chunks.push(b));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        },
      );
      req.setTimeout(30000, () => req.destroy(new Error(`${method} ${path}: no answer in 30 s`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  jobs(token?: string): Promise<Reply> {
    return this.send('GET', '/rest/1.0/jobs', token);
  }

  submit(token: string, xrsl: string): Promise<Reply> {
    return this.send('POST', '/rest/1.0/jobs?action=new', token, xrsl, 'application/rsl');
  }
}
