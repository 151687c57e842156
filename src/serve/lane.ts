/**
 * The fast lane: the service also answers on a privileged loopback TCP port, which bash reaches through
 * /dev/tcp with no curl and no stat (bin/tokenmap-callout --port). Trust comes from the port: only root
 * or a process with CAP_NET_BIND_SERVICE can bind one below ip_unprivileged_port_start (lane-port.ts).
 * One request per connection (record-request.ts), answered with the frame of protocol.ts, by the same
 * handler as the Unix socket. Every connection is bounded in size and time before any of it is decoded;
 * a malformed, oversized or slow request gets `F bad-request` (the client runs the cold path) or is
 * closed, on its own connection only.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { Metrics } from './metrics.js';
import { BadRequest, LIMITS, fallbackFrame, type CalloutRequest } from './protocol.js';
import { decodeRecords, requestEnd } from './record-request.js';
import { MAX_CONNECTIONS } from './server.js';

/** A request must arrive whole within this; the client sends it in one write right after connecting. */
export const REQUEST_TIMEOUT_MS = 5_000;

export function createLane(
  callout: (req: CalloutRequest) => Promise<Buffer>,
  metrics: Metrics,
  log: (line: string) => void,
): Server {
  const server = createServer({ noDelay: true }, (socket: Socket) => {
    const chunks: Buffer[] = [];
    let total = 0;
    let done = false;
    const refuse = (status: number, why: string) => {
      done = true;
      metrics.refuse(status);
      // Written, then closed both ways: nothing more of an oversized request is read.
      socket.end(fallbackFrame('bad-request'), () => socket.destroy());
      if (status === 500) log(`tokenmap serve: internal error answering a request: ${why.slice(0, 300)}`);
    };
    socket.setTimeout(REQUEST_TIMEOUT_MS, () => (done ? socket.destroy() : refuse(408, 'request timeout')));
    socket.on('error', () => socket.destroy());
    let tail = Buffer.alloc(0); // the last bytes seen, so that an end record split between chunks is found
    socket.on('data', (chunk: Buffer) => {
      if (done) return;
      total += chunk.length;
      if (total > LIMITS.body) return refuse(413, `request over ${LIMITS.body} bytes`);
      chunks.push(chunk);
      const probe = Buffer.concat([tail, chunk]);
      tail = probe.subarray(-2);
      if (requestEnd(probe) < 0) return;
      const whole = Buffer.concat(chunks);
      done = true;
      let req: CalloutRequest;
      try {
        req = decodeRecords(whole);
      } catch (e) {
        if (e instanceof BadRequest) return refuse(400, e.message);
        return refuse(500, String((e as Error)?.message ?? e));
      }
      callout(req).then(
        (frame) => socket.end(frame),
        (e: unknown) => refuse(500, String((e as Error)?.message ?? e)),
      );
    });
    socket.on('end', () => {
      if (!done) refuse(400, 'the request ended before its end record');
    });
  });
  server.maxConnections = MAX_CONNECTIONS;
  return server;
}
