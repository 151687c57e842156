/**
 * One callout answered in process: the forwarded request runs through the command line's own `main` (the
 * same argv parsing, command, rendering and exit code as the cold path) with the rules from the cache.
 * What the service cannot answer the same way (other rule sources, relative paths, a decision that ran
 * into the service's time budget) becomes a fallback frame, and the client runs the cold path.
 */
import { DeadlineExceeded, HandedBack, runBudgeted, type Bound } from '../engine/bounded.js';
import type { Decision } from '../engine/decision.js';
import type { RuleSet } from '../engine/rule-set.js';
import type { Metrics, Result } from './metrics.js';
import { answerFrame, fallbackFrame, type CalloutRequest, type FallbackReason } from './protocol.js';
import { BanCache } from './ban-cache.js';
import { requestIo, type RequestIo } from './request-io.js';
import { NotServed, RuleCache } from './rule-cache.js';

/** The command line's entry (cli/main.ts), handed in: the service runs exactly what the cold path runs. */
export type Main = (argv: string[], io: RequestIo) => Promise<number>;

export const SERVED_COMMANDS = ['htcondor-plugin', 'arc-plugin'];
const RESULT_OF_EXIT: Result[] = ['mapped', 'declined', 'error'];

export interface ServiceOptions {
  main: Main;
  cache: RuleCache;
  metrics: Pick<Metrics, 'decision' | 'fallback'>;
  /** Milliseconds a decision may take in the service; a slower one is handed to the cold path. */
  budgetMs: number;
  /** The cold executable (what snippet-like output names). */
  self: string;
  /**
   * How an evaluation is bounded here: runBudgeted (node:vm) by default; in the evaluator thread it runs
   * as it is, and the service's main thread bounds the thread (evaluator.ts).
   */
  bound?: Bound;
  /**
   * Rules this service does not decide (the main thread's, for rules that need the evaluator thread's
   * bound): answer() returns null for them before anything is read, audited or counted.
   */
  elsewhere?: (rules: RuleSet) => boolean;
}

/** Thrown by the rules hook to stop a run whose rules are decided elsewhere (caught below, never seen). */
class Elsewhere extends Error {}

export class DecisionService {
  /** Ban lists parsed once per version of each file, for every request this service answers. */
  private readonly bans = new BanCache();

  constructor(private readonly o: ServiceOptions) {}

  /** The frame of one callout; null when its rules are decided elsewhere (ServiceOptions.elsewhere). */
  async answer(req: CalloutRequest): Promise<Buffer | null> {
    const started = process.hrtime.bigint();
    if (!SERVED_COMMANDS.includes(req.args[0] ?? '')) return this.fallback('not-served');
    // Filled in by the callbacks below while the command runs.
    const seen: {
      refusal?: FallbackReason;
      budgeted?: boolean;
      handedBack?: boolean;
      elsewhere?: boolean;
      decision?: Decision;
    } = {};
    const bound = this.o.bound ?? runBudgeted;
    const captured = requestIo(
      req,
      this.o.self,
      (request, build) => {
        let p: RuleSet;
        try {
          p = this.o.cache.provider(request, build);
        } catch (e) {
          if (e instanceof NotServed) seen.refusal = e.reason;
          throw e;
        }
        if (this.o.elsewhere?.(p)) {
          seen.elsewhere = true;
          throw new Elsewhere();
        }
        if (p.settings.deadline * 1000 <= this.o.budgetMs) return p;
        seen.budgeted = true;
        return { ...p, settings: { ...p.settings, deadline: this.o.budgetMs / 1000 } };
      },
      (d) => (seen.decision = d),
      (fn, wallMs, cpuMs) => {
        try {
          return bound(fn, wallMs, cpuMs);
        } catch (e) {
          // The full deadline may still give a different answer: the cold path decides (and audits) it.
          if (!(seen.budgeted && e instanceof DeadlineExceeded)) throw e;
          seen.handedBack = true;
          throw new HandedBack();
        }
      },
      this.bans.source,
    );
    const code = await this.o.main(req.args, captured);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (seen.elsewhere) return null;
    if (seen.refusal) return this.fallback(seen.refusal);
    if (seen.handedBack) return this.fallback('over-budget');
    this.o.metrics.decision(RESULT_OF_EXIT[code] ?? 'error', seconds, seen.decision?.rule);
    return answerFrame({ code, stdout: captured.stdout(), stderr: Buffer.from(captured.stderr()) });
  }

  fallback(reason: FallbackReason): Buffer {
    this.o.metrics.fallback(reason);
    return fallbackFrame(reason);
  }
}
