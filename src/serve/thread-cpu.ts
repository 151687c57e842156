/**
 * CPU time of one thread of this process, read from Linux's /proc (a worker thread names its own id, the
 * main thread reads that thread's time), so that the evaluator thread's regex budget counts that thread's
 * work, not the process's nor the time it waited for a core. Elsewhere, or when /proc is hidden, the time
 * is unknown (null) and callers count wall-clock time instead (stricter, never looser).
 */
import { readFileSync, readlinkSync } from 'node:fs';

/** The calling thread's kernel thread id, or null. */
export function ownThreadId(): number | null {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    return Number.isSafeInteger(tid) && tid > 0 ? tid : null;
  } catch {
    return null;
  }
}

/** Milliseconds of CPU time the thread has used (schedstat's first field is nanoseconds on the CPU), or null. */
export function threadCpuMs(tid: number | null): number | null {
  if (tid === null) return null;
  try {
    const ns = Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'latin1').split(' ')[0]);
    return Number.isFinite(ns) ? ns / 1e6 : null;
  } catch {
    return null;
  }
}
