/**
 * The canonicalization template (MapFile.cpp PerformSubstitution): `\d` with one digit inserts group d when
 * that group exists, otherwise stays literally `\d`; a backslash and any other byte are copied together.
 */
import type { Binary } from '../bytes.js';

type Part = string | number;

export interface Template {
  parts: Part[];
  /** Uses any of `\1`-`\9` (group values that differ between engines in repeated groups matter). */
  usesNumberedGroups: boolean;
  /** Ends in a lone backslash: undefined behaviour in HTCondor, refused by tokenmap when it is used. */
  danglingBackslash: boolean;
  /** The canonical name itself when the template refers to no group at all (not even `\0`), else null. */
  fixed: Binary | null;
}

export function parseTemplate(text: Binary): Template {
  const parts: Part[] = [];
  let usesNumberedGroups = false;
  let danglingBackslash = false;
  let run = 0;
  for (let i = text.indexOf('\\'); i >= 0; i = text.indexOf('\\', i)) {
    const next = text[i + 1];
    if (next === undefined) {
      danglingBackslash = true;
      break;
    }
    if (next >= '0' && next <= '9') {
      if (i > run) parts.push(text.slice(run, i));
      parts.push(next.charCodeAt(0) - 48);
      if (next !== '0') usesNumberedGroups = true;
      run = i + 2;
    }
    // A backslash and any other byte are copied together (so `\\1` is not a substitution).
    i += 2;
  }
  if (run < text.length) parts.push(text.slice(run));
  const fixed = parts.every((p) => typeof p === 'string') ? parts.join('') : null;
  return { parts, usesNumberedGroups, danglingBackslash, fixed };
}

/** `groups` holds the groups that exist: 0..h, where h is the highest group that took part. */
export function applyTemplate(t: Template, groups: readonly Binary[]): Binary {
  let out = '';
  for (const p of t.parts) {
    if (typeof p === 'string') out += p;
    else out += p < groups.length ? groups[p] : '\\' + String(p);
  }
  return out;
}

/** The groups that exist after a RegExp match, in PCRE2's sense (rc = h + 1). */
export function existingGroups(m: RegExpExecArray): Binary[] {
  let h = m.length - 1;
  while (h > 0 && m[h] === undefined) h--;
  const groups: Binary[] = [m[0]];
  for (let i = 1; i <= h; i++) groups.push(m[i] ?? '');
  return groups;
}
