/**
 * Reads stdin to EOF with a size cap and a time bound. HTCondor writes the payload and closes the pipe at
 * once, so either limit being hit means something is wrong: fail closed, and release the pipe so that a
 * writer that never closes it cannot keep tokenmap alive.
 */
import { TokenmapError } from '../errors.js';
import type { CliStdin } from '../io/cli-io.js';
import { monotonicMs } from '../engine/bounded.js';

/**
 * Turns of the microtask queue within which a chunk that is already there arrives: a regular file, or a
 * pipe whose writer wrote and closed before tokenmap started (HTCondor's case), is read synchronously
 * and handed over in a few turns.
 */
const AT_ONCE_TURNS = 16;

/** Whether `p` settles within AT_ONCE_TURNS turns of the microtask queue: no timer is involved. */
async function settlesAtOnce(p: Promise<unknown>): Promise<boolean> {
  let settled = false;
  p.then(
    () => void (settled = true),
    () => void (settled = true),
  );
  for (let i = 0; i < AT_ONCE_TURNS && !settled; i++) await undefined;
  return settled;
}

export async function readStdin(stdin: CliStdin, cap: number, ms: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  // The deadline's timer is set only once a chunk does not arrive at once: the first setTimeout of a
  // process costs a callout about 0.4 ms, and a payload that is already there needs none.
  const started = monotonicMs();
  let timer: NodeJS.Timeout | undefined;
  let timeout: Promise<'timeout'> | undefined;
  const deadline = () =>
    (timeout ??= new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), Math.max(0, ms - (monotonicMs() - started)));
    }));
  const it = stdin.stream[Symbol.asyncIterator]();
  try {
    for (;;) {
      const pending = it.next();
      const next =
        timeout === undefined && (await settlesAtOnce(pending))
          ? await pending
          : await Promise.race([pending, deadline()]);
      if (next === 'timeout')
        throw new TokenmapError('DEADLINE', `stdin was not closed within the deadline (${Math.round(ms)} ms)`);
      if (next.done) break;
      const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
      total += chunk.length;
      if (total > cap)
        throw new TokenmapError('INPUT_TOO_LARGE', `stdin holds more than ${cap} bytes; a token payload is a few KiB`);
      chunks.push(chunk);
    }
  } finally {
    clearTimeout(timer);
    stdin.close();
  }
  return Buffer.concat(chunks);
}
