/**
 * A lint problem: where it is (FILE:LINE:COL, 1-based), how bad, a stable code (codes.ts) and a message.
 * `check` prints them one per line, sorted by file and line, or as one JSON document.
 */
import { printable } from '../bytes.js';
import type { LintCode } from './codes.js';

/** An error changes or breaks what the CE decides; a warning is a likely mistake that decides as written. */
export type Severity = 'error' | 'warning' | 'note';

export interface LintPos {
  file: string;
  line: number;
  col: number;
}

export interface LintProblem {
  pos: LintPos;
  severity: Severity;
  code: LintCode;
  message: string;
}

/** Problems are collected through this, one per call, by every family of checks. */
export type Report = (pos: LintPos, severity: Severity, code: LintCode, message: string) => void;

export function collector(): { problems: LintProblem[]; report: Report } {
  const problems: LintProblem[] = [];
  const seen = new Set<string>();
  // Messages quote file content and file names come from configurations: nothing unprintable gets out.
  const report: Report = (rawPos, severity, code, rawMessage) => {
    const pos = { ...rawPos, file: printable(rawPos.file) };
    const message = printable(rawMessage);
    // Two walks reaching the same file (a policy named twice) report its problems once.
    const key = `${pos.file}\0${pos.line}\0${pos.col}\0${code}\0${message}`;
    if (seen.has(key)) return;
    seen.add(key);
    problems.push({ pos, severity, code, message });
  };
  return { problems, report };
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** By file (byte order), line, column, then code: the order `check` prints. */
export function sortProblems(problems: readonly LintProblem[]): LintProblem[] {
  return [...problems].sort(
    (a, b) => cmp(a.pos.file, b.pos.file) || a.pos.line - b.pos.line || a.pos.col - b.pos.col || cmp(a.code, b.code),
  );
}

export const formatLintPos = (p: LintPos) => `${p.file}:${p.line}:${p.col}`;

export function formatProblem(p: LintProblem): string {
  return `${formatLintPos(p.pos)}: ${p.severity} ${p.code} ${p.message}`;
}

/** 1-based column of the first byte of `line` that is not a space or TAB (1 for a blank line). */
export function firstCol(line: string): number {
  const m = /^[ \t]*/.exec(line);
  return (m?.[0].length ?? 0) + 1;
}

/** The lines of a text as they are numbered in messages: split on LF, a CR kept in its line. */
export const linesOf = (text: string) => text.split('\n');
