/**
 * HTTP/1.1 on the service's Unix socket (curl --unix-socket is the client). Every request is bounded in
 * size and time before any of it is decoded; a malformed, oversized or slow request is refused on its
 * own connection and nothing else is affected. Routes: POST /v1/callout, POST /v1/fallback?reason=R (a
 * client reporting that it fell back), GET /metrics (Prometheus text), GET /status (JSON).
 */
import { createServer as httpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Metrics } from './metrics.js';
import {
  BadRequest,
  FALLBACK_REASONS,
  LIMITS,
  decodeRequest,
  type CalloutRequest,
  type FallbackReason,
} from './protocol.js';

export interface Routes {
  callout(req: CalloutRequest): Promise<Buffer>;
  metrics(): string;
  status(): unknown;
}

/** Connections beyond this are closed at once; their clients fall back to the cold path. */
export const MAX_CONNECTIONS = 4096;

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), connection: 'close' });
  res.end(body);
}

function readBody(req: IncomingMessage, cap: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > cap) return resolve(null);
    const chunks: Buffer[] = [];
    let total = 0;
    req.on('data', (c: Buffer) => {
      total += c.length;
      if (total > cap) {
        resolve(null);
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function createServer(routes: Routes, metrics: Metrics, log: (line: string) => void): Server {
  const refuse = (res: ServerResponse, status: number, why: string) => {
    metrics.refuse(status);
    send(res, status, 'text/plain', why + '\n');
  };
  const server = httpServer(
    { requestTimeout: 10_000, headersTimeout: 5_000, keepAliveTimeout: 1_000, maxHeaderSize: 8192 },
    (req, res) => {
      const url = new URL(req.url ?? '/', 'http://tokenmap');
      const route = `${req.method} ${url.pathname}`;
      if (route === 'GET /metrics') return send(res, 200, 'text/plain; version=0.0.4', routes.metrics());
      if (route === 'GET /status') return send(res, 200, 'application/json', JSON.stringify(routes.status()) + '\n');
      if (route === 'POST /v1/fallback') {
        const reason = url.searchParams.get('reason') as FallbackReason;
        if (!FALLBACK_REASONS.includes(reason)) return refuse(res, 400, 'unknown fallback reason');
        metrics.fallback(reason);
        return send(res, 204, 'text/plain', '');
      }
      if (route !== 'POST /v1/callout') return refuse(res, 404, 'no such route');
      readBody(req, LIMITS.body)
        .then(async (body) => {
          if (body === null) return refuse(res, 413, `request over ${LIMITS.body} bytes`);
          let decoded: CalloutRequest;
          try {
            decoded = decodeRequest(body);
          } catch (e) {
            if (e instanceof BadRequest) return refuse(res, 400, e.message);
            throw e;
          }
          metrics.request('socket');
          send(res, 200, 'text/plain', await routes.callout(decoded));
        })
        .catch((e: unknown) => {
          log(
            `tokenmap serve: internal error answering a request: ${String((e as Error)?.message ?? e).slice(0, 300)}`,
          );
          if (!res.headersSent) refuse(res, 500, 'internal error');
          else res.destroy();
        });
    },
  );
  server.maxConnections = MAX_CONNECTIONS;
  // A client that goes away mid-request must not disturb the others.
  server.on('clientError', (_e, socket) => socket.destroy());
  return server;
}
