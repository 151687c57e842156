/**
 * The directory entry that names a leaseholder: `~` and the lease key's fields (by default `iss` and `sub`),
 * each percent-encoded over its UTF-8 bytes and joined with `,`. Only `[A-Za-z0-9._-]` stays as it is, so
 * `/`, `~`, `,`, `+` and `%` never appear raw: no key leaves the directory or looks like `.` or `..`, and
 * two keys get one name only if they are equal (`a/b` is `a%2Fb`, `a%2Fb` is `a%252Fb`). A name that would
 * pass MAX_HOLDER_NAME bytes keeps a readable start and ends in `+` and the SHA-256 of the whole encoding.
 */

export const HOLDER_PREFIX = '~';
/** Leaves room under NAME_MAX (255) for the removal entry that carries a holder name (lease-names.ts). */
export const MAX_HOLDER_NAME = 180;
const READABLE = MAX_HOLDER_NAME - 1 - 1 - 64;

const KEEP = /[A-Za-z0-9._-]/;

export function encodeField(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += byte < 0x80 && KEEP.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export function holderName(fields: readonly string[]): string {
  const encoded = fields.map(encodeField).join(',');
  if (HOLDER_PREFIX.length + encoded.length <= MAX_HOLDER_NAME) return HOLDER_PREFIX + encoded;
  let cut = READABLE;
  // Never cut a %XX in two.
  const pct = encoded.lastIndexOf('%', cut);
  if (pct > cut - 3) cut = pct;
  // node:crypto only for the rare long key: a callout otherwise never loads it.
  const { createHash } = process.getBuiltinModule('node:crypto');
  return `${HOLDER_PREFIX}${encoded.slice(0, cut)}+${createHash('sha256').update(encoded).digest('hex')}`;
}

export function isHolderName(name: string): boolean {
  return name.startsWith(HOLDER_PREFIX);
}

export interface HolderDescription {
  /** The key's fields, decoded (U+FFFD for bytes that are not UTF-8); a hashed name gives only its start. */
  fields: string[];
  /** The name ends in a hash: `fields` are the start of the key only. */
  hashed: boolean;
}

export function describeHolder(name: string): HolderDescription {
  const body = name.slice(HOLDER_PREFIX.length);
  const plus = body.indexOf('+');
  const readable = plus < 0 ? body : body.slice(0, plus);
  const decode = (f: string) =>
    Buffer.from(
      f.replace(/%([0-9A-Fa-f]{2})|[^%]/g, (m, hex: string | undefined) =>
        hex === undefined ? m : String.fromCharCode(parseInt(hex, 16)),
      ),
      'latin1',
    ).toString('utf8');
  return { fields: readable.split(',').map(decode), hashed: plus >= 0 };
}
