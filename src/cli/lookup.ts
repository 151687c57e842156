/** `tokenmap lookup`: HTCondor's own map file lookup, canonical name only (shared/spec/cli.md). */
import { binaryFromBytes, binaryFromText, bytesFromBinary, textFromBinary, type Binary } from '../bytes.js';
import { formatPos, TokenmapError } from '../errors.js';
import { DeadlineExceeded, runBounded } from '../engine/bounded.js';
import { nodeReader } from '../io/node-reader.js';
import { lookup, type LookupProbe, type MapMatch } from '../mapfile/lookup.js';
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

/** The JSON line of cli.md, spaced exactly as written there. */
export function lookupJson(principal: Binary, m: MapMatch | null): string {
  const p = JSON.stringify(textFromBinary(principal));
  if (!m) return `{"principal": ${p}, "matched": false}\n`;
  const source = JSON.stringify(formatPos(m.entry.record.pos));
  const canonical = JSON.stringify(textFromBinary(m.canonical));
  return `{"principal": ${p}, "matched": true, "canonical": ${canonical}, "source": ${source}}\n`;
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

/** Runs lookups under the time bound; an interrupted regex is reported with the entry it was running. */
function boundedLookups(
  source: MapSource,
  method: string,
  principals: Binary[],
  ms: number,
  io: CliIo,
): (MapMatch | null)[] {
  const probe: LookupProbe = { entry: null, dropped: [] };
  try {
    return runBounded(() => principals.map((p) => lookup(source.map, method, p, probe)), ms);
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

export async function runLookup(principals: string[], opts: LookupOptions, io: CliIo): Promise<number> {
  const batch = principals.length === 1 && principals[0] === '-';
  if (principals.length === 0)
    throw new TokenmapError('USAGE', 'lookup: give at least one PRINCIPAL, or - to read them from stdin');
  if (!batch && principals.includes('-'))
    throw new TokenmapError('USAGE', 'lookup: - cannot be combined with other principals');
  const source = loadMapSource(opts.mapfile, nodeReader, {
    hashKeys: !opts.regexKeys,
    excludeRegexp: opts.excludeRegexp,
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

/** `lookup -`: principals are LF-terminated byte lines on stdin, answered chunk by chunk in JSON. */
async function lookupStream(source: MapSource, method: string, ms: number, io: CliIo): Promise<number> {
  let pending = '';
  let allMatched = true;
  const answer = (keys: Binary[]) => {
    const results = boundedLookups(source, method, keys, ms, io);
    if (results.some((r) => r === null)) allMatched = false;
    io.out(keys.map((k, i) => lookupJson(k, results[i] ?? null)).join(''));
  };
  for await (const chunk of io.stdin().stream) {
    pending += typeof chunk === 'string' ? binaryFromText(chunk) : binaryFromBytes(chunk);
    const lastLf = pending.lastIndexOf('\n');
    if (lastLf < 0) continue;
    const keys = pending.slice(0, lastLf).split('\n');
    pending = pending.slice(lastLf + 1);
    answer(keys);
  }
  if (pending) answer([pending]);
  return allMatched ? EXIT_OK : EXIT_NO;
}
