/**
 * Lookup in a compiled map: the first entry, in file order, of the requested method whose principal
 * matches, and its canonical name. No parsing and no I/O happen here.
 */
import { asciiLower, asciiUpper, clip, textFromBinary, type Binary } from '../bytes.js';
import { TokenmapError } from '../errors.js';
import type { MapIssue } from './parse.js';
import { regexState, type CompiledEntry, type CompiledMap, type MethodTable, type PrefixIndex } from './compile.js';
import { matchLiteral } from './literal-pattern.js';
import { applyTemplate, existingGroups } from './template.js';

/** The entry that matched and the canonical name it gives (bytes, as a binary string). */
export interface MapMatch {
  readonly entry: CompiledEntry;
  readonly canonical: Binary;
}

/** What a lookup passed on its way: the entry it is running (an interrupted evaluation names it), and
 * the entries it found PCRE2 would reject (HTCondor dropped those lines; the caller warns once each). */
export interface LookupProbe {
  entry: CompiledEntry | null;
  dropped: MapIssue[];
}

/** The regex entries filed under the principal's issuer `<iss>,` (its text up to the first comma). */
function issuerBucket(ix: PrefixIndex, key: Binary): number[] | undefined {
  if (ix.byIssuer.size === 0) return undefined;
  const comma = key.indexOf(',');
  return comma < 0 ? undefined : ix.byIssuer.get(key.slice(0, comma + 1));
}

function candidatesFrom(ix: PrefixIndex, key: Binary, out: number[][]): void {
  const hit = issuerBucket(ix, key);
  if (hit) out.push(hit);
  // A key without a comma can only be a prefix of the part before the principal's first comma.
  const comma = key.indexOf(',');
  const room = comma < 0 ? key.length : comma;
  for (const len of ix.lengths) {
    if (len > room) break;
    const bucket = ix.byLength.get(len)?.get(key.slice(0, len));
    if (bucket) out.push(bucket);
  }
}

const NONE: readonly number[] = [];

/** Regex candidates in ascending file order. */
function regexCandidates(table: MethodTable, principal: Binary, folded: Binary): readonly number[] {
  // The common shape (every regex filed under an issuer, none caseless) needs one hash lookup.
  if (table.unindexed.length === 0 && table.prefixes.lengths.length === 0 && !hasCaselessIndex(table))
    return issuerBucket(table.prefixes, principal) ?? NONE;
  const lists: number[][] = [];
  if (table.unindexed.length) lists.push(table.unindexed);
  candidatesFrom(table.prefixes, principal, lists);
  if (hasCaselessIndex(table)) candidatesFrom(table.caselessPrefixes, folded, lists);
  if (lists.length <= 1) return lists[0] ?? NONE;
  return lists.flat().sort((a, b) => a - b);
}

const hasCaselessIndex = (t: MethodTable) =>
  t.caselessPrefixes.lengths.length > 0 || t.caselessPrefixes.byIssuer.size > 0;

/** An entry tokenmap cannot evaluate exactly, reached by a lookup: the lookup stops (exit 2). */
function unsupported(entry: CompiledEntry, message: string): TokenmapError {
  return new TokenmapError('MAPFILE_UNSUPPORTED', message, entry.record.pos);
}

function finish(entry: CompiledEntry, groups: Binary[]): MapMatch {
  if (entry.template.danglingBackslash) throw danglingBackslash(entry);
  return { entry, canonical: entry.template.fixed ?? applyTemplate(entry.template, groups) };
}

/**
 * finish for a match whose only group is group 0 (a literal key, a literal pattern). An entry whose
 * template uses no group gives one answer whatever matched it: made once, shared.
 */
function finishWhole(entry: CompiledEntry, group0: Binary): MapMatch {
  if (entry.template.danglingBackslash) throw danglingBackslash(entry);
  const fixed = entry.template.fixed;
  if (fixed === null) return { entry, canonical: applyTemplate(entry.template, [group0]) };
  return (entry.answer ??= { entry, canonical: fixed });
}

function danglingBackslash(entry: CompiledEntry): TokenmapError {
  return new TokenmapError(
    'MAPFILE_TEMPLATE',
    `canonical name ${clip(JSON.stringify(textFromBinary(entry.record.canonical)))} ends in a lone backslash ` +
      '(undefined behaviour in HTCondor)',
    entry.record.pos,
  );
}

