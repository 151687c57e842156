/**
 * Compiles loaded records into lookup tables: per method (ASCII case-insensitive), literal keys in a hash
 * table (first occurrence wins), regexes that are plain `^LITERAL$` comparisons in hash tables of their
 * own (literal-pattern.ts), and the other regex entries indexed by the literal prefix after their leading
 * `^`, so that a lookup runs only the regexes that can match its principal.
 *
 * A regex is translated (PCRE2 -> JavaScript) when a lookup first reaches it, not at load: a callout on a
 * CE with a large generated map file pays only for the few entries its principal can match. The index
 * prefix comes from a conservative scan that is exact whenever it answers (pcre2.ts anchoredPrefix).
 * `eager` translates everything up front, for `check` and `explain`, which report every line.
 */
import { asciiUpper, clip, textFromBinary, type Binary } from '../bytes.js';
import type { MapIssue, MapRecord } from './parse.js';
import { literalPattern, type LiteralPattern } from './literal-pattern.js';
import { anchoredPrefix, translatePcre2 } from './pcre2.js';
import { parseTemplate, type Template } from './template.js';

/** What a regex entry turns out to be once translated. */
export type RegexState =
  | { kind: 'ok'; re: RegExp; nestedUnbounded: boolean }
  | { kind: 'dropped'; issue: MapIssue }
  | { kind: 'unsupported'; message: string };

interface EntryBase {
  index: number;
  record: MapRecord;
  template: Template;
  /** The lookup answer of an entry whose template uses no group, made when it first matches (lookup.ts). */
  answer?: { readonly entry: CompiledEntry; readonly canonical: Binary };
}

export type CompiledEntry = EntryBase &
  (
    | { kind: 'literal' }
    | {
        kind: 'regex';
        state?: RegexState;
        /** The pattern is a string comparison: it is never translated or run as a RegExp. */
        literal: LiteralPattern | null;
      }
    | { kind: 'unsupported'; message: string }
  );

/**
 * Regex entries whose matches must start with a known literal. A key that ends in the principal's first
 * comma (`<iss>,`) is found by one hash lookup of the principal's own `<iss>,`; other keys are bucketed by
 * their length.
 */
export interface PrefixIndex {
  byIssuer: Map<string, number[]>;
  lengths: number[];
  byLength: Map<number, Map<string, number[]>>;
}

/**
 * Literal entries by key and `^L$` regex entries by L: the first entry, in file order, that a principal
 * equal to the key matches without running a regex. The key followed by a final LF matches the `^key$`
 * entries only (`$` matches before it), which is the first entry too, unless a literal came first.
 */
export interface KeyIndex {
  first: Map<Binary, number>;
  /** The first `^key$` entry of a key whose first entry is a literal one. */
  exactAfterLiteral: Map<Binary, number>;
}

export interface MethodTable {
  entries: CompiledEntry[];
  keys: KeyIndex;
  /** Caseless `^L$` regex entries by L ASCII-lower-cased: the first one. */
  caselessKeys: Map<Binary, number>;
  /** Regex (and unsupported) entries with no usable prefix: always candidates. */
  unindexed: number[];
  prefixes: PrefixIndex;
  caselessPrefixes: PrefixIndex;
}

export interface CompiledMap {
  methods: Map<string, MethodTable>;
}

const emptyIndex = (): PrefixIndex => ({ byIssuer: new Map(), lengths: [], byLength: new Map() });

function addTo<K>(map: Map<K, number[]>, key: K, index: number): void {
  const list = map.get(key);
  if (list) list.push(index);
  else map.set(key, [index]);
}

/**
 * The key a regex is filed under: its literal prefix up to the first comma, the issuer of a SciTokens
 * principal `<iss>,<sub>`. Shorter keys mean few distinct key lengths to try per lookup; the regexes of one
 * issuer share a bucket and are told apart by running them.
 */
function indexKey(prefix: string): string {
  const comma = prefix.indexOf(',');
  return comma < 0 ? prefix : prefix.slice(0, comma + 1);
}

function addToIndex(ix: PrefixIndex, prefix: string, index: number): void {
  const key = indexKey(prefix);
  if (key.endsWith(',')) return addTo(ix.byIssuer, key, index);
  let bucket = ix.byLength.get(key.length);
  if (!bucket) {
    bucket = new Map();
    ix.byLength.set(key.length, bucket);
    ix.lengths.push(key.length);
    ix.lengths.sort((a, b) => a - b);
  }
  addTo(bucket, key, index);
}

