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
