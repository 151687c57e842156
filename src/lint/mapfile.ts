/**
 * Map file checks, line by line, on the bytes HTCondor reads: the field tokenizer's pitfalls (flag letters,
 * a `/` that ends a regex early, an unterminated canonical name, CR kept in the name), the regexes (what
 * PCRE2 rejects, what tokenmap refuses, unanchored and leaky issuer patterns) and the canonical names
 * (PLUGIN: lists, unsafe accounts). The file set comes from the loader itself, so includes resolve exactly
 * as they do for a lookup.
 */
import { asciiUpper, binaryFromBytes, binaryFromText, clip, textFromBinary, type Binary } from '../bytes.js';
import { BANNED_DOMAIN, splitCanonical } from '../engine/canonical.js';
import { compileMap, regexState, type CompiledEntry, type CompiledMap, type RegexState } from '../mapfile/compile.js';
import { DEFAULT_EXCLUDE, loadMapFile } from '../mapfile/load.js';
import { compileExclude } from '../mapfile/map-source.js';
import type { MapRecord } from '../mapfile/parse.js';
import { anchoredPrefix } from '../mapfile/pcre2.js';
import { parseTemplate } from '../mapfile/template.js';
import { readField, type Field } from '../mapfile/tokenize.js';
import { accountRefusal } from '../engine/identity.js';
import type { LintCode } from './codes.js';
import type { LintContext } from './context.js';
import type { LintPos } from './problem.js';

/** A map entry as the reachability checks see it. */
export interface MapFact {
  record: MapRecord;
  pos: LintPos;
  state?: RegexState;
  /** The literal every match starts with, after `^` (regex entries), else null. */
  prefix: string | null;
  ban: boolean;
  /** PLUGIN:<names> hands over to these names (upper-cased). */
  plugins: string[] | null;
}

export interface LintedMap {
  path: string;
  facts: MapFact[];
  files: string[];
  map: CompiledMap;
}

const ISSUE_CODES: Record<string, LintCode> = {
  MAPFILE_SYNTAX: 'MAP_SYNTAX',
  MAPFILE_NESTED_INCLUDE: 'MAP_INCLUDE_NESTED',
  MAPFILE_INCLUDE: 'MAP_INCLUDE_MISSING',
};
const isSep = (c: string | undefined) => c === undefined || c === ' ' || c === '\t' || c === '\n';
const show = (s: Binary) => clip(JSON.stringify(textFromBinary(s)), 80);

/** Offsets of `.` that match any byte, in the issuer part (before the first `,`) of a raw regex field. */
function unescapedDots(raw: Binary): number[] {
  const out: number[] = [];
  let inClass = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c === '\\') i++;
    else if (inClass) inClass = c !== ']';
    else if (c === '[') inClass = true;
    else if (c === ',') break;
    else if (c === '.' && raw[i + 1] !== '*' && raw[i + 1] !== '+') out.push(i);
  }
  return out;
}

function lineChecks(ctx: LintContext, file: string, text: Binary, skipped: Set<number>): void {
  const at = (line: number, col: number): LintPos => ({ file, line, col });
  if (text.startsWith('\xef\xbb\xbf'))
    ctx.report(
      at(1, 1),
      'error',
      'MAP_BOM',
      'the file starts with a UTF-8 byte order mark, which becomes part of the first method',
    );
  let n = 0;
  for (let start = 0; start < text.length;) {
    const lf = text.indexOf('\n', start);
    const end = lf < 0 ? text.length : lf + 1;
    const line = text.slice(start, end);
    start = end;
    n++;
    const nul = line.indexOf('\0');
    if (nul >= 0)
      ctx.report(
        at(n, nul + 1),
        'error',
        'MAP_NUL',
        'a NUL byte: HTCondor truncates the line there, tokenmap refuses it',
      );
    const method = readField(line, 0);
    if (method.value === '' || method.value.startsWith('#') || method.value === '@include') continue;
    const principal = readField(line, method.end, ctx.hashKeys);
    const canonical = readField(line, principal.end);
    fieldChecks(ctx, file, n, line, principal, canonical, skipped.has(n));
  }
}

