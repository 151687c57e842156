/** Load + compile in one step, for the edges: a map file path in, a compiled map and its issues out. */
import { binaryFromText } from '../bytes.js';
import { TokenmapError } from '../errors.js';
import { compileMap, type CompiledMap } from './compile.js';
import type { FileReader } from '../io/reader.js';
import { DEFAULT_EXCLUDE, DEFAULT_EXCLUDE_JS, loadMapFile } from './load.js';
import type { MapIssue } from './parse.js';
import { translatePcre2 } from './pcre2.js';

/** How a map file is read and compiled (HTCondor knobs). */
export interface MapSourceOptions {
  hashKeys: boolean;
  /** Translate every regex at load (and report every dropped line); otherwise on first use. */
  eager?: boolean;
  /** LOCAL_CONFIG_DIR_EXCLUDE_REGEXP (PCRE2 syntax); HTCondor's default when absent. */
  excludeRegexp?: string;
  /** See LoadOptions: only `lookup` warns and skips an unreadable `@include`. */
  includeFailures?: 'warn' | 'fail';
}

/** A compiled map file, with what was found while loading it and the files it read. */
export interface MapSource {
  path: string;
  map: CompiledMap;
  /** Load issues, plus compile issues when eager (lazily found ones come from lookups). */
  issues: MapIssue[];
  files: string[];
  /** The `@include` directories listed (LoadedMap.dirs). */
  dirs: string[];
}

export function compileExclude(pattern: string): RegExp {
  if (pattern === DEFAULT_EXCLUDE) return new RegExp(DEFAULT_EXCLUDE_JS);
  const t = translatePcre2(binaryFromText(pattern), { caseless: false, ungreedy: false });
  if (t.kind !== 'ok')
    throw new TokenmapError('CONFIG_INVALID', `exclude pattern ${JSON.stringify(pattern)}: ${t.message}`);
  return new RegExp(t.source);
}

/** Reads a map file (following @include) through `reader` and compiles it; unreadable is MAPFILE_UNREADABLE. */
export function loadMapSource(path: string, reader: FileReader, opts: MapSourceOptions): MapSource {
  const exclude = compileExclude(opts.excludeRegexp ?? DEFAULT_EXCLUDE);
  const loaded = loadMapFile(binaryFromText(path), reader, {
    hashKeys: opts.hashKeys,
    exclude,
    includeFailures: opts.includeFailures,
  });
  const { map, issues } = compileMap(loaded.records, { eager: opts.eager });
  return { path, map, issues: [...loaded.issues, ...issues], files: loaded.files, dirs: loaded.dirs };
}
