/**
 * `tokenmap check`: lint the site configuration and every source it reaches, or the files given. One
 * line per problem (`FILE:LINE:COL: error|warning|note CODE message`), sorted by file and line, or one
 * JSON document (schemas/check.schema.json). Exit 1 if any error, else 0; 2 if it could not run.
 */
import { resolveConfigPath } from '../config/config.js';
import { textFromBinary, type Binary } from '../bytes.js';
import { nodeReader } from '../io/node-reader.js';
import { recordingReader } from '../serve/file-signature.js';
import { lintFiles, lintWithConfig } from '../lint/lint.js';
import { formatProblem, type LintProblem } from '../lint/problem.js';
import { EXIT_NO, EXIT_OK } from './fail.js';
import type { CliIo } from '../io/cli-io.js';

export interface CheckOptions {
  config?: string;
  json?: boolean;
  regexKeys?: boolean;
}

export function checkDocument(problems: readonly LintProblem[], files: readonly string[]) {
  const count = (s: string) => problems.filter((p) => p.severity === s).length;
  return {
    problems: problems.map((p) => ({ ...p.pos, severity: p.severity, code: p.code, message: p.message })),
    errors: count('error'),
    warnings: count('warning'),
    notes: count('note'),
    files,
  };
}

export async function runCheck(files: string[], opts: CheckOptions, io: CliIo): Promise<number> {
  const problems: LintProblem[] = [];
  // What check reads, as the callout's rule set lists what it read (a test holds the two equal).
  const seen = new Set<Binary>();
  const reader = recordingReader(nodeReader, seen);
  if (opts.config !== undefined || files.length === 0)
    problems.push(...lintWithConfig(resolveConfigPath(opts.config, io.env), reader));
  if (files.length) problems.push(...lintFiles(files, reader, { hashKeys: !opts.regexKeys }));
  const doc = checkDocument(problems, [...seen].map(textFromBinary).sort());
  if (opts.json) io.out(JSON.stringify(doc, null, 2) + '\n');
  else {
    if (problems.length) io.out(problems.map(formatProblem).join('\n') + '\n');
    io.err(`tokenmap check: ${doc.errors} error(s), ${doc.warnings} warning(s), ${doc.notes} note(s)`);
  }
  return doc.errors > 0 ? EXIT_NO : EXIT_OK;
}
