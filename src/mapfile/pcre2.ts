/**
 * PCRE2 (8-bit, no UTF, no UCP, C-locale tables) patterns translated to JavaScript RegExp source that
 * matches exactly the same byte strings (held as binary strings), with the same capture numbering.
 *
 * The translation parses the pattern into a small tree, then emits it with no RegExp flags at all: every
 * atom that stands for a set of bytes becomes an explicit class over \x00-\xFF, caseless letters become
 * explicit pairs, `$` becomes `(?=\n?$)`. A construct PCRE2 rejects is reported as `pcre2-error` (HTCondor
 * drops such a line); a valid construct JavaScript cannot reproduce exactly, or one whose validity depends
 * on the PCRE2 version, is `unsupported`: tokenmap never guesses a match.
 */

export interface Pcre2Options {
  caseless: boolean;
  ungreedy: boolean;
}

/** A PCRE2 pattern as a JavaScript RegExp source, or why it has no exact equivalent. */
export type Translation =
  | {
      kind: 'ok';
      source: string;
      /** Number of capturing groups (named ones included), equal in PCRE2 and in the emitted RegExp. */
      groups: number;
      /** A capturing group sits inside a group repeated with maximum > 1 (values differ between engines). */
      repeatedCapture: boolean;
      /** Literal bytes every match must start with, after a leading `^` (null: none known). */
      prefix: string | null;
      /** The prefix holds letters that match caselessly: compare it ASCII-lower-cased. */
      prefixCaseless: boolean;
      /** An unbounded quantifier inside another (`(a+)+`): catastrophic backtracking is possible. */
      nestedUnbounded: boolean;
    }
  | { kind: 'pcre2-error' | 'unsupported'; message: string; offset: number };