function fieldChecks(
  ctx: LintContext,
  file: string,
  n: number,
  line: Binary,
  principal: Field,
  canonical: Field,
  skipped: boolean,
): void {
  const at = (offset: number): LintPos => ({ file, line: n, col: offset + 1 });
  for (const f of [principal, canonical])
    if (f.form !== 'bare' && line.slice(f.start, f.end).includes('\\\\\\\\'))
      ctx.report(
        at(f.start + line.slice(f.start, f.end).indexOf('\\\\\\\\')),
        'warning',
        'MAP_DOUBLE_BACKSLASH',
        '\\\\\\\\ is two backslashes since HTCondor 10.0.3 (it was one before); write \\\\ for one',
      );
  if (principal.form === 'slash' && principal.terminated) {
    const after = line[principal.end];
    const close = principal.end - principal.flagText.length - 1;
    if (!isSep(after) && /[A-Za-z0-9]/.test(after as string))
      ctx.report(
        at(principal.end - principal.flagText.length),
        'warning',
        'MAP_FLAGS',
        `${JSON.stringify(principal.flagText + (after as string))}… after the closing /: ` +
          'only i and U are flags, and ' +
          `HTCondor reads the rest as the canonical name ${show(canonical.value)}; put a space after the flags`,
      );
    else if (!isSep(after))
      ctx.report(
        at(close),
        skipped ? 'error' : 'warning',
        'MAP_UNESCAPED_SLASH',
        `this / ends the regex (${show(principal.value)}); write \\/ for a slash inside it, also inside [...]`,
      );
  }
  if (!ctx.hashKeys && principal.value.startsWith('/'))
    ctx.report(
      at(principal.start),
      'warning',
      'MAP_REGEX_KEYS_SLASH',
      'in regex-keys mode (hash_keys = false) the leading / is regex text, so this line matches only principals ' +
        'containing it',
    );
  if (skipped) return;
  if (canonical.value.endsWith('\r'))
    ctx.report(
      at(canonical.end - 1),
      'error',
      'MAP_CRLF',
      `CRLF line ending: HTCondor keeps the CR in the canonical name ${show(canonical.value)}; save the file with LF ` +
        `endings`,
    );
  else if (canonical.value.endsWith('\n'))
    ctx.report(
      at(canonical.start),
      'error',
      'MAP_CANONICAL_LF',
      'the quoted canonical name is never closed: HTCondor keeps the line feed in the name',
    );
}

function regexChecks(ctx: LintContext, pos: LintPos, record: MapRecord, raw: Binary, state: RegexState): void {
  const col = (offset: number): LintPos => ({ ...pos, col: pos.col + 1 + offset });
  if (state.kind === 'dropped') {
    ctx.report(col(0), 'error', 'MAP_REGEX_INVALID', state.issue.message);
    return;
  }
  if (state.kind === 'unsupported') {
    ctx.report(
      col(0),
      'error',
      'MAP_REGEX_UNSUPPORTED',
      `${state.message}: a lookup that reaches this line stops (exit 2)`,
    );
    return;
  }
  if (state.nestedUnbounded)
    ctx.report(
      col(0),
      'warning',
      'MAP_NESTED_QUANTIFIER',
      'an unbounded quantifier inside another (like (a+)+): a long principal can backtrack until the deadline',
    );
  const scitokens = asciiUpper(record.method) === 'SCITOKENS';
  if (!record.principal.startsWith('^') && !record.principal.startsWith('\\A')) {
    ctx.report(
      col(0),
      'warning',
      'MAP_UNANCHORED',
      'the regex has no leading ^: it matches anywhere in the principal, so an issuer that merely contains this text ' +
        'matches too',
    );
    return;
  }
  if (!scitokens) return;
  for (const dot of unescapedDots(raw))
    ctx.report(
      col(dot),
      'warning',
      'MAP_UNESCAPED_DOT',
      'an unescaped . in the issuer matches any byte ' +
        '(atlas-auth.web.cern.ch also matches atlas-authXweb…); write \\.',
    );
  if (!raw.includes(','))
    ctx.report(
      col(raw.length),
      'warning',
      'MAP_ISSUER_OPEN',
      'the issuer is not followed by , so an issuer that only starts with it matches too (…/egi also matches ' +
        '…/egi-evil); end the issuer with ,',
    );
}

/**
 * Lints one map file source. Throws a TokenmapError when the top file cannot be read (the caller reports
 * it where the file is named).
 */
export function lintMapfile(path: string, ctx: LintContext, excludeRegexp?: string): LintedMap {
  const exclude = compileExclude(excludeRegexp ?? DEFAULT_EXCLUDE);
  const loaded = loadMapFile(binaryFromText(path), ctx.reader, {
    hashKeys: ctx.hashKeys,
    exclude,
    includeFailures: 'warn',
  });
  const skipped = new Map<string, Set<number>>();
  for (const issue of loaded.issues) {
    const code = ISSUE_CODES[issue.code] ?? 'MAP_SYNTAX';
    ctx.report({ ...issue.pos, col: 1 }, 'error', code, issue.message);
    if (code === 'MAP_SYNTAX') {
      const set = skipped.get(issue.pos.file) ?? new Set<number>();
      set.add(issue.pos.line);
      skipped.set(issue.pos.file, set);
    }
  }
  const texts = new Map<string, Binary>();
  for (const file of loaded.files) {
    const text = binaryFromBytes(ctx.reader.read(binaryFromText(file)));
    texts.set(file, text);
    if (file !== path && /\.(bak|orig|save)$|\.swp$/.test(file))
      ctx.report(
        { file, line: 1, col: 1 },
        'warning',
        'MAP_BACKUP_FILE',
        'a backup file in an included directory is read like any other map file; delete it or move it away',
      );
    lineChecks(ctx, file, text, skipped.get(file) ?? new Set());
  }
  const { map } = compileMap(loaded.records, { eager: true });
  const index = new Map(loaded.records.map((r, i) => [r, i]));
  const entries = [...map.methods.values()]
    .flatMap((t) => t.entries)
    .sort((a, b) => (index.get(a.record) as number) - (index.get(b.record) as number));
  const facts = entries.map((e) => entryFact(ctx, e, texts));
  return { path, facts, files: loaded.files, map };
}

