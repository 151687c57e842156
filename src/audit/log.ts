/**
 * The decision log: one JSON line per decision, appended with a single write on an O_APPEND descriptor
 * (concurrent callouts never interleave within a line). It records who asked and what was decided, never
 * the token or the whole payload.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { Claims } from '../claims/claims.js';
import type { Decision } from '../engine/decision.js';

export interface AuditRecord {
  time: string;
  ce: 'htcondor' | 'arc';
  iss?: string;
  sub?: string;
  jti?: string;
  result: Decision['result'];
  identity?: string;
  rule?: string;
  reason: string;
  /** A pool account's lease: taken, renewed, or taken over from a holder who left it unused. */
  lease?: Decision['lease'];
  ms: number;
}

export function auditRecord(
  ce: AuditRecord['ce'],
  claims: Claims | undefined,
  d: Decision,
  now: number,
  ms: number,
): AuditRecord {
  return {
    time: new Date(now).toISOString(),
    ce,
    iss: claims?.iss,
    sub: claims?.sub ?? claims?.arcSubject,
    jti: claims?.jti,
    result: d.result,
    identity: ce === 'arc' ? d.arc : d.htcondor,
    rule: d.rule,
    reason: d.reason,
    lease: d.lease,
    ms: Math.round(ms * 10) / 10,
  };
}

export function appendAudit(path: string, record: AuditRecord): void {
  const fd = openSync(path, 'a', 0o640);
  try {
    writeSync(fd, JSON.stringify(record) + '\n');
  } finally {
    closeSync(fd);
  }
}
