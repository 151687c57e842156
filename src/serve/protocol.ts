/**
 * The wire protocol between bin/tokenmap-callout and the service, chosen so that bash and curl can speak
 * it with no helper program. A request is `POST /v1/callout` with an
 * `application/x-www-form-urlencoded` body that curl's `--data-urlencode` writes: `arg=` once per
 * argument in order, `env=` the NUL-separated environment block (curl reads `/proc/self/environ`, which
 * keeps names with dots that bash cannot name), and `stdin=` the payload bytes when the client read
 * stdin (absent: stdin was a terminal, /dev/null or closed, which the cold path does not read either).
 *
 * The answer is one frame in the body, ending in `.` so that a shell's command substitution, which strips
 * trailing newlines, cannot change the bytes: `T <exit> <stdout bytes> <stderr bytes>\n<stdout><stderr>.`,
 * or `F <reason>\n.` when the service wants the client to run the cold path instead. The fast lane's
 * clients of version 2 get the sizes six digits wide (widenFrame).
 */

export interface CalloutRequest {
  args: string[];
  env: Record<string, string>;
  /** null: no stdin to read (a terminal); otherwise the exact bytes. */
  stdin: Buffer | null;
}

export interface Limits {
  /** The whole request body. */
  body: number;
  args: number;
  envEntries: number;
}

export const LIMITS: Limits = { body: 1 << 20, args: 256, envEntries: 4096 };

/**
 * The variables a callout reads: the token (BEARER_TOKEN_*), ARC's subject, and tokenmap's own. The rest
 * of the CE's environment is dropped on arrival.
 */
const KEPT_ENV = /^(BEARER_TOKEN_|X509_SUBJECT_NAME$|TOKENMAP_CONFIG$|TOKENMAP_DEBUG$)/;

export class BadRequest extends Error {
  override name = 'BadRequest';
}

function hex(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** Percent-decoding to bytes (never through a string, so that any byte survives); `+` is a space. */
export function percentDecode(b: Buffer, start: number, end: number): Buffer {
  const out = Buffer.allocUnsafe(end - start);
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = b[i] as number;
    if (c === 0x25) {
      const hi = hex(b[i + 1] ?? -1);
      const lo = hex(b[i + 2] ?? -1);
      if (i + 2 >= end || hi < 0 || lo < 0) throw new BadRequest('malformed percent escape');
      out[n++] = hi * 16 + lo;
      i += 2;
    } else out[n++] = c === 0x2b ? 0x20 : c;
  }
  return out.subarray(0, n);
}

/** `name=value` pairs in order; names are plain ASCII. */
export function decodeForm(body: Buffer): [string, Buffer][] {
  const pairs: [string, Buffer][] = [];
  for (let start = 0; start < body.length;) {
    let end = body.indexOf(0x26, start);
    if (end < 0) end = body.length;
    const eq = body.indexOf(0x3d, start);
    if (eq < 0 || eq > end) throw new BadRequest('a form field without =');
    pairs.push([body.toString('latin1', start, eq), percentDecode(body, eq + 1, end)]);
    start = end + 1;
  }
  return pairs;
}

/**
 * Adds the variable `block[start, end)` (`NAME=value`) to `env` when it is kept. Of duplicate names the
 * first wins (getenv(3), for an environment a program passed on), or with `lastWins` the last (bash's
 * import, for the raw environment bash itself was started with: what the cold path it execs would see).
 */
export function keepEntry(
  env: Record<string, string>,
  block: Buffer,
  start: number,
  end: number,
  lastWins = false,
): void {
  const eq = block.indexOf(0x3d, start);
  if (eq <= start || eq >= end) return;
  const name = block.toString('utf8', start, eq);
  if (KEPT_ENV.test(name) && (lastWins || !(name in env))) env[name] = block.toString('utf8', eq + 1, end);
}

/** The kept variables of a NUL-separated environment block. */
export function keptEnv(block: Buffer, limits: Limits = LIMITS): Record<string, string> {
  const env: Record<string, string> = {};
  let count = 0;
  for (let start = 0; start < block.length;) {
    let end = block.indexOf(0, start);
    if (end < 0) end = block.length;
    if (++count > limits.envEntries) throw new BadRequest('too many environment entries');
    keepEntry(env, block, start, end);
    start = end + 1;
  }
  return env;
}

