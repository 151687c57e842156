/** Whole text files (strict UTF-8) through the injected reader; any failure is one typed error naming the file. */
import { binaryFromText, decodeUtf8 } from '../bytes.js';
import { systemErrorText, TokenmapError, type ErrorCode } from '../errors.js';
import type { FileReader } from './reader.js';

export function readText(reader: FileReader, path: string, what: string, code: ErrorCode): string {
  return textOf(readBytes(reader, path, what, code), path, what, code);
}

/** A whole file's bytes through the injected reader; a failure is one typed error naming the file. */
export function readBytes(reader: FileReader, path: string, what: string, code: ErrorCode): Uint8Array {
  try {
    return reader.read(binaryFromText(path));
  } catch (e) {
    throw new TokenmapError(code, `cannot read ${what} (${systemErrorText(e)})`, { file: path, line: 0 });
  }
}

/** Bytes read from `path` as strict UTF-8 text, or the typed error naming the file. */
export function textOf(bytes: Uint8Array, path: string, what: string, code: ErrorCode): string {
  const text = decodeUtf8(bytes);
  if (text === null) throw new TokenmapError(code, `${what} ${path} is not valid UTF-8`, { file: path, line: 0 });
  return text;
}