/** Files an entry under its key; entries come in file order, so the first one filed stays first. */
function addKey(table: MethodTable, key: Binary, index: number, exact: boolean): void {
  const { first, exactAfterLiteral } = table.keys;
  const before = first.get(key);
  if (before === undefined) first.set(key, index);
  else if (exact && table.entries[before]?.kind === 'literal' && !exactAfterLiteral.has(key))
    exactAfterLiteral.set(key, index);
}

/** Translates a regex entry (once) and returns what it is. */
export function regexState(entry: CompiledEntry & { kind: 'regex' }): RegexState {
  if (entry.state) return entry.state;
  const { record, template } = entry;
  const t = translatePcre2(record.principal, { caseless: record.caseless, ungreedy: record.ungreedy });
  let state: RegexState;
  if (t.kind === 'pcre2-error') {
    const pattern = clip(JSON.stringify(textFromBinary(record.principal)));
    state = {
      kind: 'dropped',
      issue: {
        pos: record.pos,
        severity: 'error',
        code: 'MAPFILE_REGEX',
        message: `PCRE2 rejects regex ${pattern} at offset ${t.offset} (${t.message}); HTCondor ignores this entry`,
        skipped: true,
      },
    };
  } else if (t.kind !== 'ok') {
    state = { kind: 'unsupported', message: `unsupported PCRE2 construct ${t.message} at offset ${t.offset}` };
  } else if (t.repeatedCapture && template.usesNumberedGroups) {
    state = {
      kind: 'unsupported',
      message:
        'unsupported PCRE2 construct: a capturing group inside a repeated group, used by the template ' +
        '(its value differs from PCRE2)',
    };
  } else {
    try {
      state = { kind: 'ok', re: new RegExp(t.source), nestedUnbounded: t.nestedUnbounded };
    } catch (e) {
      state = { kind: 'unsupported', message: `regex cannot be evaluated here (${clip((e as Error).message)})` };
    }
  }
  entry.state = state;
  return state;
}

function compileEntry(record: MapRecord, index: number): { entry: CompiledEntry; prefix: string | null } {
  const template = parseTemplate(record.canonical);
  if (record.principal.includes('\0') || record.canonical.includes('\0'))
    return {
      entry: {
        kind: 'unsupported',
        index,
        record,
        template,
        message: 'NUL byte in map entry (HTCondor truncates C strings there)',
      },
      prefix: null,
    };
  if (!record.regex) return { entry: { kind: 'literal', index, record, template }, prefix: null };
  const literal = literalPattern(record.principal, record.caseless);
  return {
    entry: { kind: 'regex', index, record, template, literal },
    prefix: literal?.whole ? null : anchoredPrefix(record.principal, record.caseless),
  };
}

export interface CompileOptions {
  /** Translate every regex now (`check`, `explain`); the issues of dropped lines are returned. */
  eager?: boolean;
}

export function compileMap(
  records: readonly MapRecord[],
  opts: CompileOptions = {},
): { map: CompiledMap; issues: MapIssue[] } {
  const methods = new Map<string, MethodTable>();
  const issues: MapIssue[] = [];
  for (const record of records) {
    const key = asciiUpper(record.method);
    let table = methods.get(key);
    if (!table) {
      table = {
        entries: [],
        keys: { first: new Map(), exactAfterLiteral: new Map() },
        caselessKeys: new Map(),
        unindexed: [],
        prefixes: emptyIndex(),
        caselessPrefixes: emptyIndex(),
      };
      methods.set(key, table);
    }
    const index = table.entries.length;
    const { entry, prefix } = compileEntry(record, index);
    table.entries.push(entry);
    if (entry.kind === 'literal') {
      addKey(table, record.principal, index, false);
      continue;
    }
    if (entry.kind === 'regex' && opts.eager) {
      const state = regexState(entry);
      if (state.kind === 'dropped') issues.push(state.issue);
    }
    const lit = entry.kind === 'regex' ? entry.literal : null;
    if (lit?.whole) {
      if (!lit.caseless) addKey(table, lit.text, index, true);
      else if (!table.caselessKeys.has(lit.text)) table.caselessKeys.set(lit.text, index);
    } else if (prefix === null) table.unindexed.push(index);
    else addToIndex(record.caseless ? table.caselessPrefixes : table.prefixes, prefix, index);
  }
  return { map: { methods }, issues };
}
