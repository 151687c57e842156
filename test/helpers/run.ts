/**
 * Runs tokenmap the way a CE or an admin does: the real bin/tokenmap in a child process (runBin), or the
 * same main() in process with injected streams where hundreds of cases would make spawning slow (runMain).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.js';
import { memoryIo } from '../../src/io/memory-io.js';

export const BIN = fileURLToPath(new URL('../../bin/tokenmap', import.meta.url));
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
  ms: number;
}

export interface RunOptions {
  /** The whole environment of the child (nothing is inherited unless passed). */
  env?: Record<string, string>;
  /** Bytes written to stdin and then closed; `'open'` leaves the pipe open and unwritten (as ARC does). */
  stdin?: string | Buffer | 'open';
  cwd?: string;
  killAfterMs?: number;
  /** Run this program with `args` instead of bin/tokenmap (e.g. /bin/sh to build a real pipe). */
  via?: string;
  /** A descriptor to hand over as the child's stdin (a FIFO, say). */
  stdinFd?: number;
}

export function runBin(args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    // tap's process-info hook adds its loaders to NODE_OPTIONS of every child; a CE's child has none.
    const child = spawn(opts.via ?? '/usr/bin/env', opts.via ? args : ['-u', 'NODE_OPTIONS', BIN, ...args], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...opts.env },
      cwd: opts.cwd ?? ROOT,
      stdio: [opts.stdinFd ?? 'pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    child.stdin?.on('error', () => {}); // the child may exit before reading everything
    const killer = setTimeout(() => child.kill('SIGKILL'), opts.killAfterMs ?? 20000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      child.stdin?.destroy();
      resolve({
        code,
        signal,
        stdout: Buffer.concat(out),
        stderr: Buffer.concat(err).toString('utf8'),
        ms: Date.now() - started,
      });
    });
    if (opts.stdin === 'open' || !child.stdin) return;
    if (opts.stdin !== undefined) child.stdin.write(opts.stdin);
    child.stdin.end();
  });
}

export interface MainResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface MainOptions {
  stdin?: string | Buffer;
  /** Fail the test if the command so much as asks for stdin (arc-plugin must not). */
  stdinForbidden?: boolean;
  env?: Record<string, string>;
}

export async function runMain(args: string[], opts: MainOptions = {}): Promise<MainResult> {
  const io = memoryIo({ env: opts.env, stdin: opts.stdin, stdinForbidden: opts.stdinForbidden, self: BIN });
  const code = await main(args, io);
  // Byte for byte: a binary canonical name reads back as the binary string it was.
  return { code, stdout: io.stdout().toString('latin1'), stderr: io.stderr() };
}
