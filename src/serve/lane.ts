/**
 * The fast lane: the service also answers on a privileged loopback TCP port, which bash reaches through
 * /dev/tcp with no curl and no stat (bin/tokenmap-callout --port). Trust comes from the port: only root
 * or a process with CAP_NET_BIND_SERVICE can bind one below ip_unprivileged_port_start (lane-port.ts).
 * One request per connection (record-request.ts), answered with the frame of protocol.ts, by the same
 * handler as the Unix socket. Every connection is bounded in size and time before any of it is decoded,
 * and all of them together in number and buffered bytes;
 * a malformed, oversized or slow request gets `F bad-request` (the client runs the cold path) or is
 * closed, on its own connection only.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { Metrics } from './metrics.js';
import { BadRequest, LIMITS, fallbackFrame, widenFrame, type CalloutRequest } from './protocol.js';
import { decodeRecords, requestEnd, type LaneRequest } from './record-request.js';

/**
 * Every connection is closed this long after it was accepted, whatever it sends: a deadline, not an idle
 * timer, so that a trickle of bytes cannot hold one. The client sends its request in one write right
 * after connecting and waits for the answer at most $TOKENMAP_CALLOUT_TIMEOUT (2 s by default).
 */
export const REQUEST_TIMEOUT_MS = 5_000;
/**
 * Connections open at once; beyond it the kernel's next one is closed at once and its client falls back.
 * A callout holds one for milliseconds, so this many is far above any CE's rate, and it keeps the lane's
 * descriptors well below LimitNOFILE beside the socket's own MAX_CONNECTIONS.
 */
export const LANE_MAX_CONNECTIONS = 256;
/** Bytes of unfinished requests held across all connections; a chunk beyond it ends its connection. */
export const LANE_BUFFER_BUDGET = 32 << 20;

export function createLane(
  callout: (req: CalloutRequest) => Promise<Buffer>,
  metrics: Metrics,
  log: (line: string) => void,
): Server {
  let buffered = 0;
  const server = createServer({ noDelay: true }, (socket: Socket) => {
    const chunks: Buffer[] = [];
    let total = 0;
    let done = false;
    const release = () => {
      buffered -= total;
      total = 0;
      chunks.length = 0;
    };
    const refuse = (status: number, why: string) => {
      done = true;
      release();
      metrics.refuse(status);
      // Written, then closed both ways: nothing more of an oversized request is read (paused: what is
      // still sent stays in the kernel's buffer, not in this process).
      socket.pause();
      socket.end(fallbackFrame('bad-request'), () => socket.destroy());
      if (status === 500) log(`tokenmap serve: internal error answering a request: ${why.slice(0, 300)}`);
    };
    // A connection that sent nothing by then is closed without a word: a client still reading a slow stdin
    // (it connects first) then runs the cold path, as it does for any connection closed before its request.
    const deadline = setTimeout(
      () => (done || total === 0 ? socket.destroy() : refuse(408, 'request timeout')),
      REQUEST_TIMEOUT_MS,
    );
    socket.on('close', () => {
      clearTimeout(deadline);
      release();
    });
    socket.on('error', () => socket.destroy());
    let tail = Buffer.alloc(0); // the last bytes seen, so that an end record split between chunks is found
    socket.on('data', (chunk: Buffer) => {
      if (done) return;
      if (total + chunk.length > LIMITS.body) return refuse(413, `request over ${LIMITS.body} bytes`);
      if (buffered + chunk.length > LANE_BUFFER_BUDGET) return refuse(503, 'the lane holds its budget of requests');
      total += chunk.length;
      buffered += chunk.length;
      chunks.push(chunk);
      // The chunk itself, and the seam with the one before (never a copy of the chunk: memory is the budget).
      const seam = Buffer.concat([tail, chunk.subarray(0, 2)]);
      tail = Buffer.from(Buffer.concat([tail, chunk.subarray(-2)]).subarray(-2));
      if (requestEnd(seam) < 0 && requestEnd(chunk) < 0) return;
      const whole = Buffer.concat(chunks);
      release();
      done = true;
      let req: LaneRequest;
      try {
        req = decodeRecords(whole);
      } catch (e) {
        if (e instanceof BadRequest) return refuse(400, e.message);
        return refuse(500, String((e as Error)?.message ?? e));
      }
      metrics.request('tcp');
      callout(req)
        .then((frame) => (req.wideFrame ? widenFrame(frame) : frame))
        .then(
          // Closed as soon as the frame is written: the client's own close then reaches no process (the
          // kernel ends the connection), so it does not wake the service while the client prints and exits.
          (frame) => socket.end(frame, () => socket.destroy()),
          (e: unknown) => refuse(500, String((e as Error)?.message ?? e)),
        );
    });
    socket.on('end', () => {
      if (done) return;
      // A client that connected and then sent nothing: one whose stdin it could not forward (it runs the
      // cold path), or a port probe. Not a malformed request.
      if (total === 0) return void socket.destroy();
      refuse(400, 'the request ended before its end record');
    });
  });
  server.maxConnections = LANE_MAX_CONNECTIONS;
  return server;
}
