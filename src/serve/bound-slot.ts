/**
 * Where the evaluator thread leaves the bounds of the evaluation it starts, for the main thread that times
 * it (evaluator.ts): a few numbers in memory both threads share, read when the main thread's timer looks,
 * not a message. A message per decision cost the evaluator thread about 0.1 ms to send and woke the main
 * thread once more per decision, while the decision itself takes a few tenths of a millisecond.
 *
 * A sequence lock guards the numbers: the writer makes the counter odd, writes, makes it even again; a
 * reader that saw an odd counter, or another counter after reading, saw nothing (it looks again later).
 * Every field is read and written with Atomics, so that the lock also holds on weakly ordered CPUs
 * (ARM64), where plain loads could be satisfied after the lock's second reading: the fields are integers
 * of microseconds, in a BigInt64Array (Atomics do not work on floats).
 */

/** What the evaluator thread posted for the evaluation of request `id`. */
export interface PostedBound {
  wallMs: number;
  cpuMs: number;
  /** clock() (evaluator-thread.ts) when the evaluation started. */
  start: number;
  /** The evaluator thread's CPU time (ms) then, or null where it is unknown. */
  cpu0: number | null;
}

const SEQ = 0;
const ID = 1;
const WALL = 2;
const CPU = 3;
const START = 4;
const CPU0 = 5;
const FIELDS = 6;

/** No request's bounds are posted: ids are positive. */
const NO_ID = -1n;
/** cpu0 unknown. */
const UNKNOWN = -1n;
/** A budget without end (a pool's CPU budget: only its deadline bounds a lease's wait). */
const NO_END = 2n ** 62n;

/**
 * Milliseconds as whole microseconds. What is not a number counts as 0, which cuts the decision at the
 * first look (it goes to the cold path) rather than never.
 */
function micros(ms: number): bigint {
  if (ms === Infinity) return NO_END;
  return Number.isFinite(ms) && ms > 0 ? BigInt(Math.round(ms * 1000)) : 0n;
}

const millis = (us: bigint): number => (us === NO_END ? Infinity : Number(us) / 1000);

export class BoundSlot {
  private readonly v: BigInt64Array;

  /** Memory for one slot, to hand to both threads: no request's bounds posted yet. */
  static memory(): SharedArrayBuffer {
    const memory = new SharedArrayBuffer(FIELDS * 8);
    Atomics.store(new BigInt64Array(memory), ID, NO_ID);
    return memory;
  }

  constructor(memory: SharedArrayBuffer) {
    this.v = new BigInt64Array(memory);
  }

  /** The evaluator thread: the evaluation of request `id` starts now. */
  post(id: number, b: PostedBound): void {
    const v = this.v;
    const s = Atomics.add(v, SEQ, 1n) + 1n;
    Atomics.store(v, ID, BigInt(id));
    Atomics.store(v, WALL, micros(b.wallMs));
    Atomics.store(v, CPU, micros(b.cpuMs));
    Atomics.store(v, START, micros(b.start));
    Atomics.store(v, CPU0, b.cpu0 === null ? UNKNOWN : micros(b.cpu0));
    Atomics.store(v, SEQ, s + 1n);
  }

  /** The main thread: the bounds posted for request `id`, or null when none are (or they are being written). */
  read(id: number): PostedBound | null {
    const v = this.v;
    const s = Atomics.load(v, SEQ);
    if (s & 1n) return null;
    const posted = Atomics.load(v, ID);
    const wall = Atomics.load(v, WALL);
    const cpu = Atomics.load(v, CPU);
    const start = Atomics.load(v, START);
    const cpu0 = Atomics.load(v, CPU0);
    if (posted !== BigInt(id) || Atomics.load(v, SEQ) !== s) return null;
    return {
      wallMs: millis(wall),
      cpuMs: millis(cpu),
      start: millis(start),
      cpu0: cpu0 === UNKNOWN ? null : millis(cpu0),
    };
  }
}
