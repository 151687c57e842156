/** A whole text file (strict UTF-8) through the injected reader; any failure is one typed error naming the file. */
import { binaryFromText, decodeUtf8 } from '../bytes.js';
import { systemErrorText, TokenmapError, type ErrorCode } from '../errors.js';
import type { FileReader } from './reader.js';

export function readText(reader: FileReader, path: string, what: string, code: ErrorCode): string {
  let bytes: Uint8Array;
  try {
    bytes = reader.read(binaryFromText(path));
  } catch (e) {
    throw new TokenmapError(code, `cannot read ${what} (${systemErrorText(e)})`, { file: path, line: 0 });
  }
  const text = decodeUtf8(bytes);
  if (text === null) throw new TokenmapError(code, `${what} ${path} is not valid UTF-8`, { file: path, line: 0 });
  return text;
}
