/**
 * Runs a synchronous evaluation with a wall-clock bound. A JavaScript RegExp blocks the event loop, so a
 * timer cannot stop it; `vm` with a `timeout` terminates even a running RegExp. Each bounded call costs a
 * watchdog thread (about 0.1 ms), so callers bound a whole lookup or batch, not each match.
 */
import vm from 'node:vm';

const SLOT = Symbol.for('tokenmap.bounded');
let script: vm.Script | undefined;

export class DeadlineExceeded extends Error {
  constructor(readonly ms: number) {
    super(`evaluation exceeded its time limit of ${ms} ms`);
  }
}

export function runBounded<T>(fn: () => T, ms: number): T {
  script ??= new vm.Script(`globalThis[Symbol.for(${JSON.stringify(SLOT.description)})]()`);
  const g = globalThis as unknown as Record<symbol, unknown>;
  g[SLOT] = fn;
  try {
    return script.runInThisContext({ timeout: Math.max(1, Math.ceil(ms)) }) as T;
  } catch (e) {
    if ((e as NodeJS.ErrnoException)?.code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') throw new DeadlineExceeded(ms);
    throw e;
  } finally {
    delete g[SLOT];
  }
}

/** How an evaluation is bounded: `fn` within `wallMs` of wall-clock time and `cpuMs` of CPU time. */
export type Bound = <T>(fn: () => T, wallMs: number, cpuMs: number) => T;

/**
 * Thrown by a caller's bound to hand the decision to another decider (the service's cold path), which
 * decides it again and audits it: the one it was taken from neither answers nor audits it.
 */
export class HandedBack extends Error {
  constructor() {
    super('the decision was handed to the cold path');
  }
}

export class BudgetExceeded extends Error {
  constructor(readonly ms: number) {
    super(`evaluation used its CPU budget of ${ms} ms`);
  }
}

/** The timer fires a little after the CPU time it allowed was used: 90% of the budget counts as all of it. */
const CPU_SLACK = 0.9;

/** A monotonic clock in ms; not `performance.now()`, whose first use loads perf_hooks into a callout. */
export const monotonicMs = (): number => Number(process.hrtime.bigint()) / 1e6;

/** The process's CPU time (user + system, every thread) in ms. */
export const processCpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/**
 * A bound that runs `fn` to its end, then holds it to the bounds runBudgeted would have stopped it at:
 * for evaluations that cannot run away (serve's main thread, serve/deciders.ts), so that one past a bound
 * gets the answer the cold path gives (BudgetExceeded, DeadlineExceeded), not a different one. CPU time
 * is the calling thread's own (`threadCpuMs`: the process's would count the evaluator thread's work
 * against this decision); where it is unknown (null), wall-clock time counts, which is stricter.
 */
export function measuredBound(threadCpuMs: () => number | null): Bound {
  return <T>(fn: () => T, wallMs: number, cpuMs: number): T => {
    const start = monotonicMs();
    const cpu0 = threadCpuMs();
    const result = fn();
    const wall = monotonicMs() - start;
    // CPU time never exceeds wall-clock time on one thread: a quick decision needs no second reading.
    if (wall < Math.min(wallMs, cpuMs) * CPU_SLACK) return result;
    const cpu1 = cpu0 === null ? null : threadCpuMs();
    const used = cpu0 === null || cpu1 === null ? wall : cpu1 - cpu0;
    // As runBudgeted would have seen it: its timer fires at the first bound; past the CPU budget (90% of it
    // once the timer fired) is BudgetExceeded, past the deadline DeadlineExceeded.
    if (wall >= wallMs && wallMs <= cpuMs) throw new DeadlineExceeded(wallMs);
    if (used >= cpuMs || (wall >= cpuMs && used >= cpuMs * CPU_SLACK)) throw new BudgetExceeded(cpuMs);
    if (wall >= wallMs) throw new DeadlineExceeded(wallMs);
    return result;
  };
}

/**
 * Runs `fn` within `wallMs` of wall-clock time and `cpuMs` of CPU time. The budget is CPU time, as PCRE2's
 * match limit counts work, not time: on a loaded machine a timer also fires while the process merely
 * waits for a core, and a sound evaluation must not fail then. So a run cut by the timer before it used
 * its budget is run again (evaluation is pure) with what is left; CPU time adds up across runs. Throws
 * DeadlineExceeded when the wall-clock bound ran out, BudgetExceeded when the CPU budget did.
 */
export const runBudgeted: Bound = <T>(fn: () => T, wallMs: number, cpuMs: number): T => {
  const end = monotonicMs() + wallMs;
  let cpu = 0;
  for (;;) {
    const left = end - monotonicMs();
    if (left <= 0) throw new DeadlineExceeded(wallMs);
    const start = processCpuMs();
    try {
      return runBounded(fn, Math.min(left, cpuMs - cpu));
    } catch (e) {
      if (!(e instanceof DeadlineExceeded)) throw e;
      cpu += processCpuMs() - start;
      if (cpuMs - cpu >= left) throw new DeadlineExceeded(wallMs);
      if (cpu >= cpuMs * CPU_SLACK) throw new BudgetExceeded(cpuMs);
    }
  }
};
