/**
 * Map files, principals and canonical names are byte strings (as in HTCondor). In JavaScript they are held
 * as "binary strings": one UTF-16 code unit per byte, 0x00-0xFF.
 */
import { isUtf8 } from 'node:buffer';

export type Binary = string;

export const binaryFromBytes = (b: Uint8Array): Binary =>
  Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
export const binaryFromText = (s: string): Binary => Buffer.from(s, 'utf8').toString('latin1');
export const bytesFromBinary = (s: Binary): Buffer => Buffer.from(s, 'latin1');
/** For display and JSON: invalid UTF-8 becomes U+FFFD. */
export const textFromBinary = (s: Binary): string => (isAscii(s) ? s : bytesFromBinary(s).toString('utf8'));

/** textFromBinary(binaryFromBytes(b)) in one native step, without the latin1 copy and the ASCII scan. */
export const textFromBytes = (b: Uint8Array): string =>
  Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8');

export function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

// Module-level: a regex literal in a function body is a new RegExp object on every call.
const HAS_UPPER = /[A-Z]/;
const HAS_LOWER = /[a-z]/;
const UPPER = /[A-Z]/g;
const LOWER = /[a-z]/g;
const lowerOf = (c: string) => String.fromCharCode(c.charCodeAt(0) | 0x20);
const upperOf = (c: string) => String.fromCharCode(c.charCodeAt(0) & ~0x20);

/** ASCII-only lower-casing: bytes 0x80-0xFF never fold (C locale). */
export function asciiLower(s: string): string {
  return HAS_UPPER.test(s) ? s.replace(UPPER, lowerOf) : s;
}

export function asciiUpper(s: string): string {
  return HAS_LOWER.test(s) ? s.replace(LOWER, upperOf) : s;
}

/** Shortens text for a one-line diagnostic (a regex or a name may be megabytes long). */
export function clip(s: string, max = 120): string {
  return s.length <= max ? s : `${s.slice(0, max)}... (${s.length} characters)`;
}

/** Strict UTF-8, or null when the bytes are not (a fatal TextDecoder costs a callout its ICU set-up). */
export function decodeUtf8(bytes: Uint8Array): string | null {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return isUtf8(buf) ? buf.toString('utf8') : null;
}

/**
 * Characters that must not reach a terminal raw from a token, a claim or a file: C0 and C1 controls (ESC
 * starts terminal escape sequences), DEL, bidirectional overrides and isolates, line and paragraph
 * separators, the BOM, and lone surrogates.
 */
const UNPRINTABLE = new RegExp(
  [
    '[\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u200e\\u200f\\u2028-\\u202e\\u2066-\\u2069\\ufeff]',
    '[\\ud800-\\udbff](?![\\udc00-\\udfff])',
    '(?<![\\ud800-\\udbff])[\\udc00-\\udfff]',
  ].join('|'),
  'g',
);

/** Text safe to print on one terminal line: every unprintable character written as `\uXXXX`. */
export function printable(s: string): string {
  return s.replace(UNPRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
