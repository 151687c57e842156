/**
 * Reads stdin to EOF with a size cap and a time bound. HTCondor writes the payload and closes the pipe at
 * once, so either limit being hit means something is wrong: fail closed, and release the pipe so that a
 * writer that never closes it cannot keep tokenmap alive.
 */
import { TokenmapError } from '../errors.js';
import type { CliStdin } from '../io/cli-io.js';

export async function readStdin(stdin: CliStdin, cap: number, ms: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), Math.max(0, ms));
  });
  const it = stdin.stream[Symbol.asyncIterator]();
  try {
    for (;;) {
      const next = await Promise.race([it.next(), timeout]);
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