export function decodeRequest(body: Buffer, limits: Limits = LIMITS): CalloutRequest {
  if (body.length > limits.body) throw new BadRequest(`request over ${limits.body} bytes`);
  const req: CalloutRequest = { args: [], env: {}, stdin: null };
  let envSeen = false;
  for (const [name, value] of decodeForm(body)) {
    if (name === 'arg') {
      if (req.args.length >= limits.args) throw new BadRequest('too many arguments');
      if (value.includes(0)) throw new BadRequest('an argument holds a NUL byte');
      req.args.push(value.toString('utf8'));
    } else if (name === 'env' && !envSeen) {
      envSeen = true;
      req.env = keptEnv(value, limits);
    } else if (name === 'stdin' && req.stdin === null) req.stdin = value;
    else throw new BadRequest(`unexpected or repeated field ${JSON.stringify(name.slice(0, 40))}`);
  }
  return req;
}

export interface CalloutAnswer {
  code: number;
  stdout: Buffer;
  stderr: Buffer;
}

/** Digits of each size in a wide T frame; an answer too large for them is an error, never a frame. */
const SIZE_DIGITS = 6;

/** The T frame of an answer; with `digits`, each size zero-padded to that width (widenFrame). */
export function answerFrame(a: CalloutAnswer, digits = 0): Buffer {
  const size = (n: number) => {
    const s = String(n);
    if (digits && s.length > digits) throw new Error(`an answer of ${s} bytes does not fit a frame`);
    return s.padStart(digits, '0');
  };
  return Buffer.concat([
    Buffer.from(`T ${a.code} ${size(a.stdout.length)} ${size(a.stderr.length)}\n`),
    a.stdout,
    a.stderr,
    Buffer.from('.'),
  ]);
}

/**
 * The frame with its two sizes six digits wide (`T 0 000012 000000`), for a fast-lane client that asked
 * for it (record-request.ts): one bash pattern then checks the whole header. A fallback frame is as it is.
 * The deciders hand frames across the evaluator thread's boundary, so the lane widens the frame it gets.
 */
export function widenFrame(frame: Buffer): Buffer {
  const a = parseFrame(frame);
  return a && 'code' in a ? answerFrame(a, SIZE_DIGITS) : frame;
}

/** Reasons are fixed words (they become metric labels and the client logs them). */
export type FallbackReason =
  | 'not-served'
  | 'relative-path'
  | 'over-budget'
  | 'not-loaded'
  | 'overloaded'
  | 'bad-request'
  | 'timeout'
  | 'bad-answer'
  | 'no-answer';

export const FALLBACK_REASONS: readonly FallbackReason[] = [
  'not-served',
  'relative-path',
  'over-budget',
  'not-loaded',
  'overloaded',
  'bad-request',
  'timeout',
  'bad-answer',
  'no-answer',
];

export const fallbackFrame = (reason: FallbackReason): Buffer => Buffer.from(`F ${reason}\n.`);

/** The inverse of the frames, for Node clients (tests, bench, `tokenmap status` does not need it). */
export function parseFrame(body: Buffer): CalloutAnswer | { fallback: string } | null {
  const nl = body.indexOf(0x0a);
  if (nl < 0 || body[body.length - 1] !== 0x2e) return null;
  const head = body.toString('latin1', 0, nl);
  const f = /^F ([a-z-]+)$/.exec(head);
  if (f) return { fallback: f[1] as string };
  const m = /^T ([0-2]) (0|[1-9][0-9]*|[0-9]{6}) (0|[1-9][0-9]*|[0-9]{6})$/.exec(head);
  if (!m) return null;
  const olen = Number(m[2]);
  const elen = Number(m[3]);
  if (nl + 1 + olen + elen + 1 !== body.length) return null;
  return {
    code: Number(m[1]),
    stdout: body.subarray(nl + 1, nl + 1 + olen),
    stderr: body.subarray(nl + 1 + olen, nl + 1 + olen + elen),
  };
}
