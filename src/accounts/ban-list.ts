/**
 * Ban lists: files an admin edits to refuse an identity or revoke one token on every CE that reads them,
 * without a restart (they are read on every decision). One entry per line, `#` starts a comment (a field
 * starting with `#`; a `#` inside a field, as in an entitlement's `#aai.egi.eu`, is part of it):
 *
 *   subject <iss> <sub>      one identity
 *   issuer <iss>             everything an issuer signs
 *   jti <jti>                one token (revocation)
 *   entitlement <urn>        everyone asserting (or requesting) an entitlement
 *
 * A field may be written as a JSON string ("a b", "\u00e9") when it holds spaces. Issuers compare without
 * one trailing slash (a ban on either spelling bans both); entitlements by RFC 8141 equivalence, and a ban
 * without `#authority` covers every authority. Every entry and every problem names FILE:LINE.
 */
import type { Claims } from '../claims/claims.js';
import { parseEntitlement } from '../claims/entitlement.js';
import { firstOf, formatPos, type SourcePos } from '../errors.js';

export type BanEntry =
  | { kind: 'subject'; iss: string; sub: string; pos: SourcePos }
  | { kind: 'issuer'; iss: string; pos: SourcePos }
  | { kind: 'jti'; jti: string; pos: SourcePos }
  | { kind: 'entitlement'; urn: string; pos: SourcePos };

export interface BanList {
  file: string;
  entries: BanEntry[];
  /** Entries by what they ban (the first line for each), so a decision costs no more for a long list. */
  subjects: Map<string, BanEntry>;
  issuers: Map<string, BanEntry>;
  jtis: Map<string, BanEntry>;
  /**
   * Entitlement bans by canonical URN: the first without an authority (it bans every authority) and the
   * first for each authority. A token's entitlement is then two lookups, whatever the list holds (a
   * search of every ban on the same URN made long lists against long claims cost their product).
   */
  entitlements: Map<string, EntitlementBans>;
}

type EntitlementBan = BanEntry & { kind: 'entitlement' };
interface EntitlementBans {
  anyAuthority?: EntitlementBan;
  byAuthority: Map<string, EntitlementBan>;
}

export interface BanProblem {
  pos: SourcePos;
  message: string;
}

const ARITY: Record<BanEntry['kind'], number> = { subject: 2, issuer: 1, jti: 1, entitlement: 1 };

/** Whitespace-separated fields; a JSON string is one field; a field starting with `#` ends the line. */
function fields(line: string): string[] | string {
  const out: string[] = [];
  let i = 0;
  while (i < line.length) {
    if (line[i] === ' ' || line[i] === '\t') {
      i++;
      continue;
    }
    if (line[i] === '#') break;
    if (line[i] === '"') {
      const m = /^"(?:[^"\\\u0000-\u001f]|\\.)*"/.exec(line.slice(i));
      if (!m) return `unterminated or invalid quoted field at column ${i + 1}`;
      try {
        out.push(JSON.parse(m[0]) as string);
      } catch {
        return `invalid quoted field at column ${i + 1}`;
      }
      i += m[0].length;
      if (i < line.length && line[i] !== ' ' && line[i] !== '\t')
        return `a quoted field must be followed by a space (column ${i + 1})`;
      continue;
    }
    let j = i;
    while (j < line.length && line[j] !== ' ' && line[j] !== '\t') j++;
    out.push(line.slice(i, j));
    i = j;
  }
  return out;
}

const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/;

/** `fields` for a line without quotes. */
function plainFields(line: string): string[] {
  const out = line.split(/[ \t]+/);
  if (out[0] === '') out.shift();
  const comment = out.findIndex((f) => f.startsWith('#'));
  if (comment >= 0) out.length = comment;
  else if (out[out.length - 1] === '') out.pop();
  return out;
}

export function parseBanList(text: string, file: string): { list: BanList; problems: BanProblem[] } {
  const entries: BanEntry[] = [];
  const problems: BanProblem[] = [];
  // Read on every callout, cold: one scan for control characters, native splits unless a line quotes.
  const control = CONTROL.test(text);
  text.split('\n').forEach((raw, n) => {
    const pos = { file, line: n + 1 };
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (control && CONTROL.test(line)) {
      problems.push({ pos, message: 'control character in a ban list line' });
      return;
    }
    const f = line.includes('"') ? fields(line) : plainFields(line);
    if (typeof f === 'string') {
      problems.push({ pos, message: f });
      return;
    }
    if (f.length === 0) return;
    const [kind, ...values] = f as [string, ...string[]];
    if (!Object.hasOwn(ARITY, kind)) {
      problems.push({
        pos,
        message:
          `unknown ban ${JSON.stringify(kind)} ` + '(subject <iss> <sub>, issuer <iss>, jti <jti>, entitlement <urn>)',
      });
      return;
    }
    const want = ARITY[kind as BanEntry['kind']];
    if (values.length !== want || values.some((v) => v === '')) {
      problems.push({
        pos,
        message: `${kind} takes ${want === 1 ? 'one value' : 'two values'} (has ${values.length})`,
      });
      return;
    }
    const [a, b] = values as [string, string];
    if (kind === 'subject') entries.push({ kind, iss: a, sub: b, pos });
    else if (kind === 'issuer') entries.push({ kind, iss: a, pos });
    else if (kind === 'jti') entries.push({ kind, jti: a, pos });
    else entries.push({ kind: 'entitlement', urn: a, pos });
  });
  return { list: indexed(file, entries), problems };
}

