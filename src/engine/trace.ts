/**
 * What an evaluation reports as it goes (as OPA's topdown reports to a tracer): every rule considered, or
 * only what decided. The engine reports steps with their source position; edges render them.
 */
import { formatPos, type SourcePos } from '../errors.js';

/** What a step came to. */
export type Outcome = 'matched' | 'no-match' | 'skipped' | 'error';

/** One rule considered: where, in which source, with what outcome and why. */
export interface TraceStep {
  /** Where the rule is; absent for a step about a whole rule source. */
  readonly pos?: SourcePos;
  /** The rule's name where it has one: `[rule NAME]`, `[mappings] user`. */
  readonly name?: string;
  /** The rule source (its label: a path, `plugin NAME`). */
  readonly source: string;
  readonly outcome: Outcome;
  readonly why: string;
}

/** Receives the steps of an evaluation; injected (evaluate options), so callouts pay only for what they keep. */
export interface Tracer {
  /**
   * true: the evaluation tests and reports every rule in order (explain, test); false: it may skip rules
   * that cannot match (the issuer index) and reports only the steps that decide (callouts).
   */
  readonly everyRule: boolean;
  step(step: TraceStep): void;
  /** The steps kept, in order. */
  steps(): TraceStep[];
}

/** Keeps every step: for explain and the fixture runner. */
export function fullTracer(): Tracer {
  const kept: TraceStep[] = [];
  return { everyRule: true, step: (s) => void kept.push(s), steps: () => kept };
}

/** Keeps only the last step reported, the one that decided: for callouts, which never print a trace. */
export function decidingTracer(): Tracer {
  let last: TraceStep | undefined;
  return { everyRule: false, step: (s) => void (last = s), steps: () => (last ? [last] : []) };
}

/** How a step names its rule in explain's output and in `explain --json`: `FILE:LINE [rule NAME]`. */
export function stepRule(s: TraceStep): string {
  if (!s.pos) return s.source;
  return s.name ? `${formatPos(s.pos)} ${s.name}` : formatPos(s.pos);
}
