/** The real process behind CliIo: descriptors 0-2 (without Node's stream modules where it can), env, clock. */
import { closeSync, constants, fstatSync, openSync, readSync, writeSync, type Stats } from 'node:fs';
import { systemErrorText, TokenmapError } from '../errors.js';
import type { CliIo, CliStdin } from './cli-io.js';

/**
 * Writes straight to the file descriptor: creating `process.stdout` for a pipe loads Node's stream and net
 * modules, a few milliseconds of every callout. A non-blocking descriptor that is full (EAGAIN) hands the
 * rest to the stream, which waits for it to drain. stdout is the answer, so failing to write it (EPIPE: the
 * reader went away; ENOSPC) is an error the command reports (exit 2); a failure on stderr has nowhere to go.
 */
function writer(fd: 1 | 2): (data: string | Uint8Array) => void {
  return (data) => {
    let bytes = typeof data === 'string' ? Buffer.from(data) : data;
    while (bytes.length > 0) {
      try {
        bytes = bytes.subarray(writeSync(fd, bytes));
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') return drainLater(fd, bytes);
        if (fd === 2) return;
        throw new TokenmapError(
          'OUTPUT_FAILED',
          `cannot write to stdout (${systemErrorText(e)}); nothing was delivered`,
        );
      }
    }
  };
}

/** The stream's own later failure (the reader closes before draining) still ends in exit 2, not a crash. */
function drainLater(fd: 1 | 2, bytes: Uint8Array): void {
  const stream = fd === 1 ? process.stdout : process.stderr;
  if (stream.listenerCount('error') === 0)
    stream.on('error', (e) => {
      process.exitCode = 2;
      if (fd === 1) writer(2)(`tokenmap: cannot write to stdout (${systemErrorText(e)})\n`);
    });
  stream.write(bytes);
}

/**
 * A pipe (HTCondor's stdin) read without Node's stream modules, which `process.stdin` loads (a tenth of a
 * callout): the pipe is opened again through /proc with O_NONBLOCK, which affects only this new open
 * file description, and polled. A read that waits never blocks a thread, so a writer that never closes
 * the pipe can be abandoned at the deadline. Returns null where /proc cannot do that (not Linux).
 */
function nonBlockingPipe(): CliStdin | null {
  let fd: number;
  try {
    fd = openSync('/proc/self/fd/0', constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return null;
  }
  let open = true;
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  async function* chunks(): AsyncGenerator<Buffer> {
    const buf = Buffer.allocUnsafe(65536);
    for (let wait = 1; open;) {
      let n: number;
      try {
        n = readSync(fd, buf, 0, buf.length, null);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
        await sleep(wait);
        wait = Math.min(wait * 2, 20);
        continue;
      }
      if (n === 0) return;
      wait = 1;
      yield Buffer.from(buf.subarray(0, n));
    }
  }
  return {
    isTTY: false,
    stream: chunks(),
    close: () => {
      if (open) closeSync(fd);
      open = false;
    },
  };
}

/**
 * Standard input. A terminal (or /dev/null) is a character device: nothing to read, and no need to load
 * node:tty. A regular file is read synchronously: it always ends. A pipe is polled without blocking
 * (above), or else goes through `process.stdin`, whose reads can be abandoned (destroy) when a writer never
 * closes it; a blocking read on a worker thread could not be, and would even keep process.exit() from
 * returning.
 */
function processStdin(): CliStdin {
  let st: Stats | undefined;
  try {
    st = fstatSync(0);
  } catch {
    st = undefined; // no descriptor 0 at all: nothing to read
  }
  if (!st || st.isCharacterDevice()) return { isTTY: true, stream: (async function* () {})(), close: () => {} };
  if (st.isFile()) {
    const file = async function* (): AsyncGenerator<Buffer> {
      const buf = Buffer.allocUnsafe(65536);
      for (let n; (n = readSync(0, buf, 0, buf.length, null)) > 0;) yield Buffer.from(buf.subarray(0, n));
    };
    return { isTTY: false, stream: file(), close: () => {} };
  }
  return (
    (st.isFIFO() ? nonBlockingPipe() : null) ?? {
      isTTY: false,
      stream: process.stdin,
      close: () => void process.stdin.destroy(),
    }
  );
}

export function processIo(): CliIo {
  const out = writer(1);
  const err = writer(2);
  return {
    out,
    err: (line) => err(line + '\n'),
    env: process.env,
    stdin: processStdin,
    now: () => Date.now(),
    self: process.argv[1] ?? 'tokenmap',
    // Only asked on the help path: creating process.stdout loads the stream modules.
    stdoutIsTerminal: () => process.stdout.isTTY === true,
  };
}
