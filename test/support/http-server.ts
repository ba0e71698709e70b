/**
 * Shared plumbing for the fake git-host servers: a node:http server on 127.0.0.1 (port 0), JSON
 * in and out, a request log, and one-shot injected failures (5xx, rate limits) for retry tests.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LoggedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage['headers'];
  readonly body: unknown;
  /** When it arrived (Date.now()). */
  readonly at: number;
  /** Status the server answered. */
  status?: number;
}

export interface Reply {
  readonly status: number;
  readonly body?: unknown;
  /** Sent as is, without a content-type (for servers that forget it). */
  readonly text?: string;
  readonly headers?: Record<string, string>;
}

/** Answers the next `times` requests matching method and path with `reply` instead of handling them. */
export interface InjectedFailure {
  readonly method?: string;
  readonly path?: RegExp;
  times: number;
  readonly reply: Reply | (() => Reply);
}

export interface FakeServer {
  readonly url: string;
  readonly requests: LoggedRequest[];
  inject(failure: Omit<InjectedFailure, 'times'> & { times?: number }): void;
  close(): Promise<void>;
}

export type Handler = (req: LoggedRequest) => Reply | Promise<Reply>;

export async function startServer(handler: Handler, defaultHeaders: Record<string, string> = {}): Promise<FakeServer> {
  const requests: LoggedRequest[] = [];
  const failures: InjectedFailure[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const url = new URL(req.url ?? '/', 'http://127.0.0.1');
        const raw = Buffer.concat(chunks).toString('utf8');
        let body: unknown = undefined;
        if (raw) {
          try {
            body = JSON.parse(raw);
          } catch {
            body = raw;
          }
        }
        const logged: LoggedRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body, at: Date.now() };
        requests.push(logged);
        let reply: Reply;
        const failure = failures.find((f) => f.times > 0 && (!f.method || f.method === logged.method) && (!f.path || f.path.test(logged.path)));
        try {
          if (failure) {
            failure.times -= 1;
            reply = typeof failure.reply === 'function' ? failure.reply() : failure.reply;
          } else {
            reply = await handler(logged);
          }
        } catch (err) {
          reply = { status: 500, body: { message: `fake server bug: ${(err as Error).message}` } };
        }
        logged.status = reply.status;
        const text = reply.text ?? (reply.body === undefined ? '' : JSON.stringify(reply.body));
        res.writeHead(reply.status, {
          ...defaultHeaders,
          ...(reply.body === undefined || reply.text !== undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }),
          ...reply.headers,
        });
        res.end(text);
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    inject(failure) {
      failures.push({ times: 1, ...failure });
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
