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
  // Copy runs between escapes with slice: building the value byte by byte makes deep ropes.
  let out = '';
  i++;
  let run = i;
  field.terminated = false;
  while (i < line.length) {
    const c = line[i] as string;
    if (c === delim) {
      out += line.slice(run, i);
      i++;
      field.terminated = true;
      if (form === 'slash') {
        const flagStart = i;
        while (line[i] === 'i' || line[i] === 'U') {
          if (line[i] === 'i') field.caseless = true;
          else field.ungreedy = true;
          i++;
        }
        field.flagText = line.slice(flagStart, i);
      }
      break;
    }
    if (c === '\\') {
      out += line.slice(run, i);
      if (i + 1 >= line.length) {
        // HTCondor appends the string's NUL terminator here; tokenmap refuses the line instead.
        field.backslashAtEof = true;
        i++;
        run = i;
        break;
      }
      const next = line[i + 1] as string;
      // \<delim> and \\ drop the backslash; any other pair keeps both bytes.
      out += next === delim || next === '\\' ? next : c + next;
      i += 2;
      run = i;
      continue;
    }
    i++;
  }
  if (!field.terminated && !field.backslashAtEof) out += line.slice(run, i);
  field.value = out;
  field.end = i;
  return field;
}
