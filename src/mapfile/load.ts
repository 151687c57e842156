/**
 * Loads a map file and expands its `@include` lines (files and directories) in place, the way HTCondor
 * does: relative paths against the including file's directory, directory entries in byte order minus the
 * excluded names, no nesting. All file access goes through the injected reader.
 */
import { binaryFromBytes, textFromBinary, type Binary } from '../bytes.js';
import { systemErrorText, TokenmapError } from '../errors.js';
import type { FileReader } from '../io/reader.js';
import { parseMapText, type MapIssue, type MapRecord } from './parse.js';

/** HTCondor's LOCAL_CONFIG_DIR_EXCLUDE_REGEXP default. */
export const DEFAULT_EXCLUDE =
  '^((\\..*)|(.*\\.pl)|(.*\\.py)|(.*\\.sh)|(.*~)|(#.*)|' +
  '(.*\\.rpmsave)|(.*\\.rpmnew)|(.*\\.dpkg-old)|(.*\\.dpkg-dist)|(.*\\.cfsaved))$';

/**
 * DEFAULT_EXCLUDE as translatePcre2 translates it (a test keeps the two equal): every callout on a CE
 * includes a directory, and translating this pattern at start-up would cost it about a millisecond.
 */
export const DEFAULT_EXCLUDE_JS =
  '^((\\x2e[\\x00-\\x09\\x0b-\\xff]*)|([\\x00-\\x09\\x0b-\\xff]*\\x2epl)|' +
  '([\\x00-\\x09\\x0b-\\xff]*\\x2epy)|([\\x00-\\x09\\x0b-\\xff]*\\x2esh)|' +
  '([\\x00-\\x09\\x0b-\\xff]*\\x7e)|(\\x23[\\x00-\\x09\\x0b-\\xff]*)|' +
  '([\\x00-\\x09\\x0b-\\xff]*\\x2erpmsave)|([\\x00-\\x09\\x0b-\\xff]*\\x2erpmnew)|' +
  '([\\x00-\\x09\\x0b-\\xff]*\\x2edpkg\\x2dold)|([\\x00-\\x09\\x0b-\\xff]*\\x2edpkg\\x2ddist)|' +
  '([\\x00-\\x09\\x0b-\\xff]*\\x2ecfsaved))(?=\\n?$)';

export interface LoadOptions {
  hashKeys: boolean;
  /** Names in an included directory that match are skipped (compiled from the PCRE2 exclude pattern). */
  exclude: RegExp;
  /**
   * What an `@include` that cannot be read does. HTCondor logs it and carries on ('warn', what `lookup`
   * shows); every deciding command fails instead ('fail', the default), since the file may have held a ban.
   */
  includeFailures?: 'warn' | 'fail';
}

export interface LoadedMap {
  records: MapRecord[];
  issues: MapIssue[];
  /** Every file read, in order (for `check` and for reloading). */
  files: string[];
  /** Every `@include` directory listed: a file added to one changes the rules (for reloading). */
  dirs: string[];
}

const dirname = (p: Binary) => {
  const slash = p.lastIndexOf('/');
  return slash < 0 ? null : p.slice(0, slash + 1);
};
const join = (dir: Binary, name: Binary) => (dir.endsWith('/') ? dir + name : `${dir}/${name}`);

export function loadMapFile(top: Binary, reader: FileReader, opts: LoadOptions): LoadedMap {
  const topName = textFromBinary(top);
  let bytes: Uint8Array;
  try {
    if (reader.kind(top) === 'dir') throw Object.assign(new Error('EISDIR: is a directory'), { code: 'EISDIR' });
    bytes = reader.read(top);
  } catch (e) {
    throw new TokenmapError('MAPFILE_UNREADABLE', `cannot open map file (${systemErrorText(e)})`, {
      file: topName,
      line: 0,
    });
  }
  const out: LoadedMap = { records: [], issues: [], files: [topName], dirs: [] };
  const base = dirname(top);
  for (const item of parseMapText(binaryFromBytes(bytes), topName, { hashKeys: opts.hashKeys, included: false })) {
    if (item.t === 'record') out.records.push(item.record);
    else if (item.t === 'issue') out.issues.push(item.issue);
    else {
      const target = item.path.startsWith('/') || base === null ? item.path : join(base, item.path);
      const warn = (message: string) => {
        if (opts.includeFailures !== 'warn')
          throw new TokenmapError(
            'MAPFILE_INCLUDE_UNREADABLE',
            `${message}; failing closed: a file that cannot be read may hold a ban (HTCondor would skip it)`,
            item.pos,
          );
        out.issues.push({
          pos: item.pos,
          severity: 'warning',
          code: 'MAPFILE_INCLUDE',
          message: `${message}; skipped`,
          skipped: true,
        });
      };
      const crlf = target.endsWith('\r') ? ' (the path ends in a carriage return: the file has CRLF line ends)' : '';
      let paths: Binary[];
      try {
        const kind = reader.kind(target);
        if (kind === 'missing') {
          warn(
            `Could not open canonicalization file ${JSON.stringify(textFromBinary(target))}${crlf} ` +
              '(ENOENT: no such file or directory)',
          );
          continue;
        }
        if (kind === 'dir') out.dirs.push(textFromBinary(target));
        paths =
          kind === 'dir'
            ? reader
                .list(target)
                .filter((name) => !opts.exclude.test(name))
                .sort()
                .map((name) => join(target, name))
                .filter((p) => reader.kind(p) !== 'dir')
            : [target];
      } catch (e) {
        if (e instanceof TokenmapError) throw e;
        warn(`Could not read included directory ${JSON.stringify(textFromBinary(target))} (${systemErrorText(e)})`);
        continue;
      }
      for (const path of paths) {
        const name = textFromBinary(path);
        let text: Binary;
        try {
          text = binaryFromBytes(reader.read(path));
        } catch (e) {
          warn(`Could not open canonicalization file ${JSON.stringify(name)}${crlf} (${systemErrorText(e)})`);
          continue;
        }
        out.files.push(name);
        for (const inc of parseMapText(text, name, { hashKeys: opts.hashKeys, included: true })) {
          if (inc.t === 'record') out.records.push(inc.record);
          else if (inc.t === 'issue') out.issues.push(inc.issue);
        }
      }
    }
  }
  return out;
}