const bareIssuer = (iss: string) => (iss.endsWith('/') ? iss.slice(0, -1) : iss);
const subjectKey = (iss: string, sub: string) => `${bareIssuer(iss)}\0${sub}`;

function indexed(file: string, entries: BanEntry[]): BanList {
  const list: BanList = {
    file,
    entries,
    subjects: new Map(),
    issuers: new Map(),
    jtis: new Map(),
    entitlements: new Map(),
  };
  const first = <K>(m: Map<K, BanEntry>, k: K, e: BanEntry) => void (m.has(k) || m.set(k, e));
  for (const e of entries) {
    if (e.kind === 'subject') first(list.subjects, subjectKey(e.iss, e.sub), e);
    else if (e.kind === 'issuer') first(list.issuers, bareIssuer(e.iss), e);
    else if (e.kind === 'jti') first(list.jtis, e.jti, e);
    else {
      const { canonical, authority } = parseEntitlement(e.urn);
      let bans = list.entitlements.get(canonical);
      if (!bans) list.entitlements.set(canonical, (bans = { byAuthority: new Map() }));
      if (authority === '') bans.anyAuthority ??= e;
      else first(bans.byAuthority, authority, e);
    }
  }
  return list;
}

/** The entries of one list that refuse these claims. */
function matches(l: BanList, c: Claims): BanEntry[] {
  const out: (BanEntry | undefined)[] = [];
  if (c.iss !== undefined) {
    out.push(l.issuers.get(bareIssuer(c.iss)));
    if (c.sub !== undefined) out.push(l.subjects.get(subjectKey(c.iss, c.sub)));
  } else if (c.arcSubject !== undefined) {
    // ARC 6: only `<iss>/<sub>`, never split. A subject ban compares it whole (either spelling of the
    // issuer); an issuer ban refuses every subject under that issuer's prefix (fail closed).
    const d = c.arcSubject;
    for (const e of l.entries)
      if (
        e.kind === 'issuer'
          ? d.startsWith(`${bareIssuer(e.iss)}/`)
          : e.kind === 'subject' && (d === `${bareIssuer(e.iss)}/${e.sub}` || d === `${bareIssuer(e.iss)}//${e.sub}`)
      )
        out.push(e);
  }
  if (c.jti !== undefined) out.push(l.jtis.get(c.jti));
  for (const x of c.entitlements) {
    const bans = l.entitlements.get(x.canonical);
    if (bans) out.push(bans.anyAuthority, bans.byAuthority.get(x.authority));
  }
  return out.filter((e): e is BanEntry => e !== undefined);
}

/** The first entry (in list order, then line order) that refuses these claims, or null. */
export function findBan(lists: readonly BanList[], c: Claims): BanEntry | null {
  for (const l of lists) {
    const hit = matches(l, c).sort((a, b) => a.pos.line - b.pos.line)[0];
    if (hit) return hit;
  }
  return null;
}

export function describeBan(e: BanEntry): string {
  const what =
    e.kind === 'subject'
      ? `subject ${JSON.stringify(e.sub)} of ${JSON.stringify(e.iss)}`
      : e.kind === 'issuer'
        ? `issuer ${JSON.stringify(e.iss)}`
        : e.kind === 'jti'
          ? `token jti ${JSON.stringify(e.jti)} (revoked)`
          : `entitlement ${JSON.stringify(e.urn)}`;
  return `banned by ${formatPos(e.pos)} (${what})`;
}

/**
 * One ban list, parsed. A list with a syntax error fails the decision (as one that cannot be read does):
 * a ban that cannot be checked must not let anyone through.
 */
export function banListFrom(text: string, file: string): BanList {
  const { list, problems } = parseBanList(text, file);
  const invalid = firstOf('BANS_INVALID', problems);
  if (invalid) throw invalid;
  return list;
}

/**
 * Where a decision's ban lists come from: each read now, and parsed (the cold path), or read now and
 * parsed only when its bytes changed (serve).
 */
export type BanSource = (
  files: readonly string[],
  read: (file: string) => Uint8Array,
  parse: (bytes: Uint8Array, file: string) => BanList,
) => BanList[];

/** Every ban list, read now: an admin's edit takes effect on the next decision. */
export const readBanLists: BanSource = (files, read, parse) => files.map((file) => parse(read(file), file));
