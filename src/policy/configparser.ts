/**
 * Reads INI text the way Python's configparser (defaults) reads it, which is how check-in-validator reads
 * its configuration: `=` or `:` delimiters (the first on the line), option names stripped and
 * lower-cased, full-line `#`/`;` comments only (so `...#aai.egi.eu` stays in a value), values stripped.
 * Where configparser would raise, or would do something surprising, this reader reports an error naming
 * FILE:LINE instead: duplicate sections or options, `[DEFAULT]`, continuation lines, interpolation.
 */
import type { ErrorCode, SourcePos } from '../errors.js';

export interface IniEntry {
  /** Lower-cased, as configparser's optionxform does. */
  key: string;
  /** The name as written. */
  rawKey: string;
  value: string;
  pos: SourcePos;
}

export interface IniSection {
  name: string;
  pos: SourcePos;
  entries: IniEntry[];
}

export interface IniProblem {
  pos: SourcePos;
  severity: 'error' | 'warning';
  code: ErrorCode;
  message: string;
  /** The `check` code (src/lint/codes.ts) when it is more specific than the syntax error. */
  lint?: string;
  /** Schema problems: the instance path as names, the unknown name last (for "did you mean"). */
  schemaPath?: string[];
}

export interface IniDocument {
  sections: IniSection[];
  problems: IniProblem[];
}

const SECTION = /^\[(.+)\]/;
const OPTION = /^(.*?)\s*([=:])\s*(.*)$/;

/** configparser's BasicInterpolation, minus references: `%%` is `%`, `%(name)s` is an error, other `%` literal. */
function interpolate(value: string, pos: SourcePos, problems: IniProblem[]): string {
  if (/%\(/.test(value))
    problems.push({
      pos,
      severity: 'error',
      code: 'POLICY_SYNTAX',
      message: '%(name)s interpolation is not supported; write the value out (a literal % is written %%)',
    });
  return value.replace(/%%/g, '%');
}

export function parseIni(text: string, file: string): IniDocument {
  const sections: IniSection[] = [];
  const problems: IniProblem[] = [];
  const seen = new Set<string>();
  let current: IniSection | null = null;
  let currentKeys = new Set<string>();
  let lastOption: IniEntry | null = null;
  let indentLevel = 0;
  const lines = text.split(/\r\n|\n|\r/);
  lines.forEach((line, n) => {
    const pos = { file, line: n + 1 };
    const stripped = line.trim();
    if (stripped === '' || stripped.startsWith('#') || stripped.startsWith(';')) return;
    const indent = line.length - line.trimStart().length;
    if (current && lastOption && indent > indentLevel) {
      problems.push({
        pos,
        severity: 'error',
        code: 'POLICY_SYNTAX',
        message:
          `indented line continues the value of ${JSON.stringify(lastOption.rawKey)} ` +
          '(configparser joins it with a newline); tokenmap does not accept continuation lines',
      });
      return;
    }
    indentLevel = indent;
    const header = SECTION.exec(stripped);
    if (header) {
      const name = header[1] as string;
      lastOption = null;
      if (name === 'DEFAULT') {
        problems.push({
          pos,
          severity: 'error',
          code: 'POLICY_SYNTAX',
          message: '[DEFAULT] is merged into every section by configparser; tokenmap does not accept it',
        });
        current = { name, pos, entries: [] };
      } else if (seen.has(name)) {
        problems.push({
          pos,
          severity: 'error',
          code: 'POLICY_SYNTAX',
          message: `duplicate section [${name}]`,
          lint: 'INI_DUPLICATE_SECTION',
        });
        current = { name, pos, entries: [] };
      } else {
        seen.add(name);
        current = { name, pos, entries: [] };
        sections.push(current);
      }
      currentKeys = new Set();
      return;
    }
    if (!current) {
      problems.push({ pos, severity: 'error', code: 'POLICY_SYNTAX', message: 'line before any [section] header' });
      return;
    }
    const m = OPTION.exec(stripped);
    const rawKey = m ? (m[1] as string).trimEnd() : '';
    if (!m || rawKey === '') {
      problems.push({
        pos,
        severity: 'error',
        code: 'POLICY_SYNTAX',
        message: `not a "name = value" line: ${JSON.stringify(stripped.slice(0, 80))}`,
      });
      lastOption = null;
      return;
    }
    const key = rawKey.toLowerCase();
    if (currentKeys.has(key)) {
      problems.push({
        pos,
        severity: 'error',
        code: 'POLICY_SYNTAX',
        message: `duplicate option ${JSON.stringify(key)} in [${current.name}] (names are compared lower-cased)`,
        lint: 'INI_DUPLICATE_KEY',
      });
      lastOption = null;
      return;
    }
    currentKeys.add(key);
    lastOption = { key, rawKey, value: interpolate((m[3] as string).trimEnd(), pos, problems), pos };
    current.entries.push(lastOption);
  });
  return { sections, problems };
}
