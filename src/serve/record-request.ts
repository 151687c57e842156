/**
 * The request form of the loopback TCP lane (lane.ts), chosen so that bash writes it with one `printf`
 * and no helper program: NUL-terminated records, each a tag byte and its text. NUL is the one byte that
 * none of the fields can hold (arguments and environment entries are C strings; the client forwards only
 * a stdin without NUL), so the framing needs no escaping:
 *
 *   tokenmap-callout/2 \0   a<argument> \0 ...   e<NAME=value> \0 ...   [s<stdin bytes> \0]   . \0
 *
 * `e` records are the entries of bash's own /proc/self/environ (dotted names included), as it was started:
 * only the kept ones survive, as on the Unix socket, and of duplicate names the last, as bash keeps it for
 * the programs it runs (the cold path). No `s` record: the client had no stdin to read. The answer is the
 * frame of the Unix socket (protocol.ts) with its sizes six digits wide; to a `tokenmap-callout/1` request
 * (the client of the version before, until both are upgraded) the frame as on the Unix socket.
 */
import { BadRequest, LIMITS, keepEntry, type CalloutRequest, type Limits } from './protocol.js';

/** What bin/tokenmap-callout sends: version 2 reads the answer frame with wide sizes (protocol.ts widenFrame). */
export const RECORD_MAGIC = 'tokenmap-callout/2';
/** A client of the version before, until the service and it are both upgraded: the plain frame. */
const VERSION_1 = 'tokenmap-callout/1';

export interface LaneRequest extends CalloutRequest {
  /** The answer frame with six-digit sizes (a version 2 client). */
  wideFrame: boolean;
}
const END = Buffer.from('\0.\0', 'latin1');

/** Where a complete request ends in `buf` (the index after its end record), or -1 while it is incomplete. */
export function requestEnd(buf: Buffer): number {
  const at = buf.indexOf(END);
  return at < 0 ? -1 : at + END.length;
}

export function decodeRecords(buf: Buffer, limits: Limits = LIMITS): LaneRequest {
  if (buf.length > limits.body) throw new BadRequest(`request over ${limits.body} bytes`);
  const end = requestEnd(buf);
  if (end !== buf.length) throw new BadRequest(end < 0 ? 'no end record' : 'bytes after the end record');
  const magicEnd = buf.indexOf(0);
  const magic = buf.toString('latin1', 0, magicEnd);
  if (magic !== RECORD_MAGIC && magic !== VERSION_1) throw new BadRequest('not a tokenmap-callout request');
  const req: LaneRequest = { args: [], env: {}, stdin: null, wideFrame: magic === RECORD_MAGIC };
  let envEntries = 0;
  // Every record up to the end record (the last three bytes are its NUL, `.`, NUL).
  for (let start = magicEnd + 1; start < buf.length - 2;) {
    const stop = buf.indexOf(0, start);
    const tag = buf[start];
    if (tag === 0x61) {
      if (req.args.length >= limits.args) throw new BadRequest('too many arguments');
      req.args.push(buf.toString('utf8', start + 1, stop));
    } else if (tag === 0x65) {
      if (++envEntries > limits.envEntries) throw new BadRequest('too many environment entries');
      keepEntry(req.env, buf, start + 1, stop, true);
    } else if (tag === 0x73 && req.stdin === null) req.stdin = buf.subarray(start + 1, stop);
    else
      throw new BadRequest(`unexpected or repeated record ${JSON.stringify(buf.toString('latin1', start, start + 1))}`);
    start = stop + 1;
  }
  return req;
}
