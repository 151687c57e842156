/**
 * One map file's text into records (MapFile.cpp ParseCanonicalizationFile): the line model, comments,
 * `@include` lines, and the three fields. Bad lines are skipped exactly where HTCondor skips them, each with
 * an issue naming FILE:LINE. No I/O: includes are returned for the loader to expand.
 */
import { clip, textFromBinary, type Binary } from '../bytes.js';
import type { ErrorCode, SourcePos } from '../errors.js';
import { readField, type Field } from './tokenize.js';

export interface MapRecord {
  /** As written (methods compare ASCII case-insensitively). */
  method: Binary;
  principal: Binary;
  /** True when the principal is a regular expression (always in regex-keys mode; `/.../` in hash-keys mode). */
  regex: boolean;
  caseless: boolean;
  ungreedy: boolean;
  canonical: Binary;
  pos: SourcePos;
}

export type IssueSeverity = 'error' | 'warning';

export interface MapIssue {
  pos: SourcePos;
  severity: IssueSeverity;
  code: ErrorCode;
  message: string;
  /** HTCondor skips (or drops) this line or include: `lookup` warns about it on stderr. */
  skipped: boolean;
}

export type ParsedItem =
  { t: 'record'; record: MapRecord } | { t: 'include'; path: Binary; pos: SourcePos } | { t: 'issue'; issue: MapIssue };

export interface ParseOptions {
  hashKeys: boolean;
  /** Lines of an included file: `@include` is not allowed there. */
  included: boolean;
}

const show = (s: Binary) => clip(JSON.stringify(textFromBinary(s)));

/** Lines are split on LF only, each keeping its LF (HTCondor keeps it in the buffer). */
export function parseMapText(text: Binary, file: string, opts: ParseOptions): ParsedItem[] {
  const items: ParsedItem[] = [];
  const skip = (pos: SourcePos, code: ErrorCode, message: string, severity: IssueSeverity = 'error') =>
    items.push({ t: 'issue', issue: { pos, severity, code, message, skipped: true } });
  let number = 0;
  for (let start = 0; start < text.length;) {
    const lf = text.indexOf('\n', start);
    const end = lf < 0 ? text.length : lf + 1;
    const line = text.slice(start, end);
    start = end;
    number++;
    const pos = { file, line: number };
    const method = readField(line, 0);
    if (method.value === '@include') {
      if (opts.included) {
        skip(pos, 'MAPFILE_NESTED_INCLUDE', '@include directive not allowed in an included file; line skipped');
        continue;
      }
      const path = readField(line, method.end);
      if (!path.value || path.backslashAtEof) {
        skip(pos, 'MAPFILE_SYNTAX', '@include without a path; line skipped');
        continue;
      }
      items.push({ t: 'include', path: path.value, pos });
      continue;
    }
    if (method.value === '' || method.value.startsWith('#')) continue;
    const principal = readField(line, method.end, opts.hashKeys);
    const canonical = readField(line, principal.end);
    if (!principal.value || !canonical.value || [method, principal, canonical].some((f: Field) => f.backslashAtEof)) {
      skip(
        pos,
        'MAPFILE_SYNTAX',
        `Error parsing line (Method=${show(method.value)}) (Principal=${show(principal.value)}) ` +
          `(Canon=${show(canonical.value)}); HTCondor skips this line`,
      );
      continue;
    }
    items.push({
      t: 'record',
      record: {
        method: method.value,
        principal: principal.value,
        regex: opts.hashKeys ? principal.form === 'slash' : true,
        caseless: principal.caseless,
        ungreedy: principal.ungreedy,
        canonical: canonical.value,
        pos,
      },
    });
  }
  return items;
}
