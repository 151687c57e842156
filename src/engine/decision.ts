/** The one value every edge renders: plugins, explain, the audit log (schemas/decision.schema.json). */
export type Outcome = 'matched' | 'no-match' | 'skipped' | 'error';

export interface TraceStep {
  /** FILE:LINE and the rule's name where it has one. */
  rule: string;
  source?: string;
  outcome: Outcome;
  why: string;
}

export interface TokenSummary {
  source?: string;
  iss?: string;
  sub?: string;
  profile?: string;
  state?: string;
  signature?: string;
  rejections?: string[];
}

export interface Decision {
  result: 'mapped' | 'declined' | 'error';
  reason: string;
  /** Error code (exit 2) when result is 'error'. */
  code?: string;
  account?: string;
  group?: string;
  /** The identity HTCondor ends up with: user@domain (after plugins). */
  htcondor?: string;
  /** What ARC's map_with_plugin reads: user or user:group. */
  arc?: string;
  /** FILE:LINE of the deciding rule. */
  rule?: string;
  token?: TokenSummary;
  trace: TraceStep[];
  notes: string[];
}
