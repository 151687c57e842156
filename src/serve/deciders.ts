/**
 * Where the service decides. Rules that run no regex the configuration wrote (engine/configured-regex.ts)
 * are decided here, on the thread that read the request: nothing in such an evaluation can run away, so it
 * needs no bound, and it saves the two cross-thread wake-ups of the evaluator thread (about half of an
 * in-service decision, and most of its p99: `npm run bench`). Rules that do run one go to the evaluator
 * thread (evaluator.ts), which is timed from here and replaced when a decision runs past its bound.
 *
 * This thread's RuleCache is the one status, metrics and the log show. The evaluator thread keeps its own
 * copy, built by the same builder from the same files at the same watcher tick.
 */
import type { DecisionService } from './decision-service.js';
import type { Evaluator } from './evaluator.js';
import type { CalloutRequest } from './protocol.js';
import type { RuleCache, RulesView } from './rule-cache.js';

export class Deciders {
  constructor(
    /** This thread's rules: the view, and what `here` decides with. */
    private readonly cache: RuleCache,
    /** Decides on this thread, unbounded; `elsewhere` is runsConfiguredRegex. */
    private readonly here: DecisionService,
    private readonly thread: Evaluator,
  ) {}

  /** The rules as status, metrics and the log show them. */
  get view(): RulesView {
    return this.cache;
  }

  async answer(req: CalloutRequest): Promise<Buffer> {
    return (await this.here.answer(req)) ?? this.thread.answer(req);
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
