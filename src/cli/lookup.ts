/** `tokenmap lookup`: HTCondor's own map file lookup, canonical name only (shared/spec/cli.md). */
import { binaryFromText, bytesFromBinary, textFromBinary, type Binary } from '../bytes.js';
import { formatPos, TokenmapError } from '../errors.js';
import { DeadlineExceeded, runBounded } from '../engine/bounded.js';
import { nodeReader } from '../io/node-reader.js';
import { lineBatches } from '../io/line-batches.js';
import { lookup, lookupWithoutRegex, NEEDS_REGEX, type LookupProbe, type MapMatch } from '../mapfile/lookup.js';
import { loadMapSource, type MapSource } from '../mapfile/map-source.js';
import type { MapIssue } from '../mapfile/parse.js';
import { EXIT_NO, EXIT_OK } from './fail.js';
import type { CliIo } from '../io/cli-io.js';

export interface LookupOptions {
  mapfile: string;
  regexKeys?: boolean;
  method: string;
  json?: boolean;
  timeout: number;
  excludeRegexp?: string;
}

/** Printable ASCII other than `"` and `\`: bytes that JSON.stringify copies as they are. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** A byte string as a JSON string (invalid UTF-8 becomes U+FFFD). */
const jsonString = (b: Binary) => (PLAIN.test(b) ? `"${b}"` : JSON.stringify(textFromBinary(b)));

/** The end of a matched JSON line: what follows the principal. */
function matchedTail(m: MapMatch): string {
  const source = JSON.stringify(formatPos(m.entry.record.pos));
  return `, "matched": true, "canonical": ${jsonString(m.canonical)}, "source": ${source}}\n`;
}

/** The JSON line of cli.md, spaced exactly as written there. */
export function lookupJson(principal: Binary, m: MapMatch | null): string {
  const p = jsonString(principal);
  return m ? `{"principal": ${p}${matchedTail(m)}` : `{"principal": ${p}, "matched": false}\n`;
}

/**
 * lookupJson for the answers of one method table: the end of a matched line is kept per entry and reused
 * while the entry gives the same canonical name (a template without groups always does).
 */
function jsonLines(): (principal: Binary, m: MapMatch | null) => string {
  const tails: ({ canonical: Binary; tail: string } | undefined)[] = [];
  return (principal, m) => {
    if (!m) return `{"principal": ${jsonString(principal)}, "matched": false}\n`;
    let t = tails[m.entry.index];
    if (t?.canonical !== m.canonical) tails[m.entry.index] = t = { canonical: m.canonical, tail: matchedTail(m) };
    return `{"principal": ${jsonString(principal)}${t.tail}`;
  };
}

export function warnIssue(io: CliIo, issue: MapIssue): void {
  io.err(`${formatPos(issue.pos)}: warning: ${issue.message}`);
}

export function warnIssues(io: CliIo, source: MapSource): void {
  for (const issue of source.issues) if (issue.skipped) warnIssue(io, issue);
}

/** Warns about the lines a lookup found that HTCondor drops (PCRE2 rejects the regex), once each. */
export function warnDropped(io: CliIo, probe: LookupProbe): void {
  for (const issue of probe.dropped) warnIssue(io, issue);
  probe.dropped.length = 0;
}

/**
 * Principal bytes (LFs counted) whose regex evaluation one time bound covers at most: one pipe read's
 * worth, as when every read of stdin was its own batch, so a larger batch never gets less time per regex.
 */
const BOUNDED_BYTES = 65536;

/**
 * Answers a batch of principals. Lookups that only compare strings run as they are; those that need a
 * RegExp run under the time bound, up to BOUNDED_BYTES of them per bound (entering one costs a watchdog
 * thread), and an interrupted regex is reported with the entry it was running. Errors surface in
 * principal order, as one scan would raise them.
 */
function boundedLookups(
  source: MapSource,
  method: string,
  principals: Binary[],
  ms: number,
  io: CliIo,
): (MapMatch | null)[] {
  const results: (MapMatch | null)[] = new Array(principals.length).fill(null);
  const needRegex: number[] = [];
  let failure: { at: number; error: unknown } | null = null;
  for (let i = 0; i < principals.length; i++) {
    try {
      const r = lookupWithoutRegex(source.map, method, principals[i] as Binary);
      if (r === NEEDS_REGEX) needRegex.push(i);
      else results[i] = r;
    } catch (error) {
      failure = { at: i, error };
      break;
    }
  }
  const probe: LookupProbe = { entry: null, dropped: [] };
  for (let from = 0; from < needRegex.length;) {
    try {
      from = runBounded(() => {
        let bytes = 0;
        let k = from;
        for (; k < needRegex.length && bytes < BOUNDED_BYTES; k++) {
          const i = needRegex[k] as number;
          const p = principals[i] as Binary;
          results[i] = lookup(source.map, method, p, probe);
          bytes += p.length + 1;
        }
        return k;
      }, ms);
    } catch (e) {
      if (e instanceof DeadlineExceeded)
        throw new TokenmapError(
          'DEADLINE',
          `regex evaluation exceeded the time limit of ${ms} ms`,
          probe.entry?.record.pos,
        );
      throw e;
    } finally {
      warnDropped(io, probe);
    }
  }
  if (failure) throw failure.error;
  return results;
}

export async function runLookup(principals: string[], opts: LookupOptions, io: CliIo): Promise<number> {
  const batch = principals.length === 1 && principals[0] === '-';
  if (principals.length === 0)
    throw new TokenmapError('USAGE', 'lookup: give at least one PRINCIPAL, or - to read them from stdin');
  if (!batch && principals.includes('-'))
    throw new TokenmapError('USAGE', 'lookup: - cannot be combined with other principals');
  const source = loadMapSource(opts.mapfile, nodeReader, {
    hashKeys: !opts.regexKeys,
    excludeRegexp: opts.excludeRegexp,
    includeFailures: 'warn',
  });
  warnIssues(io, source);
  const ms = opts.timeout * 1000;
  if (batch) return lookupStream(source, opts.method, ms, io);
  const keys = principals.map(binaryFromText);
  const results = boundedLookups(source, opts.method, keys, ms, io);
  if (keys.length === 1 && !opts.json) {
    const m = results[0];
    if (!m) return EXIT_NO;
    io.out(bytesFromBinary(m.canonical + '\n'));
    return EXIT_OK;
  }
  io.out(keys.map((k, i) => lookupJson(k, results[i] ?? null)).join(''));
  return results.every(Boolean) ? EXIT_OK : EXIT_NO;
}

/** `lookup -`: principals are LF-terminated byte lines on stdin, answered batch by batch in JSON. */
async function lookupStream(source: MapSource, method: string, ms: number, io: CliIo): Promise<number> {
  let allMatched = true;
  const json = jsonLines();
  const stdin = io.stdin();
  try {
    for await (const keys of lineBatches(stdin.stream)) {
      const results = boundedLookups(source, method, keys, ms, io);
      const lines: string[] = [];
      for (let i = 0; i < keys.length; i++) {
        const m = results[i] ?? null;
        if (!m) allMatched = false;
        lines.push(json(keys[i] as Binary, m));
      }
      io.out(lines.join(''));
    }
  } finally {
    // An error leaves a read pending: stop it, or a writer that keeps the pipe open keeps the process.
    stdin.close();
  }
  return allMatched ? EXIT_OK : EXIT_NO;
}
