/**
 * WLCG Bearer Token Discovery (shared/spec/tokens.md §14): BEARER_TOKEN, BEARER_TOKEN_FILE,
 * $XDG_RUNTIME_DIR/bt_u$ID, /tmp/bt_u$ID, in that order. Empty candidates are skipped; the first
 * non-empty one must be an RFC 6750 b64token or discovery stops with an error naming its source.
 * Token files are opened without following a final symlink, read up to 16 KiB, and refused when someone
 * other than the owner or root may write them.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { systemErrorText, TokenmapError } from '../errors.js';

const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
const MAX_FILE = 16 * 1024;

/** The discovery steps, in order (tokens.md §14). */
export type DiscoveryStep = 'BEARER_TOKEN' | 'BEARER_TOKEN_FILE' | 'XDG_RUNTIME_DIR' | '/tmp';

export interface Discovered {
  token: string;
  /** Where it was found, for people: `BEARER_TOKEN`, `BEARER_TOKEN_FILE (/path)`, `/tmp/bt_u1000`. */
  source: string;
  step: DiscoveryStep;
  /** The file it was read from (every step but BEARER_TOKEN). */
  path?: string;
  warnings: string[];
}

function readTokenFile(path: string, euid: number, warnings: string[]): string | null {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new TokenmapError('TOKEN_UNREADABLE', `cannot open token file (${systemErrorText(e)})`, {
      file: path,
      line: 0,
    });
  }
  try {
    const st = fstatSync(fd);
    if (st.uid !== euid && st.uid !== 0 && (st.mode & 0o022) !== 0)
      throw new TokenmapError('TOKEN_UNSAFE', 'token file is writable by someone other than its owner; refused', {
        file: path,
        line: 0,
      });
    if ((st.mode & 0o022) !== 0)
      throw new TokenmapError('TOKEN_UNSAFE', 'token file is writable by group or others; refused', {
        file: path,
        line: 0,
      });
    if (st.uid !== euid) warnings.push(`${path}: token file is not owned by uid ${euid}`);
    if ((st.mode & 0o044) !== 0) warnings.push(`${path}: token file is readable by group or others`);
    const buf = Buffer.alloc(MAX_FILE);
    const n = readSync(fd, buf, 0, MAX_FILE, null);
    return buf.subarray(0, n).toString('latin1');
  } finally {
    closeSync(fd);
  }
}

/** A failure at one discovery step (an unsafe or unreadable file, a value that is no token): which one. */
export class DiscoveryFailure extends TokenmapError {
  constructor(
    e: TokenmapError,
    readonly step: DiscoveryStep,
    readonly path: string | undefined,
  ) {
    super(e.code, e.message, e.pos);
  }
}

export function discoverToken(env: Readonly<Record<string, string | undefined>>, euid: number): Discovered {
  const warnings: string[] = [];
  const file = (path: string) => () => readTokenFile(path, euid, warnings);
  const xdg = env.XDG_RUNTIME_DIR ? `${env.XDG_RUNTIME_DIR}/bt_u${euid}` : undefined;
  const candidates: [DiscoveryStep, string | undefined, () => string | null][] = [
    ['BEARER_TOKEN', undefined, () => env.BEARER_TOKEN ?? null],
    [
      'BEARER_TOKEN_FILE',
      env.BEARER_TOKEN_FILE || undefined,
      env.BEARER_TOKEN_FILE ? file(env.BEARER_TOKEN_FILE) : () => null,
    ],
    ['XDG_RUNTIME_DIR', xdg, xdg ? file(xdg) : () => null],
    ['/tmp', `/tmp/bt_u${euid}`, file(`/tmp/bt_u${euid}`)],
  ];
  for (const [step, path, read] of candidates) {
    const source =
      step === 'BEARER_TOKEN' ? step : step === 'BEARER_TOKEN_FILE' ? `${step} (${path})` : (path as string);
    let value: string | undefined;
    try {
      value = read()?.replace(/^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g, '');
      if (value && !B64TOKEN.test(value))
        throw new TokenmapError(
          'TOKEN_INVALID',
          `the token found in ${source} is not a valid bearer token (RFC 6750 b64token; whitespace inside?)`,
        );
    } catch (e) {
      throw e instanceof TokenmapError ? new DiscoveryFailure(e, step, path) : e;
    }
    if (value) return { token: value, source, step, path, warnings };
  }
  throw new TokenmapError(
    'TOKEN_NOT_FOUND',
    'no token found: give TOKEN, --token-file, --claims, --arc-subject or --from-env, ' +
      'or set BEARER_TOKEN / BEARER_TOKEN_FILE (WLCG Bearer Token Discovery)',
  );
}