function entryFact(ctx: LintContext, entry: CompiledEntry, texts: Map<string, Binary>): MapFact {
  const { record } = entry;
  const text = texts.get(record.pos.file) ?? '';
  const lines = text.split('\n');
  const line = (lines[record.pos.line - 1] ?? '') + '\n';
  const method = readField(line, 0);
  const principal = readField(line, method.end, ctx.hashKeys);
  const canonical = readField(line, principal.end);
  const pos: LintPos = { file: record.pos.file, line: record.pos.line, col: principal.start + 1 };
  const fact: MapFact = { record, pos, prefix: null, ban: false, plugins: null };
  if (entry.kind === 'regex') {
    fact.state = regexState(entry);
    fact.prefix = anchoredPrefix(record.principal, record.caseless);
    const closing = principal.end - principal.flagText.length - 1;
    regexChecks(ctx, pos, record, line.slice(principal.start + 1, closing), fact.state);
  } else if (entry.kind === 'unsupported')
    ctx.report(
      pos,
      'error',
      'MAP_REGEX_UNSUPPORTED',
      `${entry.message}: a lookup that reaches this line stops (exit 2)`,
    );
  else if (
    asciiUpper(record.method) === 'SCITOKENS' &&
    (!record.principal.includes(',') || /[\^$*+?()[\]{}|]/.test(record.principal))
  )
    ctx.report(
      pos,
      'warning',
      'MAP_LITERAL_PRINCIPAL',
      `${show(record.principal)} is a literal principal (no /.../), compared whole with "<iss>,<sub>"; ` +
        (record.principal.includes(',') ? 'its regex characters are literal' : 'without a comma it never matches') +
        '; write /^<issuer>,<subject>$/ for a regex',
    );
  if (fact.prefix?.includes(',') && asciiUpper(record.method) === 'SCITOKENS')
    ctx.issuers.push({ issuer: fact.prefix.slice(0, fact.prefix.indexOf(',')), pos, what: 'map line' });
  else if (entry.kind === 'literal' && record.principal.includes(','))
    ctx.issuers.push({ issuer: record.principal.slice(0, record.principal.indexOf(',')), pos, what: 'map line' });
  canonicalChecks(ctx, fact, { ...pos, col: canonical.start + 1 });
  return fact;
}

function canonicalChecks(ctx: LintContext, fact: MapFact, pos: LintPos): void {
  const canonical = textFromBinary(fact.record.canonical);
  if (canonical.startsWith('PLUGIN:')) {
    const list = canonical.slice('PLUGIN:'.length);
    const star = list === '*';
    const names = star
      ? [...(ctx.plugins?.pluginNames ?? [])]
      : list
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean);
    fact.plugins = names.map((x) => x.toUpperCase());
    if (names.length === 0) {
      if (star && !ctx.plugins)
        ctx.report(
          pos,
          'note',
          'MAP_PLUGIN_EMPTY',
          'PLUGIN:* means SEC_SCITOKENS_PLUGIN_NAMES, which only the configuration ([htcondor] plugin_names) gives',
        );
      else
        ctx.report(
          pos,
          'error',
          'MAP_PLUGIN_EMPTY',
          `${JSON.stringify(canonical)} names no plugin${star ? ' ([htcondor] plugin_names is empty)' : ''}: ` +
            `HTCondor then uses the literal text as the user; write PLUGIN:NAME`,
        );
      return;
    }
    for (const name of names) {
      if (!/^[A-Za-z0-9]+$/.test(name))
        ctx.report(
          pos,
          'warning',
          'MAP_PLUGIN_NAME',
          `plugin name ${JSON.stringify(name)} is not alphanumeric, as HTCondor's documentation asks (it works, but ` +
            `knob names may not)`,
        );
      if (!ctx.plugins)
        ctx.report(
          pos,
          'note',
          'MAP_PLUGIN_UNCONFIGURED',
          `PLUGIN:${name} hands over to whatever the configuration's [plugin ${name}] says (not checked without ` +
            `--config)`,
        );
      else if (!ctx.plugins.names.has(name.toUpperCase()))
        ctx.report(
          pos,
          'error',
          'MAP_PLUGIN_UNCONFIGURED',
          `PLUGIN:${name} has no [plugin ${name}] section in the configuration: every token reaching this line fails ` +
            `(exit 2)`,
        );
    }
    return;
  }
  const { user, domain } = splitCanonical(canonical, 'users.htcondor.org');
  if (domain === BANNED_DOMAIN || domain === 'unmapped') {
    fact.ban = true;
    return;
  }
  if (parseTemplate(fact.record.canonical).usesNumberedGroups) return;
  const problem = accountRefusal(user, ctx.identity);
  if (problem) ctx.report(pos, 'error', 'ACCOUNT_UNSAFE', `${problem}; every token this line matches fails (exit 2)`);
}
