import { writeSync } from 'node:fs';

/**
 * Everything a command touches outside itself, injected, so that commands can be run in process by tests
 * and by a future long-lived server. `main()` called without an Io uses the real process.
 */
export interface CliStdin {
  isTTY: boolean;
  stream: AsyncIterable<Buffer | string>;
  /** Stop reading and release the descriptor, so that an unfinished writer cannot keep the process alive. */
  close(): void;
}

export interface CliIo {
  out(data: string | Uint8Array): void;
  /** One diagnostic line (the newline is added). */
  err(line: string): void;
  env: Readonly<Record<string, string | undefined>>;
  /** A function, so that a command that must never touch stdin (arc-plugin) never creates the stream. */
  stdin(): CliStdin;
  now(): number;
}

/**
 * Writes straight to the file descriptor: creating `process.stdout` for a pipe loads Node's stream and net
 * modules, a few milliseconds of every callout. A non-blocking descriptor that is full (EAGAIN) hands the
 * rest to the stream, which waits for it to drain.
 */
function writer(fd: 1 | 2): (data: string | Uint8Array) => void {
  return (data) => {
    let bytes = typeof data === 'string' ? Buffer.from(data) : data;
    while (bytes.length > 0) {
      try {
        bytes = bytes.subarray(writeSync(fd, bytes));
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EPIPE') return; // the reader went away (`tokenmap --help | head`)
        if (code !== 'EAGAIN') throw e;
        (fd === 1 ? process.stdout : process.stderr).write(bytes);
        return;
      }
    }
  };
}

export function processIo(): CliIo {
  const out = writer(1);
  const err = writer(2);
  return {
    out,
    err: (line) => err(line + '\n'),
    env: process.env,
    stdin: () => ({ isTTY: process.stdin.isTTY === true, stream: process.stdin, close: () => void process.stdin.destroy() }),
    now: () => Date.now(),
  };
}
