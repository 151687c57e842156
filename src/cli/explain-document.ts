/**
 * `explain --json`: one document, whatever happened (schemas/decision.schema.json). The Decision, and
 * what explain knows around it: the input the token came from, the whole claims set evaluated, and the
 * token's times as data. A failure before any rule ran (an unreadable configuration, a malformed token) is
 * a document too: an error Decision with as much of the rest as was known when it failed.
 */
import type { Claims } from '../claims/claims.js';
import { claimsJson } from '../claims/claims-json.js';
import { tokenState, tokenTimes } from '../claims/token-state.js';
import { decisionJson, type Decision } from '../engine/decision.js';
import type { InputSource } from './explain-input.js';

export interface Known {
  /** Unix seconds. */
  now: number;
  source?: InputSource;
  claims?: Claims;
}

export function explainDocument(d: Decision, known: Known): Record<string, unknown> {
  const { trace, notes, token, ...head } = decisionJson(d);
  const c = known.claims;
  let tokenDoc: Record<string, unknown> | undefined = token && { ...token };
  if (c) {
    const t = tokenTimes(c, known.now);
    tokenDoc = {
      ...(tokenDoc ?? { source: c.source, iss: c.iss, sub: c.sub ?? c.arcSubject, state: tokenState(c, known.now) }),
      validity: t.validity,
      at: t.at,
      exp: t.exp,
      nbf: t.nbf,
      iat: t.iat,
      seconds_left: t.secondsLeft,
      valid_in: t.validIn,
    };
  }
  return {
    ...head,
    token: tokenDoc,
    input: known.source,
    claims: c && claimsJson(c),
    trace,
    notes,
  };
}
