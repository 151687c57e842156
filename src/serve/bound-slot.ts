/**
 * Where the evaluator thread leaves the bounds of the evaluation it starts, for the main thread that times
 * it (evaluator.ts): a few numbers in memory both threads share, read when the main thread's timer looks,
 * not a message. A message per decision cost the evaluator thread about 0.1 ms to send and woke the main
 * thread once more per decision, while the decision itself takes a few tenths of a millisecond.
 *
 * A sequence lock guards the numbers: the writer makes the counter odd, writes, makes it even again; a
 * reader that saw an odd counter, or another counter after reading, saw nothing (it looks again later).
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

const ID = 0;
const WALL = 1;
const CPU = 2;
const START = 3;
const CPU0 = 4;
const FIELDS = 5;

export class BoundSlot {
  private readonly seq: Int32Array;
  private readonly values: Float64Array;

  /** Memory for one slot, to hand to both threads: no request's bounds posted yet (no id is NaN). */
  static memory(): SharedArrayBuffer {
    const memory = new SharedArrayBuffer(8 + FIELDS * 8);
    new Float64Array(memory, 8, FIELDS)[ID] = Number.NaN;
    return memory;
  }

  constructor(memory: SharedArrayBuffer) {
    this.seq = new Int32Array(memory, 0, 1);
    this.values = new Float64Array(memory, 8, FIELDS);
  }

  /** The evaluator thread: the evaluation of request `id` starts now. */
  post(id: number, b: PostedBound): void {
    const s = Atomics.add(this.seq, 0, 1) + 1;
    const v = this.values;
    v[ID] = id;
    v[WALL] = b.wallMs;
    v[CPU] = b.cpuMs;
    v[START] = b.start;
    v[CPU0] = b.cpu0 ?? Number.NaN;
    Atomics.store(this.seq, 0, s + 1);
  }

  /** The main thread: the bounds posted for request `id`, or null when none are (or they are being written). */
  read(id: number): PostedBound | null {
    const s = Atomics.load(this.seq, 0);
    if (s & 1) return null;
    const v = this.values;
    const b = { wallMs: v[WALL]!, cpuMs: v[CPU]!, start: v[START]!, cpu0: Number.isNaN(v[CPU0]) ? null : v[CPU0]! };
    if (v[ID] !== id || Atomics.load(this.seq, 0) !== s) return null;
    return b;
  }
}
