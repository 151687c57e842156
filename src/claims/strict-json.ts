/**
 * A JSON parser for token payloads that refuses what JSON.parse lets through silently: duplicate member
 * names at any depth (JSON.parse keeps the last, other parsers the first), unpaired surrogate escapes
 * (no UTF-8 form), invalid UTF-8, and nesting deep enough to exhaust the stack.
 */
import { decodeUtf8 } from '../bytes.js';
import { TokenmapError } from '../errors.js';

const MAX_DEPTH = 64;

export class MalformedJson extends TokenmapError {
  constructor(message: string) {
    super('CLAIMS_MALFORMED', message);
  }
}

/** Strict UTF-8 JSON text: invalid UTF-8 is malformed input. */
export function jsonText(bytes: Uint8Array, what: string): string {
  const text = decodeUtf8(bytes);
  if (text === null) throw new MalformedJson(`${what} is not valid UTF-8`);
  return text;
}

const WS = /[ \t\n\r]*/y;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const PLAIN = /[^"\\\u0000-\u001f]*/y;
const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

export function parseStrictJson(text: string, what = 'payload'): unknown {
  let i = 0;
  const fail = (msg: string): never => {
    throw new MalformedJson(`${what} is not valid JSON: ${msg} at offset ${i}`);
  };
  const ws = () => {
    WS.lastIndex = i;
    WS.exec(text);
    i = WS.lastIndex;
  };
  const str = (): string => {
    i++; // opening quote
    let out = '';
    for (;;) {
      PLAIN.lastIndex = i;
      const m = PLAIN.exec(text) as RegExpExecArray;
      out += m[0];
      i = PLAIN.lastIndex;
      const c = text[i];
      if (c === '"') {
        i++;
        return out;
      }
      if (c !== '\\') fail(c === undefined ? 'unterminated string' : 'control character in string');
      const e = text[i + 1];
      i += 2;
      const simple = e === undefined ? undefined : SIMPLE_ESCAPES[e];
      if (simple !== undefined) {
        out += simple;
        continue;
      }
      if (e !== 'u') fail('bad escape');
      const unit = (): number => {
        const hex = text.slice(i, i + 4);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('bad \\u escape');
        i += 4;
        return parseInt(hex, 16);
      };
      const u = unit();
      if (u >= 0xdc00 && u <= 0xdfff) fail('unpaired surrogate escape');
      if (u >= 0xd800 && u <= 0xdbff) {
        if (text.slice(i, i + 2) !== '\\u') fail('unpaired surrogate escape');
        i += 2;
        const low = unit();
        if (low < 0xdc00 || low > 0xdfff) fail('unpaired surrogate escape');
        out += String.fromCharCode(u, low);
      } else out += String.fromCharCode(u);
    }
  };
  const value = (depth: number): unknown => {
    if (depth > MAX_DEPTH) fail('nesting too deep');
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const obj: Record<string, unknown> = Object.create(null);
      const seen = new Set<string>();
      ws();
      if (text[i] === '}') {
        i++;
        return obj;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected a member name');
        const key = str();
        if (seen.has(key)) fail(`duplicate member name ${JSON.stringify(key)}`);
        seen.add(key);
        ws();
        if (text[i] !== ':') fail("expected ':'");
        i++;
        obj[key] = value(depth + 1);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return obj;
        }
        fail("expected ',' or '}'");
      }
    }
    if (c === '[') {
      i++;
      const arr: unknown[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return arr;
      }
      for (;;) {
        arr.push(value(depth + 1));
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return arr;
        }
        fail("expected ',' or ']'");
      }
    }
    if (c === '"') return str();
    for (const [word, v] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return v;
      }
    }
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (!m) fail('unexpected character');
    i = NUMBER.lastIndex;
    return Number((m as RegExpExecArray)[0]);
  };
  const v = value(0);
  ws();
  if (i < text.length) fail('trailing characters');
  return v;
}
