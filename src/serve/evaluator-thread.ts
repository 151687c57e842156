/**
 * The evaluator thread of `tokenmap serve` (a worker_threads Worker running the bundle). It holds its own
 * RuleCache and answers one callout at a time with the command line's own main(), exactly as the service
 * did on its main thread, except that an evaluation runs as it is: no node:vm watchdog thread per
 * decision. Before each evaluation it leaves its bounds in memory it shares with the main thread
 * (bound-slot.ts), which times this thread and terminates it when it runs past them (evaluator.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Bound } from '../engine/bounded.js';
import type { CliIo } from '../io/cli-io.js';
import { memoryIo } from '../io/memory-io.js';
import { BoundSlot } from './bound-slot.js';
import { DecisionService, type Main } from './decision-service.js';
import type { Result } from './metrics.js';
import type { CalloutRequest, FallbackReason } from './protocol.js';
import { RuleCache, type Served } from './rule-cache.js';
import { ownThreadCpuClock, ownThreadId } from './thread-cpu.js';

export interface EvaluatorData {
  served: Served;
  budgetMs: number;
  self: string;
  /** BoundSlot.memory(): where this thread leaves the bounds of each evaluation it starts. */
  slot: SharedArrayBuffer;
}

/** A metrics call made while answering, replayed on the main thread's Metrics. */
export type Counted = ['decision', Result, number, string | undefined] | ['fallback', FallbackReason];

/** Milliseconds since the epoch, comparable across threads (performance.now() is per thread). */
export const clock = (): number => performance.timeOrigin + performance.now();

/** `deadline` (clock()): a request not started by then is not started at all ('late'). */
export type ToThread =
  { t: 'answer'; id: number; req: CalloutRequest; deadline: number } | { t: 'poll' } | { t: 'reload' };
export type FromThread =
  | { t: 'ready'; tid: number | null }
  | { t: 'answer'; id: number; frame: Uint8Array; counted: Counted[] }
  | { t: 'late'; id: number };

/** The first build of the served rules, as a callout asks for them (cli/serve-rules.ts). */
export type Prime = (served: Served, cache: RuleCache, io: CliIo) => void;

/** The thread's body; the command line's main() and builder are handed in (serve/ does not import cli/). */
export function runEvaluatorThread(main: Main, primeRules: Prime): void {
  const port = parentPort;
  if (!port) throw new Error('the evaluator runs in a worker thread');
  const d = workerData as EvaluatorData;
  const post = (m: FromThread) => port.postMessage(m);
  // What status, metrics and the log show of the rules is the main thread's own cache (deciders.ts).
  const cache = new RuleCache(d.served, Date.now);
  let current = 0;
  let counted: Counted[] = [];
  const slot = new BoundSlot(d.slot);
  const cpu = ownThreadCpuClock();
  const bound: Bound = (fn, wallMs, cpuMs) => {
    slot.post(current, { wallMs, cpuMs, start: clock(), cpu0: cpu() });
    return fn();
  };
  const service = new DecisionService({
    main,
    cache,
    budgetMs: d.budgetMs,
    self: d.self,
    metrics: {
      decision: (result, seconds, rule) => counted.push(['decision', result, seconds, rule]),
      fallback: (reason) => counted.push(['fallback', reason]),
    },
    bound,
  });
  try {
    primeRules(d.served, cache, memoryIo({ self: d.self }));
  } catch {
    // Kept as the rules' failure: each request then fails with it, as the cold path would.
  }
  // One request at a time, in order: the main thread times the one at the head of what it sent.
  let queue = Promise.resolve();
  const answer = async (m: Extract<ToThread, { t: 'answer' }>) => {
    if (clock() >= m.deadline) return post({ t: 'late', id: m.id });
    current = m.id;
    counted = [];
    const frame = await service.answer(m.req);
    post({ t: 'answer', id: m.id, frame: frame!, counted }); // never null: no `elsewhere` here
  };
  port.on('message', (m: ToThread) => {
    if (m.t === 'poll') queue = queue.then(() => cache.poll());
    else if (m.t === 'reload') queue = queue.then(() => cache.reloadAll());
    else queue = queue.then(() => answer(m));
  });
  post({ t: 'ready', tid: ownThreadId() });
}