/** Group 0 of a literal key's or literal pattern's match, or null; undefined for other entries. */
function matchWhole(entry: CompiledEntry, principal: Binary, folded: Binary): Binary | null | undefined {
  if (entry.kind === 'literal') return entry.record.principal === principal ? principal : null;
  if (entry.kind === 'regex' && entry.literal) return matchLiteral(entry.literal, principal, folded);
  return undefined;
}

/** Tests one entry; returns the groups that exist on a match, null otherwise. */
export function matchEntry(entry: CompiledEntry, principal: Binary, probe?: LookupProbe): Binary[] | null {
  switch (entry.kind) {
    case 'literal':
      return entry.record.principal === principal ? [principal] : null;
    case 'unsupported':
      throw unsupported(entry, entry.message);
    case 'regex': {
      if (entry.literal) {
        const m = matchLiteral(entry.literal, principal, entry.literal.caseless ? asciiLower(principal) : principal);
        return m === null ? null : [m];
      }
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
  // Tables are filed upper-cased: a name written that way (SCITOKENS) needs no case mapping.
  return map.methods.get(method) ?? map.methods.get(asciiUpper(method));
}

const endsInLf = (s: Binary) => s.charCodeAt(s.length - 1) === 0x0a;

/** The first keyed entry the principal matches (Infinity: none); see KeyIndex. */
function firstKeyed(table: MethodTable, principal: Binary): number {
  const { first, exactAfterLiteral } = table.keys;
  let best = first.get(principal) ?? Infinity;
  if (endsInLf(principal)) {
    const key = principal.slice(0, -1);
    const head = first.get(key);
    const exact = head === undefined || table.entries[head]?.kind === 'regex' ? head : exactAfterLiteral.get(key);
    if (exact !== undefined && exact < best) best = exact;
  }
  return best;
}

/** The first caseless `^L$` entry the ASCII-lower-cased principal matches, if it comes before `best`. */
function firstCaseless(table: MethodTable, folded: Binary, best: number): number {
  const keys = table.caselessKeys;
  if (keys.size === 0) return best;
  const hit = keys.get(folded) ?? Infinity;
  const trimmed = endsInLf(folded) ? (keys.get(folded.slice(0, -1)) ?? Infinity) : Infinity;
  return Math.min(hit, trimmed, best);
}

/** What lookupWithoutRegex answers when the answer depends on running a RegExp. */
export const NEEDS_REGEX: unique symbol = Symbol('needs a regex');

function lookupIn(
  table: MethodTable,
  principal: Binary,
  probe: LookupProbe | undefined,
  regexes: boolean,
): MapMatch | null | typeof NEEDS_REGEX {
  const folded = table.caselessKeys.size > 0 || hasCaselessIndex(table) ? asciiLower(principal) : principal;
  // The first keyed entry; a regex candidate wins only if it comes earlier in the file.
  const best = firstCaseless(table, folded, firstKeyed(table, principal));
  for (const index of regexCandidates(table, principal, folded)) {
    if (index > best) break;
    const entry = table.entries[index] as CompiledEntry;
    const whole = matchWhole(entry, principal, folded);
    if (whole !== undefined) {
      if (whole !== null) return finishWhole(entry, whole);
      continue;
    }
    if (!regexes && entry.kind === 'regex') return NEEDS_REGEX;
    if (probe) probe.entry = entry;
    const groups = matchEntry(entry, principal, probe);
    if (groups) return finish(entry, groups);
  }
  if (best === Infinity) return null;
  const entry = table.entries[best] as CompiledEntry;
  return finishWhole(entry, matchWhole(entry, principal, folded) as Binary);
}

/**
 * HTCondor's lookup of a principal (bytes) for an authentication method: the first matching entry in
 * file order, through the key hashes and the prefix indexes; null for no match. `probe` learns the entry
 * being tried (for a deadline message) and the lines dropped on the way.
 */
export function lookup(map: CompiledMap, method: string, principal: Binary, probe?: LookupProbe): MapMatch | null {
  const table = methodTable(map, method);
  return table ? (lookupIn(table, principal, probe, true) as MapMatch | null) : null;
}

/**
 * The same answer as `lookup` when it needs no RegExp (string comparisons cannot run away, so callers
 * need no time bound for them), else NEEDS_REGEX: nothing was evaluated, ask `lookup` under a bound.
 */
export function lookupWithoutRegex(
  map: CompiledMap,
  method: string,
  principal: Binary,
): MapMatch | null | typeof NEEDS_REGEX {
  const table = methodTable(map, method);
  return table ? lookupIn(table, principal, undefined, false) : null;
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
