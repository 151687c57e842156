/**
 * A CliIo held in memory: a command run in process (tests, the code-cache build, a long-lived server
 * answering a callout) gets its environment, stdin bytes, clock and executable path injected, and leaves
 * its exact stdout bytes and stderr lines here. The exit code is what `main()` returns.
 */
import type { CliIo, CliStdin } from './cli-io.js';

export interface MemoryIoOptions {
  /** The whole environment the command sees (nothing is inherited). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Bytes on stdin, then EOF; `'tty'` for a terminal (nothing to read); absent means empty. */
  stdin?: string | Uint8Array | 'tty';
  /** Throw if the command so much as asks for stdin (arc-plugin must not). */
  stdinForbidden?: boolean;
  /** Milliseconds since the epoch; Date.now by default. */
  now?: () => number;
  /** The executable's path, as a CE would be told to call it. */
  self?: string;
}

export interface MemoryIo extends CliIo {
  /** Everything written to stdout, byte for byte. */
  stdout(): Buffer;
  /** The diagnostic lines, in order, without their newline. */
  stderrLines(): string[];
  /** The diagnostics as they would appear on descriptor 2. */
  stderr(): string;
  /** Whether the command asked for stdin. */
  stdinTouched(): boolean;
}

export function memoryIo(opts: MemoryIoOptions = {}): MemoryIo {
  const out: Buffer[] = [];
  const err: string[] = [];
  let touched = false;
  const stdin = (): CliStdin => {
    touched = true;
    if (opts.stdinForbidden) throw new Error('stdin was touched');
    const input = opts.stdin;
    if (input === 'tty') return { isTTY: true, stream: chunksOf([]), close: () => {} };
    let open = true;
    const stream = chunksOf(input === undefined ? [] : [Buffer.from(input)], () => open);
    return { isTTY: false, stream, close: () => void (open = false) };
  };
  return {
    out: (data) => void out.push(Buffer.from(data)),
    err: (line) => void err.push(line),
    env: opts.env ?? {},
    stdin,
    now: opts.now ?? (() => Date.now()),
    self: opts.self ?? 'tokenmap',
    stdout: () => Buffer.concat(out),
    stderrLines: () => [...err],
    stderr: () => err.map((l) => l + '\n').join(''),
    stdinTouched: () => touched,
  };
}

/**
 * The chunks, one per step, while `open()` holds. Not an async generator: V8 keeps every generator object
 * through two minor collections, and a long-lived service creates one per decision (serve's memory in
 * `npm run bench`).
 */
function chunksOf(chunks: Buffer[], open: () => boolean = () => true): AsyncIterable<Buffer> {
  let at = 0;
  return {
    [Symbol.asyncIterator]: () => ({
      next: () =>
        Promise.resolve(
          at < chunks.length && open()
            ? { done: false as const, value: chunks[at++]! }
            : { done: true as const, value: undefined },
        ),
    }),
  };
}
