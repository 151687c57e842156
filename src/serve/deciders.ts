/**
 * Where the service decides. A small request (HERE_MAX_BYTES) for rules that need no watchdog
 * (engine/needs-watchdog.ts) is decided here, on the thread that read it: nothing in such an evaluation
 * grows faster than its input, which is small, so it needs no bound that could stop it; it is held to the
 * cold path's bounds afterwards (measuredBound), so that the answer is the cold path's. That saves the two
 * cross-thread wake-ups of the evaluator thread (about half of an in-service decision, and most of its
 * p99: `npm run bench`). Everything else goes to the evaluator thread (evaluator.ts), which is timed from
 * here and stopped when a decision runs past its bound, while this thread goes on accepting.
 *
 * This thread's RuleCache is the one status, metrics and the log show. The evaluator thread keeps its own
 * copy, built by the same builder from the same files at the same watcher tick.
 */
import type { DecisionService } from './decision-service.js';
import type { Evaluator } from './evaluator.js';
import type { Metrics } from './metrics.js';
import type { CalloutRequest } from './protocol.js';
import type { RuleCache, RulesView } from './rule-cache.js';

/**
 * Bytes of arguments, stdin and environment a request decided here may hold: a WLCG or EGI token's payload
 * is 1-8 KiB. Above it the evaluator thread decides, where a pathological claim list (tens of thousands of items in
 * stdin_max) cannot hold the thread that accepts connections.
 */
export const HERE_MAX_BYTES = 16 * 1024;

/** What a request carries that the decision reads: its arguments, stdin and environment (names and values). */
export function requestBytes(req: CalloutRequest): number {
  let n = req.stdin?.length ?? 0;
  for (const a of req.args) n += a.length;
  for (const k in req.env) n += k.length + (req.env[k]?.length ?? 0);
  return n;
}

const DECIDED = 'T'.charCodeAt(0);

export class Deciders {
  constructor(
    /** This thread's rules: the view, and what `here` decides with. */
    private readonly cache: RuleCache,
    /** Decides on this thread (bound: measuredBound; `elsewhere`: needsWatchdog). */
    private readonly here: DecisionService,
    private readonly thread: Evaluator,
    private readonly metrics: Pick<Metrics, 'decidedOn'>,
  ) {}

  /** The rules as status, metrics and the log show them. */
  get view(): RulesView {
    return this.cache;
  }

  async answer(req: CalloutRequest): Promise<Buffer> {
    const here = requestBytes(req) > HERE_MAX_BYTES ? null : await this.here.answer(req);
    const frame = here ?? (await this.thread.answer(req));
    // A decision (a T frame), not a handback to the cold path (F).
    if (frame[0] === DECIDED) this.metrics.decidedOn(here ? 'main' : 'evaluator');
    return frame;
  }

  /** One watcher tick. */
  poll(): void {
    this.cache.poll();
    this.thread.poll();
  }

  /** SIGHUP. */
  reloadAll(): void {
    this.cache.reloadAll();
    this.thread.reloadAll();
  }

  stop(): Promise<void> {
    return this.thread.stop();
  }
}
