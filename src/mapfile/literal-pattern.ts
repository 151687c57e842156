/**
 * Regexes that are string comparisons in disguise: `^LITERAL$` (the OSG `^issuer,subject$` line) and
 * `^LITERAL` (an issuer catch-all), LITERAL being ordinary bytes and escaped punctuation only. They are
 * answered without translating or running a RegExp, with exactly PCRE2's meaning (no multiline, no
 * DOLLAR_ENDONLY): `^L$` matches L and L followed by one final LF (`$` matches before a final newline),
 * `^L` matches whatever starts with L; under `i`, ASCII letters fold (C locale: no other byte folds).
 * Group 0 is the matched text, which excludes that final LF and keeps the principal's own letter case.
 */
import { asciiLower, type Binary } from '../bytes.js';

export interface LiteralPattern {
  /** `^L$` (true) or `^L` (false). */
  whole: boolean;
  /** L as bytes; ASCII-lower-cased when `caseless`. */
  text: Binary;
  /** L holds letters that match caselessly: compare against the ASCII-lower-cased principal. */
  caseless: boolean;
}

const LETTER = /[A-Za-z]/;
const hasLetter = (s: string) => LETTER.test(s);

/**
 * Longer patterns keep the RegExp path, where engine limits decide (V8 refuses a literal of about 32 KiB and
 * more, and PCRE2 built with its default LINK_SIZE does too): well below them, every engine accepts the
 * pattern and the comparison is the whole meaning.
 */
const MAX_LITERAL_PATTERN = 4096;

/**
 * `^`, then ordinary bytes and escaped punctuation (the run pcre2.ts scanLiterals reads: no metacharacter,
 * so no quantifier either), then an optional final `$`. A native match: map files hold thousands of these.
 */
const LITERAL = /^\^((?:[^\\^$.|?*+()[{]|\\[^0-9A-Za-z])+)(\$?)$/;
const ESCAPE = /\\([\s\S])/g;

/** The literal form of a PCRE2 pattern (a binary string after map file escape processing), or null. */
export function literalPattern(pattern: Binary, caseless: boolean): LiteralPattern | null {
  if (pattern.length > MAX_LITERAL_PATTERN) return null;
  const m = LITERAL.exec(pattern);
  if (!m) return null;
  const run = m[1] as string;
  // Only punctuation is escaped in the run, and an escaped byte stands for itself.
  const bytes = run.includes('\\') ? run.replace(ESCAPE, '$1') : run;
  const folds = caseless && hasLetter(bytes);
  return { whole: m[2] === '$', text: folds ? asciiLower(bytes) : bytes, caseless: folds };
}

/**
 * Group 0 of a match of `lit` against `principal`, or null when it does not match. `folded` is the
 * principal ASCII-lower-cased (only read when the pattern is caseless).
 */
export function matchLiteral(lit: LiteralPattern, principal: Binary, folded: Binary): Binary | null {
  const subject = lit.caseless ? folded : principal;
  const n = lit.text.length;
  if (lit.whole) {
    if (subject.length !== n && !(subject.length === n + 1 && subject.charCodeAt(n) === 0x0a)) return null;
  } else if (subject.length < n) return null;
  if (!subject.startsWith(lit.text)) return null;
  return subject.length === n ? principal : principal.slice(0, n);
}
