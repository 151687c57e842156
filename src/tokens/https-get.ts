/**
 * One bounded HTTPS GET for discovery documents and JWKS (shared/spec/tokens.md §12.2): host names are
 * verified, trust anchors are the caller's, redirects are not followed, the whole exchange is bounded in
 * time and the body in size. Every failure is a FetchError whose message is the real transport error
 * (TLS, DNS, HTTP status, timeout), because issuer TLS trouble otherwise surfaces as "unknown kid".
 */
import { request } from 'node:https';

export interface FetchOptions {
  /** PEM trust anchors; undefined: Node's default store. */
  ca?: string[];
  timeoutMs: number;
  maxBytes: number;
}

export interface FetchResult {
  body: Buffer;
  /** Cache-Control max-age in seconds, when the server sent one. */
  maxAge?: number;
}

export type Fetcher = (url: string) => Promise<FetchResult>;

export class FetchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FetchError';
  }
}

function transportText(e: NodeJS.ErrnoException): string {
  const code = e.code ? `${e.code}: ` : '';
  return `${code}${e.message}`;
}

export function httpsFetcher(opts: FetchOptions): Fetcher {
  return (url) =>
    new Promise<FetchResult>((resolve, reject) => {
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        reject(new FetchError(`not a URL: ${JSON.stringify(url)}`));
        return;
      }
      if (parsed.protocol !== 'https:') {
        reject(new FetchError(`refusing ${JSON.stringify(url)}: keys are fetched over HTTPS only`));
        return;
      }
      const fail = (why: string) => {
        clearTimeout(timer);
        req.destroy();
        reject(new FetchError(`${url}: ${why}`));
      };
      const req = request(parsed, {
        method: 'GET',
        ca: opts.ca,
        // explicit, so an inherited NODE_TLS_REJECT_UNAUTHORIZED=0 cannot turn chain and host checks off
        rejectUnauthorized: true,
        minVersion: 'TLSv1.2',
        headers: { accept: 'application/json', 'user-agent': 'tokenmap' },
        agent: false,
      });
      const timer = setTimeout(() => fail(`timed out after ${opts.timeoutMs} ms`), opts.timeoutMs);
      req.on('error', (e) => fail(transportText(e)));
      req.on('response', (res) => {
        const status = res.statusCode ?? 0;
        if (status !== 200) {
          res.resume();
          fail(
            `HTTP ${status}${res.statusMessage ? ' ' + res.statusMessage : ''}` +
              (status >= 300 && status < 400 ? ' (redirects are not followed)' : ''),
          );
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > opts.maxBytes) fail(`response larger than ${opts.maxBytes} bytes`);
          else chunks.push(c);
        });
        res.on('error', (e) => fail(transportText(e)));
        res.on('end', () => {
          clearTimeout(timer);
          if (size > opts.maxBytes) return;
          const m = /(?:^|[,\s])max-age=(\d+)/i.exec(String(res.headers['cache-control'] ?? ''));
          resolve({ body: Buffer.concat(chunks), maxAge: m ? Number(m[1]) : undefined });
        });
      });
      req.end();
    });
}
