/**
 * Lookup in a compiled map: the first entry, in file order, of the requested method whose principal
 * matches, and its canonical name. No parsing and no I/O happen here.
 */
import { asciiLower, asciiUpper, clip, textFromBinary, type Binary } from '../bytes.js';
import { TokenmapError } from '../errors.js';
import type { MapIssue } from './parse.js';
import { regexState, type CompiledEntry, type CompiledMap, type MethodTable } from './compile.js';
import { applyTemplate, existingGroups } from './template.js';

/** The entry that matched and the canonical name it gives (bytes, as a binary string). */
export interface MapMatch {
  entry: CompiledEntry;
  canonical: Binary;
}

/** What a lookup passed on its way: the entry it is running (an interrupted evaluation names it), and
 * the entries it found PCRE2 would reject (HTCondor dropped those lines; the caller warns once each). */
export interface LookupProbe {
  entry: CompiledEntry | null;
  dropped: MapIssue[];
}

function candidatesFrom(ix: MethodTable['prefixes'], key: string, out: number[][]): void {
  for (const len of ix.lengths) {
    if (len > key.length) break;
    const hit = ix.byLength.get(len)?.get(key.slice(0, len));
    if (hit) out.push(hit);
  }
}

/** Regex candidates in ascending file order. */
function regexCandidates(table: MethodTable, principal: Binary): number[] {
  const lists: number[][] = [];
  if (table.unindexed.length) lists.push(table.unindexed);
  candidatesFrom(table.prefixes, principal, lists);
  if (table.caselessPrefixes.lengths.length) candidatesFrom(table.caselessPrefixes, asciiLower(principal), lists);
  if (lists.length <= 1) return lists[0] ?? [];
  return lists.flat().sort((a, b) => a - b);
}

/** An entry tokenmap cannot evaluate exactly, reached by a lookup: the lookup stops (exit 2). */
function unsupported(entry: CompiledEntry, message: string): TokenmapError {
  return new TokenmapError('MAPFILE_UNSUPPORTED', message, entry.record.pos);
}

function finish(entry: CompiledEntry, groups: Binary[]): MapMatch {
  if (entry.template.danglingBackslash)
    throw new TokenmapError(
      'MAPFILE_TEMPLATE',
      `canonical name ${clip(JSON.stringify(textFromBinary(entry.record.canonical)))} ends in a lone backslash ` +
        '(undefined behaviour in HTCondor)',
      entry.record.pos,
    );
  return { entry, canonical: applyTemplate(entry.template, groups) };
}

/** Tests one entry; returns the groups that exist on a match, null otherwise. */
export function matchEntry(entry: CompiledEntry, principal: Binary, probe?: LookupProbe): Binary[] | null {
  switch (entry.kind) {
    case 'literal':
      return entry.record.principal === principal ? [principal] : null;
    case 'unsupported':
      throw unsupported(entry, entry.message);
    case 'regex': {
      const fresh = entry.state === undefined;
      const state = regexState(entry);
      if (state.kind === 'dropped') {
        if (fresh && probe) probe.dropped.push(state.issue);
        return null;
      }
      if (state.kind === 'unsupported') throw unsupported(entry, state.message);
      let m: RegExpExecArray | null;
      try {
        m = state.re.exec(principal);
      } catch (e) {
        // V8 compiles lazily: a pattern too large for it fails on first use, not at construction.
        throw unsupported(entry, `regex cannot be evaluated here (${clip((e as Error).message)})`);
      }
      return m ? existingGroups(m) : null;
    }
  }
}

export function methodTable(map: CompiledMap, method: string): MethodTable | undefined {
  return map.methods.get(asciiUpper(method));
}

/**
 * HTCondor's lookup of a principal (bytes) for an authentication method: the first matching entry in
 * file order, through the literal and prefix indexes; null for no match. `probe` learns the entry being
 * tried (for a deadline message) and the lines dropped on the way.
 */
export function lookup(map: CompiledMap, method: string, principal: Binary, probe?: LookupProbe): MapMatch | null {
  const table = methodTable(map, method);
  if (!table) return null;
  const literal = table.literals.get(principal) ?? Infinity;
  for (const index of regexCandidates(table, principal)) {
    if (index > literal) break;
    const entry = table.entries[index] as CompiledEntry;
    if (probe) probe.entry = entry;
    const groups = matchEntry(entry, principal, probe);
    if (groups) return finish(entry, groups);
  }
  if (literal === Infinity) return null;
  const entry = table.entries[literal] as CompiledEntry;
  return finish(entry, [principal]);
}

/** The same answer by a plain scan in file order, recording every entry considered (for `explain`). */
export function lookupTrace(
  map: CompiledMap,
  method: string,
  principal: Binary,
  visit: (entry: CompiledEntry, matched: boolean) => void,
  probe?: LookupProbe,
): MapMatch | null {
  const table = methodTable(map, method);
  for (const entry of table?.entries ?? []) {
    if (probe) probe.entry = entry;
    const groups = matchEntry(entry, principal, probe);
    visit(entry, groups !== null);
    if (groups) return finish(entry, groups);
  }
  return null;
}