class Stop extends Error {
  constructor(
    readonly kind: 'pcre2-error' | 'unsupported',
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

type ByteSet = Uint8Array; // 256 entries, 1 = member

type Node =
  | { t: 'lit'; b: number; ci: boolean }
  | { t: 'set'; set: ByteSet }
  | { t: 'assert'; js: string; anchor: boolean }
  | { t: 'group'; kind: GroupKind; alts: Node[][] }
  | { t: 'rep'; node: Node; min: number; max: number; lazy: boolean };

type GroupKind = 'cap' | 'non' | 'la' | 'nla' | 'lb' | 'nlb';

/** What one item of the pattern produced: usually one node; `\\Q...\\E` gives several, comments none. */
type Item = Node | Node[];
const NOTHING: Node[] = [];

/** Nodes are immutable, so literal nodes are shared: a big map file parses millions of literal bytes. */
const LITS: Node[][] = [[], []];
function litNode(b: number, ci: boolean): Node {
  const table = LITS[ci ? 1 : 0] as Node[];
  return (table[b] ??= { t: 'lit', b, ci });
}

interface Flags {
  i: boolean;
  s: boolean;
  U: boolean;
}

// ---- byte sets (C locale) ----

const newSet = (): ByteSet => new Uint8Array(256);
function addRange(set: ByteSet, lo: number, hi: number): ByteSet {
  for (let c = lo; c <= hi; c++) set[c] = 1;
  return set;
}
function setOf(...ranges: [number, number][]): ByteSet {
  const s = newSet();
  for (const [lo, hi] of ranges) addRange(s, lo, hi);
  return s;
}
function complement(set: ByteSet): ByteSet {
  const s = newSet();
  for (let c = 0; c < 256; c++) s[c] = set[c] ? 0 : 1;
  return s;
}
function union(into: ByteSet, from: ByteSet): void {
  for (let c = 0; c < 256; c++) if (from[c]) into[c] = 1;
}
function foldCase(set: ByteSet): ByteSet {
  const s = Uint8Array.from(set);
  for (let c = 0x41; c <= 0x5a; c++) if (set[c] || set[c + 0x20]) s[c] = s[c + 0x20] = 1;
  return s;
}

const ch = (c: string) => c.charCodeAt(0);
const DIGIT = setOf([0x30, 0x39]);
const UPPER = setOf([0x41, 0x5a]);
const LOWER = setOf([0x61, 0x7a]);
const ALPHA = setOf([0x41, 0x5a], [0x61, 0x7a]);
const ALNUM = setOf([0x30, 0x39], [0x41, 0x5a], [0x61, 0x7a]);
const WORD = setOf([0x30, 0x39], [0x41, 0x5a], [0x61, 0x7a], [0x5f, 0x5f]);
const SPACE = setOf([0x09, 0x0d], [0x20, 0x20]);
const HSPACE = setOf([0x09, 0x09], [0x20, 0x20], [0xa0, 0xa0]);
const VSPACE = setOf([0x0a, 0x0d], [0x85, 0x85]);
const NOT_LF = complement(setOf([0x0a, 0x0a]));
const ANY = setOf([0x00, 0xff]);

const POSIX: Record<string, ByteSet> = {
  alpha: ALPHA,
  digit: DIGIT,
  alnum: ALNUM,
  upper: UPPER,
  lower: LOWER,
  space: SPACE,
  blank: setOf([0x09, 0x09], [0x20, 0x20]),
  punct: setOf([0x21, 0x2f], [0x3a, 0x40], [0x5b, 0x60], [0x7b, 0x7e]),
  print: setOf([0x20, 0x7e]),
  graph: setOf([0x21, 0x7e]),
  cntrl: setOf([0x00, 0x1f], [0x7f, 0x7f]),
  xdigit: setOf([0x30, 0x39], [0x41, 0x46], [0x61, 0x66]),
  word: WORD,
  ascii: setOf([0x00, 0x7f]),
};

const CLASS_ESCAPES: Record<string, ByteSet> = {
  d: DIGIT,
  D: complement(DIGIT),
  s: SPACE,
  S: complement(SPACE),
  w: WORD,
  W: complement(WORD),
  h: HSPACE,
  H: complement(HSPACE),
  v: VSPACE,
  V: complement(VSPACE),
};

const SIMPLE_ESCAPES: Record<string, number> = { a: 0x07, e: 0x1b, f: 0x0c, n: 0x0a, r: 0x0d, t: 0x09 };

/** ASCII letters and digits after `\` that PCRE2 10.42 does not define: compile error. */
const UNDEFINED_ESCAPE = /^[ijmqyFIJLMOTYlLuU]$/;
/** Valid PCRE2 escapes whose meaning JavaScript cannot reproduce here. */
const UNSUPPORTED_ESCAPE: Record<string, string> = {
  R: '\\R (newline sequence)',
  X: '\\X (extended grapheme cluster)',
  C: '\\C (single code unit)',
  K: '\\K (match start reset)',
  p: '\\p (Unicode property)',
  P: '\\P (Unicode property)',
  g: '\\g (back reference or subroutine call)',
  k: '\\k (named back reference)',
};

const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';
const isOctal = (c: string | undefined) => c !== undefined && c >= '0' && c <= '7';
const isHex = (c: string | undefined) => c !== undefined && /^[0-9A-Fa-f]$/.test(c);
const isAlnumByte = (b: number) => (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);
const isAlnum = (c: string) => isAlnumByte(c.charCodeAt(0));

/** Bytes that stand for themselves outside a class (everything but the metacharacters). */
const ORDINARY = new Uint8Array(256).fill(1);
for (const c of '\\^$.|?*+()[{') ORDINARY[ch(c)] = 0;
const QUANTIFIER_START = new Uint8Array(256);
for (const c of '*+?{') QUANTIFIER_START[ch(c)] = 1;

/**
 * Scans a run of literal bytes from `i`: ordinary bytes and escaped punctuation (`\\.` `\\/` `\\:` ...).
 * A byte followed by a quantifier ends the run before it (the quantifier binds to it). Returns the end.
 */
export function scanLiterals(p: string, i: number, onByte?: (byte: number) => void): number {
  for (;;) {
    const code = p.charCodeAt(i);
    let byte: number;
    let len: number;
    if (code === 0x5c) {
      byte = p.charCodeAt(i + 1);
      if (Number.isNaN(byte) || isAlnumByte(byte)) return i;
      len = 2;
    } else if (ORDINARY[code] === 1) {
      byte = code;
      len = 1;
    } else return i; // a metacharacter, or the end of the pattern (NaN)
    if (QUANTIFIER_START[p.charCodeAt(i + len)] === 1) return i;
    onByte?.(byte);
    i += len;
  }
}

const QUANT_STRICT = /^\{(\d+)(,(\d*))?\}/;
/** Forms that PCRE2 10.43+ reads as quantifiers but 10.42 reads as literal text. */
const QUANT_LOOSE = /^\{[ \t]*\d*[ \t]*(,[ \t]*\d*[ \t]*)?\}/;

class Parser {
  private pos = 0;
  private groupCount = 0;
  private readonly names = new Set<string>();
  private readonly totalGroups: number;

  constructor(
    private readonly p: string,
    private flags: Flags,
  ) {
    this.totalGroups = countCapturingGroups(p);
  }

  private unsupported(message: string, at = this.pos): never {
    throw new Stop('unsupported', message, at);
  }
  private error(message: string, at = this.pos): never {
    throw new Stop('pcre2-error', message, at);
  }

  parse(): { alts: Node[][]; groups: number } {
    const alts = this.parseAlternation();
    if (this.pos < this.p.length) this.error('unmatched closing parenthesis');
    return { alts, groups: this.groupCount };
  }

  /** Parses until `)` or the end; inline options persist across `|` to the end of the group. */
  private parseAlternation(): Node[][] {
    const alts: Node[][] = [[]];
    while (this.pos < this.p.length) {
      const c = this.p[this.pos];
      if (c === ')') break;
      if (c === '|') {
        this.pos++;
        alts.push([]);
        continue;
      }
      const seq = alts[alts.length - 1] as Node[];
      if (this.literalRun(seq)) continue;
      this.parseQuantifier(seq, this.parseAtom());
    }
    return alts;
  }

  /**
   * The common case, fast: a run of ordinary bytes and escaped punctuation (`\\.` `\\/` `\\:` ...), all literal
   * bytes. A byte followed by a quantifier is left to the general path, which binds the quantifier.
   */
  private literalRun(seq: Node[]): boolean {
    const ci = this.flags.i;
    const end = scanLiterals(this.p, this.pos, (byte) => seq.push(litNode(byte, ci)));
    const advanced = end > this.pos;
    this.pos = end;
    return advanced;
  }

  private parseQuantifier(seq: Node[], item: Item): void {
    const q = this.readQuantifier();
    if (!q) {
      if (Array.isArray(item)) seq.push(...item);
      else seq.push(item);
      return;
    }
    const atoms = Array.isArray(item) ? item.slice() : [item];
    const target = atoms.pop();
    if (!target) this.unsupported('quantifier that follows no item', q.at);
    if (target.t === 'assert' || (target.t === 'group' && target.kind !== 'cap' && target.kind !== 'non'))
      this.unsupported('quantifier on an assertion', q.at);
    seq.push(...atoms, { t: 'rep', node: target, min: q.min, max: q.max, lazy: q.lazy !== this.flags.U });
    if (this.peekQuantifier()) this.unsupported('quantifier that follows another quantifier', this.pos);
  }

  private peekQuantifier(): boolean {
    const c = this.p[this.pos];
    if (c === '*' || c === '+' || c === '?') return true;
    const loose = c === '{' ? QUANT_LOOSE.exec(this.p.slice(this.pos, this.pos + 40)) : null;
    return loose !== null && /\d/.test(loose[0]);
  }

  private readQuantifier(): { min: number; max: number; lazy: boolean; at: number } | null {
    const at = this.pos;
    const c = this.p[this.pos];
    let min: number;
    let max: number;
    if (c === '*' || c === '+' || c === '?') {
      min = c === '+' ? 1 : 0;
      max = c === '?' ? 1 : Infinity;
      this.pos++;
    } else if (c === '{') {
      const rest = this.p.slice(this.pos, this.pos + 40);
      const m = QUANT_STRICT.exec(rest);
      if (!m) {
        const loose = QUANT_LOOSE.exec(rest);
        if (loose && /\d/.test(loose[0]))
          this.unsupported(`'${loose[0]}' is a quantifier only from PCRE2 10.43 on`, at);
        return null;
      }
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
      if (min > 65535 || (max !== Infinity && max > 65535)) this.error('number too big in {} quantifier', at);
      if (max < min) this.error('numbers out of order in {} quantifier', at);
      this.pos += m[0].length;
    } else {
      return null;
    }
    let lazy = false;
    if (this.p[this.pos] === '?') {
      lazy = true;
      this.pos++;
    } else if (this.p[this.pos] === '+') {
      this.unsupported('possessive quantifier', this.pos);
    }
    return { min, max, lazy, at };
  }

  /** Returns the nodes an item produced; a following quantifier applies to the last one only. */
  private parseAtom(): Item {
    const p = this.p;
    const c = p[this.pos] as string;
    switch (c) {
      case '(':
        return this.parseGroup();
      case '[':
        return { t: 'set', set: this.parseClass() };
      case '.':
        this.pos++;
        return { t: 'set', set: this.flags.s ? ANY : NOT_LF };
      case '^':
        this.pos++;
        return { t: 'assert', js: '^', anchor: true };
      case '$':
        this.pos++;
        return { t: 'assert', js: '(?=\\n?$)', anchor: false };
      case '\\':
        return this.parseEscape();
      case '*':
      case '+':
      case '?':
        this.error('quantifier does not follow a repeatable item');
      // falls through (error throws)
      default:
        if (c === '{' && QUANT_STRICT.test(p.slice(this.pos, this.pos + 40)))
          this.unsupported('quantifier that follows no item');
        this.pos++;
        return this.lit(ch(c));
    }
  }

  private lit(b: number): Node {
    return litNode(b, this.flags.i);
  }

  private parseGroup(): Item {
    const p = this.p;
    const open = this.pos;
    this.pos++;
    let kind: GroupKind = 'cap';
    let localFlags: Flags | null = null;
    if (p[this.pos] === '*') this.unsupported('backtracking control verb or start-of-pattern option (*...)', open);
    if (p[this.pos] === '?') {
      this.pos++;
      const c = p[this.pos];
      const two = p.slice(this.pos, this.pos + 2);
      if (c === '#') {
        const close = p.indexOf(')', this.pos);
        if (close < 0) this.error('missing ) after (?# comment', open);
        this.pos = close + 1;
        if (this.peekQuantifier()) this.unsupported('quantifier after a (?#...) comment', this.pos);
        return NOTHING;
      }
      if (c === ':') {
        kind = 'non';
        this.pos++;
      } else if (c === '=') {
        kind = 'la';
        this.pos++;
      } else if (c === '!') {
        kind = 'nla';
        this.pos++;
      } else if (two === '<=') {
        kind = 'lb';
        this.pos += 2;
      } else if (two === '<!') {
        kind = 'nlb';
        this.pos += 2;
      } else if (c === '<' || c === "'" || two === 'P<') {
        if (c === 'P') this.pos++;
        const term = p[this.pos] === "'" ? "'" : '>';
        this.pos++;
        const m = /^[A-Za-z_][A-Za-z0-9_]{0,31}/.exec(p.slice(this.pos, this.pos + 40));
        if (!m || p[this.pos + m[0].length] !== term) this.unsupported('group name PCRE2 may not accept', open);
        if (this.names.has(m[0])) this.unsupported(`duplicate group name '${m[0]}'`, open);
        this.names.add(m[0]);
        this.pos += m[0].length + 1;
      } else if (c === '>') {
        this.unsupported('atomic group (?>...)', open);
      } else if (c === '|') {
        this.unsupported('branch reset group (?|...)', open);
      } else if (two === 'P=' || two === 'P>') {
        this.unsupported(two === 'P=' ? 'back reference (?P=name)' : 'subroutine call (?P>name)', open);
      } else if (c === '(') {
        this.unsupported('conditional group (?(...)...)', open);
      } else if (c === 'C') {
        this.unsupported('callout (?C...)', open);
      } else if (c === 'R' || c === '&' || c === '+' || isDigit(c) || (c === '-' && isDigit(p[this.pos + 1]))) {
        this.unsupported('recursion or subroutine call', open);
      } else {
        const m = /^([A-Za-z^]*)(?:-([A-Za-z]*))?([:)])/.exec(p.slice(this.pos, this.pos + 40));
        if (!m) this.unsupported('group syntax PCRE2 may not accept', open);
        const next: Flags = { ...this.flags };
        for (const [letters, on] of [
          [m[1] ?? '', true],
          [m[2] ?? '', false],
        ] as const) {
          for (const l of letters) {
            if (l === 'i') next.i = on;
            else if (l === 's') next.s = on;
            else if (l === 'U') next.U = on;
            else this.unsupported(`inline option '${l}'`, open);
          }
        }
        this.pos += m[0].length;
        if (m[3] === ')') {
          // (?i) applies from here to the end of the enclosing group, later alternatives included.
          this.flags = next;
          if (this.peekQuantifier()) this.unsupported('quantifier after an inline option setting', this.pos);
          return NOTHING;
        }
        kind = 'non';
        localFlags = next;
      }
    }
    if (kind === 'cap') this.groupCount++;
    const saved = this.flags;
    if (localFlags) this.flags = localFlags;
    const alts = this.parseAlternation();
    this.flags = saved;
    if (p[this.pos] !== ')') this.error('missing closing parenthesis', open);
    this.pos++;
    const node: Node = { t: 'group', kind, alts };
    if (kind === 'lb' || kind === 'nlb') {
      for (const alt of alts) {
        if (fixedLength(alt) === null)
          this.unsupported(
            'lookbehind that is not of fixed length (accepted or not depending on the PCRE2 version)',
            open,
          );
      }
    }
    return node;
  }

  private parseEscape(): Item {
    const p = this.p;
    const at = this.pos;
    const c = p[this.pos + 1];
    if (c === undefined) this.error('\\ at end of pattern', at);
    this.pos += 2;
    if (c === 'Q') return this.quoted().map((b) => this.lit(b));
    if (c === 'E') return NOTHING;
    const set = CLASS_ESCAPES[c];
    if (set) return { t: 'set', set };
    switch (c) {
      case 'N':
        if (p.startsWith('{U+', this.pos)) this.error('\\N{U+hhhh} is not supported in non-UTF mode', at);
        if (p[this.pos] === '{' && !QUANT_STRICT.test(p.slice(this.pos, this.pos + 40)))
          this.unsupported('\\N{...}', at);
        return { t: 'set', set: NOT_LF };
      case 'b':
        return { t: 'assert', js: '\\b', anchor: false };
      case 'B':
        return { t: 'assert', js: '\\B', anchor: false };
      case 'A':
      case 'G':
        return { t: 'assert', js: '^', anchor: true };
      case 'z':
        return { t: 'assert', js: '$', anchor: false };
      case 'Z':
        return { t: 'assert', js: '(?=\\n?$)', anchor: false };
    }
    if (c >= '1' && c <= '9') return this.lit(this.backrefOrOctal(at));
    const b = this.byteEscape(c, at, false);
    return this.lit(b);
  }

  /** `\1`-`\9` and `\ddd` outside a class: a back reference (unsupported) unless PCRE2 reads it as octal. */
  private backrefOrOctal(at: number): number {
    const digits = /^\d+/.exec(this.p.slice(at + 1))?.[0] ?? '';
    const n = Number(digits);
    if (n < 10 || digits[0] === '8' || digits[0] === '9' || n <= this.totalGroups)
      this.unsupported(`back reference \\${digits}`, at);
    const oct = /^[0-7]{1,3}/.exec(digits)?.[0] ?? '';
    const v = parseInt(oct, 8);
    if (v > 0xff) this.error('octal value greater than \\377 in 8-bit non-UTF mode', at);
    this.pos = at + 1 + oct.length;
    return v;
  }

  /**
   * Escapes that stand for one byte (shared by the class and non-class readers). `this.pos` is just past
   * the escape letter on entry.
   */
  private byteEscape(c: string, at: number, inClass: boolean): number {
    const p = this.p;
    if (!isAlnum(c)) return ch(c);
    if (c in SIMPLE_ESCAPES) return SIMPLE_ESCAPES[c] as number;
    if (UNDEFINED_ESCAPE.test(c)) this.error(`unrecognized character follows \\ (\\${c})`, at);
    const unsupported = UNSUPPORTED_ESCAPE[c];
    if (unsupported) this.unsupported(unsupported, at);
    switch (c) {
      case '0': {
        const m = /^[0-7]{0,2}/.exec(p.slice(this.pos, this.pos + 2))?.[0] ?? '';
        this.pos += m.length;
        return parseInt('0' + m, 8);
      }
      case 'x': {
        if (p[this.pos] === '{') {
          const m = /^\{([0-9A-Fa-f]+)\}/.exec(p.slice(this.pos, this.pos + 80));
          if (!m) this.unsupported('\\x{...} form', at);
          const v = parseInt(m[1] as string, 16);
          if (v > 0xff) this.error('character code point value in \\x{} is too large in 8-bit non-UTF mode', at);
          this.pos += m[0].length;
          return v;
        }
        let hex = '';
        while (hex.length < 2 && isHex(p[this.pos])) hex += p[this.pos++];
        return hex ? parseInt(hex, 16) : 0;
      }
      case 'o': {
        const m = /^\{([0-7]+)\}/.exec(p.slice(this.pos, this.pos + 80));
        if (!m) {
          if (p[this.pos] !== '{') this.error('missing opening brace after \\o', at);
          this.unsupported('\\o{...} form', at);
        }
        const v = parseInt(m[1] as string, 8);
        if (v > 0xff) this.error('octal value in \\o{} is too large in 8-bit non-UTF mode', at);
        this.pos += m[0].length;
        return v;
      }
      case 'c': {
        const x = p[this.pos];
        if (x === undefined) this.error('\\c at end of pattern', at);
        const code = ch(x);
        if (code < 0x20 || code > 0x7e) this.error('\\c must be followed by a printable ASCII character', at);
        this.pos++;
        return (x >= 'a' && x <= 'z' ? code - 0x20 : code) ^ 0x40;
      }
    }
    if (inClass && isOctal(c)) {
      const m = /^[0-7]{0,2}/.exec(p.slice(this.pos, this.pos + 2))?.[0] ?? '';
      this.pos += m.length;
      const v = parseInt(c + m, 8);
      if (v > 0xff) this.error('octal value greater than \\377 in 8-bit non-UTF mode', at);
      return v;
    }
    return this.unsupported(`escape \\${c}`, at);
  }

  /** `\Q...\E`: the text up to `\E` (or the end of the pattern), literally. */
  private quoted(): number[] {
    const end = this.p.indexOf('\\E', this.pos);
    const text = this.p.slice(this.pos, end < 0 ? this.p.length : end);
    this.pos = end < 0 ? this.p.length : end + 2;
    return [...text].map(ch);
  }

  private parseClass(): ByteSet {
    const p = this.p;
    const open = this.pos;
    if (/^\[([:.=])/.test(p.slice(this.pos, this.pos + 2))) {
      const t = p[this.pos + 1] as string;
      const end = p.indexOf(t + ']', this.pos + 2);
      if (end > 0 && !p.slice(this.pos + 2, end).includes(']'))
        this.error('POSIX named classes are supported only within a class', open);
    }
    this.pos++;
    let negate = false;
    if (p[this.pos] === '^') {
      negate = true;
      this.pos++;
    }
    const set = newSet();
    let first = true;
    for (;;) {
      if (this.pos >= p.length) this.error('missing terminating ] for character class', open);
      const c = p[this.pos] as string;
      if (c === ']' && !first) {
        this.pos++;
        break;
      }
      first = false;
      const item = this.classItem();
      this.spillInto(set);
      if (item === null) continue;
      if (typeof item !== 'number') {
        if (p[this.pos] === '-' && p[this.pos + 1] !== ']' && p[this.pos + 1] !== undefined) {
          if (item.posix) this.unsupported('range that starts at a POSIX class', this.pos);
          this.error('invalid range in character class', this.pos);
        }
        union(set, item.set);
        continue;
      }
      if (p[this.pos] === '-' && p[this.pos + 1] !== ']' && p[this.pos + 1] !== undefined) {
        const dash = this.pos;
        this.pos++;
        const hi = this.classItem();
        this.spillInto(set);
        if (hi === null) this.unsupported('range that ends at \\E or \\Q', dash);
        if (typeof hi !== 'number') this.error('invalid range in character class', dash);
        if (hi < item) this.error('range out of order in character class', dash);
        addRange(set, item, hi);
        continue;
      }
      set[item] = 1;
    }
    const folded = this.flags.i ? foldCase(set) : set;
    return negate ? complement(folded) : folded;
  }

  /** One class member: a byte, a set (escape or POSIX class), or null for \E / an empty \Q\E. */
  private classItem(): number | { set: ByteSet; posix: boolean } | null {
    const p = this.p;
    const c = p[this.pos] as string;
    if (c === '[') {
      const m = /^\[:(\^?)([A-Za-z]+):\]/.exec(p.slice(this.pos, this.pos + 20));
      if (m) {
        const base = POSIX[m[2] as string];
        if (!base) this.error(`unknown POSIX class name '${m[2]}'`);
        this.pos += m[0].length;
        return { set: m[1] ? complement(base) : base, posix: true };
      }
      if (/^\[([.=]).*?\1\]/.test(p.slice(this.pos))) this.error('POSIX collating elements are not supported');
    }
    if (c !== '\\') {
      this.pos++;
      return ch(c);
    }
    const at = this.pos;
    const e = p[this.pos + 1];
    if (e === undefined) this.error('\\ at end of pattern', at);
    this.pos += 2;
    if (e === 'E') return null;
    if (e === 'Q') {
      const bytes = this.quoted();
      if (bytes.length === 0) return null;
      // Only the last quoted byte can start a range; the others are plain members.
      this.quotedSpill.push(...bytes.slice(0, -1));
      return bytes[bytes.length - 1] as number;
    }
    const set = CLASS_ESCAPES[e];
    if (set) return { set, posix: false };
    if (e === 'b') return 0x08;
    if (e === 'B' || e === 'R' || e === 'X' || e === 'N')
      this.error(`escape sequence \\${e} is invalid in a character class`, at);
    if (e === '8' || e === '9' || /^[AzZGKgk]$/.test(e)) this.unsupported(`\\${e} inside a character class`, at);
    return this.byteEscape(e, at, true);
  }

  /** Members of a `\Q...\E` run inside a class other than its last byte. */
  private quotedSpill: number[] = [];

  private spillInto(set: ByteSet): void {
    for (const b of this.quotedSpill) set[b] = 1;
    this.quotedSpill = [];
  }
}

/** Counts capturing groups in a pattern, for PCRE2's back-reference-or-octal rule (approximate, safe side). */
function countCapturingGroups(p: string): number {
  let n = 0;
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '\\') {
      i++;
      continue;
    }
    if (p[i] === '(' && (p[i + 1] !== '?' || /^\?(P?<[A-Za-z_]|')/.test(p.slice(i + 1, i + 4)))) n++;
  }
  return n;
}

/** Length in bytes of every match of a sequence, or null if it can vary. */
function fixedLength(seq: Node[]): number | null {
  let total = 0;
  for (const n of seq) {
    const l = nodeLength(n);
    if (l === null) return null;
    total += l;
  }
  return total;
}

function nodeLength(n: Node): number | null {
  switch (n.t) {
    case 'lit':
    case 'set':
      return 1;
    case 'assert':
      return 0;
    case 'group': {
      if (n.kind !== 'cap' && n.kind !== 'non') return 0;
      let len: number | null = null;
      for (const alt of n.alts) {
        const l = fixedLength(alt);
        if (l === null || (len !== null && l !== len)) return null;
        len = l;
      }
      return len ?? 0;
    }
    case 'rep': {
      if (n.min !== n.max) return null;
      const l = nodeLength(n.node);
      return l === null ? null : l * n.min;
    }
  }
}

// ---- emission ----

const HEX2 = Array.from({ length: 256 }, (_, b) => '\\x' + b.toString(16).padStart(2, '0'));
const hex2 = (b: number) => HEX2[b] as string;
const emitByte = (b: number) => (isAlnumByte(b) ? String.fromCharCode(b) : hex2(b));

function emitSet(set: ByteSet): string {
  let out = '';
  for (let c = 0; c < 256; c++) {
    if (!set[c]) continue;
    let end = c;
    while (end + 1 < 256 && set[end + 1]) end++;
    out += end === c ? hex2(c) : end === c + 1 ? hex2(c) + hex2(end) : `${hex2(c)}-${hex2(end)}`;
    c = end;
  }
  return `[${out}]`;
}

const isLetterByte = (b: number) => (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7a;

const LIT_SOURCE = [0, 1].map((ci) =>
  Array.from({ length: 256 }, (_, b) =>
    ci && isLetterByte(b) ? `[${String.fromCharCode(b & ~0x20)}${String.fromCharCode(b | 0x20)}]` : emitByte(b),
  ),
);

const emitLit = (n: { b: number; ci: boolean }): string => (LIT_SOURCE[n.ci ? 1 : 0] as string[])[n.b] as string;

function emit(n: Node): string {
  switch (n.t) {
    case 'lit':
      return emitLit(n);
    case 'set':
      return emitSet(n.set);
    case 'assert':
      return n.js;
    case 'group': {
      return GROUP_OPEN[n.kind] + emitAlts(n.alts) + ')';
    }
    case 'rep': {
      const inner = emit(n.node);
      const q =
        n.min === 0 && n.max === Infinity
          ? '*'
          : n.min === 1 && n.max === Infinity
            ? '+'
            : n.min === 0 && n.max === 1
              ? '?'
              : n.max === Infinity
                ? `{${n.min},}`
                : n.min === n.max
                  ? `{${n.min}}`
                  : `{${n.min},${n.max}}`;
      // A quantified quantifier in the output must stay one atom.
      const atom = n.node.t === 'rep' ? `(?:${inner})` : inner;
      return atom + q + (n.lazy && n.min !== n.max ? '?' : '');
    }
  }
}

const GROUP_OPEN: Record<GroupKind, string> = { cap: '(', non: '(?:', la: '(?=', nla: '(?!', lb: '(?<=', nlb: '(?<!' };

function emitAlts(alts: Node[][]): string {
  let out = '';
  for (let a = 0; a < alts.length; a++) {
    if (a > 0) out += '|';
    const seq = alts[a] as Node[];
    for (let k = 0; k < seq.length; k++) out += emit(seq[k] as Node);
  }
  return out;
}

function analyse(alts: Node[][]): { repeatedCapture: boolean; nestedUnbounded: boolean } {
  let repeatedCapture = false;
  let nestedUnbounded = false;
  const walk = (n: Node, repeated: boolean, unbounded: boolean) => {
    if (n.t === 'group') {
      if (n.kind === 'cap' && repeated) repeatedCapture = true;
      for (const a of n.alts) for (const x of a) walk(x, repeated, unbounded);
    } else if (n.t === 'rep') {
      if (n.max === Infinity && unbounded) nestedUnbounded = true;
      walk(n.node, repeated || n.max > 1, unbounded || n.max === Infinity);
    }
  };
  for (const a of alts) for (const n of a) walk(n, false, false);
  return { repeatedCapture, nestedUnbounded };
}

function literalPrefix(alts: Node[][]): { prefix: string | null; caseless: boolean } {
  if (alts.length !== 1) return { prefix: null, caseless: false };
  const seq = alts[0] as Node[];
  const head = seq[0];
  if (!head || head.t !== 'assert' || !head.anchor) return { prefix: null, caseless: false };
  let prefix = '';
  let caseless = false;
  for (let k = 1; k < seq.length; k++) {
    const n = seq[k] as Node;
    if (n.t !== 'lit') break;
    if (n.ci && isLetterByte(n.b)) caseless = true;
    prefix += String.fromCharCode(n.b);
  }
  if (!prefix) return { prefix: null, caseless: false };
  return { prefix: caseless ? prefix.replace(/[A-Z]/g, (x) => x.toLowerCase()) : prefix, caseless };
}

/**
 * The literal bytes every match of a pattern must start with, found without translating it: a leading `^`
 * (or `\\A`, `\\G`), then ordinary bytes and escaped punctuation, none of them quantified. It answers only
 * when that is certain: a pattern holding a top-level `|`, `\\Q`, a comment, a verb, or a class it cannot
 * read past (a POSIX class inside it) gives null.
 * It agrees with `translatePcre2(...).prefix` on every pattern PCRE2 accepts (tested); on a pattern PCRE2
 * rejects it may answer, which is harmless: such an entry never matches.
 */
export function anchoredPrefix(p: string, caseless: boolean): string | null {
  let i: number;
  if (p.charCodeAt(0) === 0x5e) i = 1;
  else if (p[0] === '\\' && (p[1] === 'A' || p[1] === 'G')) i = 2;
  else return null;
  // Only escaped punctuation is in the run, so dropping each escaping backslash gives the bytes.
  const prefix = p.slice(i, scanLiterals(p, i)).replace(/\\([\s\S])/g, '$1');
  if (!prefix || !topLevelIsOneBranch(p)) return null;
  return caseless ? prefix.replace(/[A-Z]/g, (x) => x.toLowerCase()) : prefix;
}

/** True when the pattern surely has no `|` outside parentheses; false when it has one or cannot tell. */
function topLevelIsOneBranch(p: string): boolean {
  let depth = 0;
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '\\') {
      if (p[i + 1] === 'Q') return false;
      i++;
    } else if (c === '[') {
      i = classEnd(p, i);
      if (i < 0) return false;
    } else if (c === '(') {
      if (p[i + 1] === '*' || p.startsWith('?#', i + 1)) return false;
      depth++;
    } else if (c === ')') depth--;
    else if (c === '|' && depth <= 0) return false;
  }
  return true;
}

/**
 * The offset of the `]` that closes the class opened at `open` (a `]` first in the class, or first after
 * `^`, is a member), so that a `|` or a parenthesis inside it is not read as syntax; -1 where that is not
 * certain (a POSIX class or collating element, `\Q`, no closing bracket).
 */
function classEnd(p: string, open: number): number {
  let i = open + 1;
  if (p[i] === '^') i++;
  if (p[i] === ']') i++;
  for (; i < p.length; i++) {
    const c = p[i];
    if (c === ']') return i;
    if (c === '\\') {
      if (p[i + 1] === 'Q' || i + 1 >= p.length) return -1;
      i++;
    } else if (c === '[' && (p[i + 1] === ':' || p[i + 1] === '.' || p[i + 1] === '=')) return -1;
  }
  return -1;
}

/** Translates one PCRE2 pattern (a binary string, after map file escape processing). */
export function translatePcre2(pattern: string, options: Pcre2Options): Translation {
  try {
    const parser = new Parser(pattern, { i: options.caseless, s: false, U: options.ungreedy });
    const { alts, groups } = parser.parse();
    const source = emitAlts(alts);
    const { prefix, caseless } = literalPrefix(alts);
    return { kind: 'ok', source, groups, ...analyse(alts), prefix, prefixCaseless: caseless };
  } catch (e) {
    if (e instanceof Stop) return { kind: e.kind, message: e.message, offset: e.offset };
    throw e;
  }
}
