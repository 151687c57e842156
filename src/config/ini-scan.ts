/**
 * The site configuration's INI text, scanned line by line with the grammar the `ini` package decodes it
 * with (`[section]`, `key = value`, `key[] = value` for lists, whole-line `;`/`#` comments), keeping what
 * `ini` forgets: where each section and key was written, and which were written twice. `ini` silently
 * lets a second `[audience]` or a second `accept =` replace the first; the loader refuses both, and
 * `check` reports them.
 */
import type { SourcePos } from '../errors.js';

export interface ScannedKey {
  section: string;
  /** Without a `[]` suffix. */
  key: string;
  list: boolean;
  pos: SourcePos & { col: number };
  /** 1-based column where the value starts (after `=` and blanks). */
  valueCol: number;
}

export interface ScannedSection {
  name: string;
  pos: SourcePos & { col: number };
}

export interface IniScanProblem {
  pos: SourcePos & { col: number };
  kind: 'syntax' | 'duplicate-section' | 'duplicate-key';
  message: string;
}

export interface IniScan {
  sections: ScannedSection[];
  keys: ScannedKey[];
  problems: IniScanProblem[];
  /** JSON pointer (`/audience`, `/audience/accept`) to where it was first written, for schema messages. */
  positions: Map<string, SourcePos & { col: number }>;
}

const HEADER = /^(\s*)\[([^\]]*)\]\s*$/;
const KEY = /^(\s*)([^=]*?)\s*(?:=\s*(.*))?$/;

const ptr = (...parts: string[]) => '/' + parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

export function scanIni(text: string, file: string): IniScan {
  const scan: IniScan = { sections: [], keys: [], problems: [], positions: new Map() };
  const sectionsSeen = new Map<string, number>();
  const keysSeen = new Map<string, { line: number; list: boolean }>();
  let section = '';
  text.split(/\r?\n/).forEach((line, n) => {
    if (/^\s*([;#]|$)/.test(line)) return;
    const header = HEADER.exec(line);
    if (header) {
      section = (header[2] as string).trim();
      const pos = { file, line: n + 1, col: (header[1] as string).length + 1 };
      const first = sectionsSeen.get(section);
      if (first !== undefined)
        scan.problems.push({
          pos,
          kind: 'duplicate-section',
          message:
            `duplicate section [${section}] (first at line ${first}); the ini reader would let this one ` +
            `replace its keys`,
        });
      else {
        sectionsSeen.set(section, n + 1);
        scan.sections.push({ name: section, pos });
        scan.positions.set(ptr(section), pos);
      }
      return;
    }
    const m = KEY.exec(line) as RegExpExecArray;
    const raw = m[2] as string;
    const pos = { file, line: n + 1, col: (m[1] as string).length + 1 };
    if (m[3] === undefined || raw === '' || raw.startsWith('[')) {
      scan.problems.push({
        pos,
        kind: 'syntax',
        message: raw.startsWith('[')
          ? `not a section header: ${JSON.stringify(line.trim().slice(0, 80))} (a header is [name] alone on its line)`
          : `not a "key = value" line: ${JSON.stringify(line.trim().slice(0, 80))}`,
      });
      return;
    }
    const list = raw.length > 2 && raw.endsWith('[]');
    const key = list ? raw.slice(0, -2) : raw;
    const id = `${section}\0${key}`;
    const first = keysSeen.get(id);
    if (first && !(first.list && list)) {
      scan.problems.push({
        pos,
        kind: 'duplicate-key',
        message:
          `duplicate key ${JSON.stringify(key)} in [${section}] (first at line ${first.line}); the ini reader ` +
          `would keep only one (write ${key}[] = … on every line for a list)`,
      });
      return;
    }
    if (!first) keysSeen.set(id, { line: n + 1, list });
    const valueCol = line.length - (m[3] as string).length + 1;
    scan.keys.push({ section, key, list, pos, valueCol });
    if (!scan.positions.has(ptr(section, key))) scan.positions.set(ptr(section, key), pos);
  });
  return scan;
}
