/**
 * Compiles loaded records once into lookup tables: per method (ASCII case-insensitive), literal keys in a
 * hash table (first occurrence wins), and regex entries indexed by the literal prefix that follows their
 * leading `^`, so that a lookup only runs the regexes that can match its principal.
 */
import { asciiUpper, clip, textFromBinary } from '../bytes.js';
import type { MapIssue, MapRecord } from './parse.js';
import { translatePcre2 } from './pcre2.js';
import { parseTemplate, type Template } from './template.js';

export type CompiledEntry =
  | { kind: 'literal'; index: number; record: MapRecord; template: Template }
  | { kind: 'regex'; index: number; record: MapRecord; template: Template; re: RegExp; nestedUnbounded: boolean }
  | { kind: 'unsupported'; index: number; record: MapRecord; template: Template; message: string };

/** Regex entries whose matches must start with a known literal, bucketed by that literal's length. */
interface PrefixIndex {
  lengths: number[];
  byLength: Map<number, Map<string, number[]>>;
}

export interface MethodTable {
  entries: CompiledEntry[];
  literals: Map<string, number>;
  /** Regex (and unsupported) entries with no usable prefix: always candidates. */
  unindexed: number[];
  prefixes: PrefixIndex;
  caselessPrefixes: PrefixIndex;
}

export interface CompiledMap {
  methods: Map<string, MethodTable>;
  /** Lines dropped at compile time (PCRE2 would reject the regex). */
  issues: MapIssue[];
}

const emptyIndex = (): PrefixIndex => ({ lengths: [], byLength: new Map() });

function addToIndex(ix: PrefixIndex, prefix: string, index: number): void {
  let bucket = ix.byLength.get(prefix.length);
  if (!bucket) {
    bucket = new Map();
    ix.byLength.set(prefix.length, bucket);
    ix.lengths.push(prefix.length);
    ix.lengths.sort((a, b) => a - b);
  }
  const list = bucket.get(prefix);
  if (list) list.push(index);
  else bucket.set(prefix, [index]);
}

function compileEntry(record: MapRecord, index: number, issues: MapIssue[]): { entry: CompiledEntry; prefix: string | null; caseless: boolean } | null {
  const template = parseTemplate(record.canonical);
  const unsupported = (message: string) => ({
    entry: { kind: 'unsupported' as const, index, record, template, message },
    prefix: null,
    caseless: false,
  });
  if (record.principal.includes('\0') || record.canonical.includes('\0'))
    return unsupported('NUL byte in map entry (HTCondor truncates C strings there)');
  if (!record.regex) return { entry: { kind: 'literal', index, record, template }, prefix: null, caseless: false };
  const t = translatePcre2(record.principal, { caseless: record.caseless, ungreedy: record.ungreedy });
  if (t.kind === 'pcre2-error') {
    issues.push({
      pos: record.pos,
      severity: 'error',
      code: 'MAPFILE_REGEX',
      message: `PCRE2 rejects regex ${clip(JSON.stringify(textFromBinary(record.principal)))} at offset ${t.offset} (${t.message}); HTCondor ignores this entry`,
      skipped: true,
    });
    return null;
  }
  if (t.kind !== 'ok') return unsupported(`unsupported PCRE2 construct ${t.message} at offset ${t.offset}`);
  if (t.repeatedCapture && template.usesNumberedGroups)
    return unsupported('unsupported PCRE2 construct: capturing group inside a repeated group, used by the template (group values differ from PCRE2)');
  let re: RegExp;
  try {
    re = new RegExp(t.source);
  } catch (e) {
    return unsupported(`regex cannot be evaluated here (${clip((e as Error).message)})`);
  }
  return {
    entry: { kind: 'regex', index, record, template, re, nestedUnbounded: t.nestedUnbounded },
    prefix: t.prefix,
    caseless: t.prefixCaseless,
  };
}

export function compileMap(records: readonly MapRecord[]): CompiledMap {
  const methods = new Map<string, MethodTable>();
  const issues: MapIssue[] = [];
  for (const record of records) {
    const key = asciiUpper(record.method);
    let table = methods.get(key);
    if (!table) {
      table = { entries: [], literals: new Map(), unindexed: [], prefixes: emptyIndex(), caselessPrefixes: emptyIndex() };
      methods.set(key, table);
    }
    const index = table.entries.length;
    const compiled = compileEntry(record, index, issues);
    if (!compiled) continue;
    const { entry, prefix, caseless } = compiled;
    table.entries.push(entry);
    if (entry.kind === 'literal') {
      if (!table.literals.has(record.principal)) table.literals.set(record.principal, index);
    } else if (prefix === null) table.unindexed.push(index);
    else addToIndex(caseless ? table.caselessPrefixes : table.prefixes, prefix, index);
  }
  return { methods, issues };
}
