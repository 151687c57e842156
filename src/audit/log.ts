/**
 * The decision log: one JSON line per decision, appended with a single write on an O_APPEND descriptor
 * (concurrent callouts never interleave within a line). It records who asked and what was decided, never
 * the token or the whole payload. The log can neither hang a callout (O_NONBLOCK: a FIFO without a reader
 * fails at once), be redirected (O_NOFOLLOW, and only a regular file is written), nor lie: a line that
 * cannot be written whole fails the callout, and each field is capped so one request cannot write a
 * line of hundreds of KiB.
 */
import { closeSync, constants, fstatSync, openSync, writeSync } from 'node:fs';
import type { Claims } from '../claims/claims.js';
import type { Decision } from '../engine/decision.js';
import { fileError } from '../io/regular-file.js';

export interface AuditRecord {
  time: string;
  ce: 'htcondor' | 'arc';
  iss?: string;
  sub?: string;
  jti?: string;
  result: Decision['result'];
  /** The error code when result is 'error'. */
  code?: string;
  identity?: string;
  rule?: string;
  reason: string;
  /** A pool account's lease: taken, renewed, or taken over from a holder who left it unused. */
  lease?: Decision['lease'];
  ms: number;
}

/** Characters kept of one field; the marker says how many were cut, and the line stays valid JSON. */
export const AUDIT_FIELD_MAX = 512;

export function capField(v: string | undefined, max = AUDIT_FIELD_MAX): string | undefined {
  if (v === undefined || v.length <= max) return v;
  return `${v.slice(0, max)}...[${v.length - max} more characters cut]`;
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
    iss: capField(claims?.iss),
    sub: capField(claims?.sub ?? claims?.arcSubject),
    jti: capField(claims?.jti),
    result: d.result,
    code: d.code,
    identity: capField(ce === 'arc' ? d.arc : d.htcondor),
    rule: capField(d.rule),
    reason: capField(d.reason) as string,
    lease: d.lease,
    ms: Math.round(ms * 10) / 10,
  };
}

const AUDIT_FLAGS =
  constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK;

export interface AuditLog {
  path: string;
  /** Appends one line in one write; throws (an Error with a `code`) unless the whole line was written. */
  append(record: AuditRecord): void;
  close(): void;
}

/**
 * Opens the log before anything is decided, so that a log that cannot be opened fails the callout before
 * an identity is written; the line is appended once the answer is known (and was delivered, or not).
 */
export function openAuditLog(path: string): AuditLog {
  const fd = openSync(path, AUDIT_FLAGS, 0o640);
  try {
    if (!fstatSync(fd).isFile()) throw fileError('ENOTREG', 'the audit log is not a regular file');
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  let open = true;
  return {
    path,
    append(record) {
      const line = Buffer.from(JSON.stringify(record) + '\n');
      const n = writeSync(fd, line);
      if (n !== line.length) throw fileError('EIO', `short write (${n} of ${line.length} bytes)`);
    },
    close() {
      if (open) closeSync(fd);
      open = false;
    },
  };
}
