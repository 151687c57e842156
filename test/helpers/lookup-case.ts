/** Data-driven map file cases: a map file text, a principal, and what `tokenmap lookup` must answer. */
import type { Test } from 'tap';
import { put, scratch } from './files.js';
import { runMain } from './run.js';

export interface LookupCase {
  name: string;
  /** Raw map file bytes, as a binary string. */
  map: string;
  principal: string;
  regexKeys?: boolean;
  method?: string;
  /** Canonical name (exact bytes, before the added newline); null for no match; 2 for an error exit. */
  expect: string | null | 2;
  /** Something stderr must contain (a warning or the error line). */
  stderr?: RegExp;
}

export function lookupCases(t: Test, cases: LookupCase[]): void {
  for (const c of cases) {
    t.test(c.name, async (t) => {
      const file = put(scratch(), 'mapfile', c.map);
      const args = [
        'lookup',
        '--mapfile',
        file,
        ...(c.regexKeys ? ['--regex-keys'] : []),
        '--method',
        c.method ?? 'SCITOKENS',
        c.principal,
      ];
      const r = await runMain(args);
      if (c.expect === 2) {
        t.equal(r.code, 2, 'exit 2');
        t.equal(r.stdout, '', 'nothing on stdout');
      } else if (c.expect === null) {
        t.equal(r.code, 1, 'exit 1: no match');
        t.equal(r.stdout, '', 'nothing on stdout');
      } else {
        t.equal(r.code, 0, 'exit 0: matched');
        t.equal(r.stdout, c.expect + '\n', 'canonical name');
      }
      if (c.stderr) t.match(r.stderr, c.stderr, 'diagnostic');
      else t.equal(r.stderr, '', 'no diagnostics');
    });
  }
}
