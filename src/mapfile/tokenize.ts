/**
 * HTCondor's map file field tokenizer (MapFile.cpp ParseField), byte for byte.
 *
 * A line is a binary string that still holds its LF, because an unterminated quoted or slash field runs to
 * the end of the line *including* the LF, and HTCondor keeps that LF in the value.
 */
import type { Binary } from '../bytes.js';

export type FieldForm = 'bare' | 'quoted' | 'slash';

export interface Field {
  value: Binary;
  form: FieldForm;
  /** Offset of the first byte of the field (its opening delimiter, if any). */
  start: number;
  /** Offset just past the field (and past any flag letters). */
  end: number;
  /** False when a quoted or slash field never found its closing delimiter. */
  terminated: boolean;
  /** Slash fields only: PCRE2_CASELESS (`i`) and PCRE2_UNGREEDY (`U`) letters after the closing `/`. */
  caseless: boolean;
  ungreedy: boolean;
  /** Slash fields only: the flag letters as written (`iU`, ...). */
  flagText: string;
  /** A backslash was the last byte of the file inside a quoted or slash field (HTCondor reads past the end). */
  backslashAtEof: boolean;
}

const isSep = (c: string | undefined) => c === ' ' || c === '\t' || c === '\n';
const QUOTED_PAIR = /\\([\\"])/g;
const SLASH_PAIR = /\\([\\/])/g;

/**
 * Reads one field starting at `offset`. `slashIsRegex` is true only for the principal field in
 * ASSUME_HASH_KEYS mode; everywhere else a leading `/` is an ordinary byte.
 */
export function readField(line: Binary, offset: number, slashIsRegex = false): Field {
  let i = offset;
  while (i < line.length && isSep(line[i])) i++;
  const start = i;
  const first = line[i];
  const form: FieldForm = first === '"' ? 'quoted' : slashIsRegex && first === '/' ? 'slash' : 'bare';
  const field: Field = {
    value: '',
    form,
    start,
    end: i,
    terminated: true,
    caseless: false,
    ungreedy: false,
    flagText: '',
    backslashAtEof: false,
  };
  if (form === 'bare') {
    while (i < line.length && !isSep(line[i])) i++;
    field.value = line.slice(start, i);
    field.end = i;
    return field;
  }
  const delim = form === 'quoted' ? '"' : '/';
  const from = i + 1;
  // The closing delimiter is the first one that is not the second byte of a backslash pair (pairs are read
  // left to right). Found with indexOf and cut out in one piece: a value built byte run by byte run is a
  // deep rope, and ten thousand of them alive at once cost the load most of its time in the collector.
  let close = -1;
  let lone = -1;
  let next = line.indexOf(delim, from);
  for (let at = from; ;) {
    const bs = line.indexOf('\\', at);
    if (bs < 0 || (next >= 0 && next < bs)) {
      close = next;
      break;
    }
    if (bs + 1 >= line.length) {
      // HTCondor appends the string's NUL terminator here; tokenmap refuses the line instead.
      lone = bs;
      break;
    }
    at = bs + 2;
    if (next >= 0 && next < at) next = line.indexOf(delim, at);
  }
  const raw = line.slice(from, lone >= 0 ? lone : close >= 0 ? close : line.length);
  // \<delim> and \\ drop the backslash; any other pair keeps both bytes.
  const out = raw.includes('\\') ? raw.replace(form === 'quoted' ? QUOTED_PAIR : SLASH_PAIR, '$1') : raw;
  field.terminated = false;
  if (lone >= 0) {
    field.backslashAtEof = true;
    i = lone + 1;
  } else if (close >= 0) {
    field.terminated = true;
    i = close + 1;
    if (form === 'slash') {
      const flagStart = i;
      while (line[i] === 'i' || line[i] === 'U') {
        if (line[i] === 'i') field.caseless = true;
        else field.ungreedy = true;
        i++;
      }
      field.flagText = line.slice(flagStart, i);
    }
  } else i = line.length;
  field.value = out;
  field.end = i;
  return field;
}
