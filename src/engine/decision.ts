/** The one value every edge renders: plugins, explain, the audit log (schemas/decision.schema.json). */
import type { ErrorCode } from '../errors.js';
import { TokenmapError } from '../errors.js';
import type { Verification } from '../tokens/verification.js';
import { stepRule, type Outcome, type TraceStep } from './trace.js';

/** What the Decision says about the token (explain fills in profile, state, signature, rejections). */
export interface TokenSummary {
  readonly source?: string;
  readonly iss?: string;
  readonly sub?: string;
  readonly profile?: string;
  readonly state?: string;
  readonly signature?: string;
  readonly rejections?: readonly string[];
}

/** The outcome of one evaluation: mapped (with each CE's identity), declined, or an error with its code. */
export interface Decision {
  readonly result: 'mapped' | 'declined' | 'error';
  readonly reason: string;
  /** Error code (exit 2) when result is 'error'. */
  readonly code?: ErrorCode;
  readonly account?: string;
  readonly group?: string;
  /** The identity HTCondor ends up with: user@domain (after plugins). */
  readonly htcondor?: string;
  /** What ARC's map_with_plugin reads: user or user:group. */
  readonly arc?: string;
  /** Exactly what the asking CE's callout prints on stdout, already checked (callouts only). */
  readonly answer?: string;
  /** FILE:LINE of the deciding rule. */
  readonly rule?: string;
  /** A pool account: which pool, what happened to the lease, who holds it (and who held it before). */
  readonly lease?: {
    readonly pool: string;
    readonly event: 'leased' | 'renewed' | 're-leased' | 'held' | 'would-lease';
    readonly holder: string;
    readonly previous?: string;
  };
  readonly token?: TokenSummary;
  /** explain, test: the signature and token checks of a compact JWS (tokens/verify). */
  readonly verification?: Omit<Verification, 'notes'>;
  readonly trace: readonly TraceStep[];
  readonly notes: readonly string[];
}

/** The Decision of a failure an edge caught (an unreadable stdin, a deadline): for the audit log. */
export function errorDecision(e: unknown): Decision {
  if (e instanceof TokenmapError) return { result: 'error', code: e.code, reason: e.describe(), trace: [], notes: [] };
  return { result: 'error', code: 'INTERNAL', reason: String((e as Error)?.message ?? e), trace: [], notes: [] };
}

/** The error an edge reports (one stderr line, exit 2) for an error Decision. */
export function decisionError(d: Decision): TokenmapError {
  return new TokenmapError(d.code ?? 'INTERNAL', d.reason);
}

/** A trace step as schemas/decision.schema.json has it. */
export interface TraceStepJson {
  rule: string;
  source?: string;
  outcome: Outcome;
  why: string;
}

/** The Decision as schemas/decision.schema.json has it (`explain --json`). */
export function decisionJson(d: Decision): Omit<Decision, 'trace' | 'answer'> & { trace: TraceStepJson[] } {
  // Key order as the Decision's (the JSON is read by people); the answer is the callouts' business.
  const out: Record<string, unknown> = { ...d };
  out.trace = d.trace.map((s) => ({ rule: stepRule(s), source: s.source, outcome: s.outcome, why: s.why }));
  delete out.answer;
  return out as ReturnType<typeof decisionJson>;
}
