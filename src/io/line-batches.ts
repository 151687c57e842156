/**
 * LF-terminated byte lines from a stream, in batches of whatever has already arrived: a batch takes every
 * chunk that is ready at once (up to a size), so a fast writer gets a few large batches and a writer that
 * sends one line and waits gets its answer without waiting for more. A last line without its LF is a line.
 */
import { binaryFromBytes, type Binary } from '../bytes.js';

/** Bytes a batch may gather before it is handed over, when more are ready still. */
const BATCH_BYTES = 1 << 20;

/**
 * True when `p` settles before the event loop turns, that is, from data already there: a stream's next
 * chunk that is buffered (or a non-blocking read that succeeds) settles in microtasks, a chunk that is
 * still to come needs I/O or a timer.
 */
function settlesNow(p: Promise<unknown>): Promise<boolean> {
  return new Promise((resolve) => {
    const turn = setImmediate(() => resolve(false));
    const now = () => {
      clearImmediate(turn);
      resolve(true);
    };
    p.then(now, now);
  });
}

const asBuffer = (chunk: Buffer | string) => (typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);

export async function* lineBatches(stream: AsyncIterable<Buffer | string>): AsyncGenerator<Binary[]> {
  const it = stream[Symbol.asyncIterator]();
  let rest = '';
  let next = it.next();
  for (;;) {
    const first = await next;
    if (first.done) break;
    const head = asBuffer(first.value);
    const chunks = [head];
    let size = head.length;
    let done = false;
    for (;;) {
      next = it.next();
      if (size >= BATCH_BYTES || !(await settlesNow(next))) break;
      const r = await next;
      if (r.done) {
        done = true;
        break;
      }
      const chunk = asBuffer(r.value);
      chunks.push(chunk);
      size += chunk.length;
    }
    const text = rest + binaryFromBytes(chunks.length === 1 ? head : Buffer.concat(chunks, size));
    const lastLf = text.lastIndexOf('\n');
    if (lastLf < 0) rest = text;
    else {
      rest = text.slice(lastLf + 1);
      yield text.slice(0, lastLf).split('\n');
    }
    if (done) break;
  }
  if (rest) yield [rest];
}
