import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

/**
 * A local 127.0.0.1 HTTP server that stands in for a remote API or feed host in tests: routes by
 * pathname, replays fixture files written from each API's documented format, and records every
 * request (path with query, headers) so tests can assert what was asked, in which order.
 */
export interface RecordedRequest {
  /** Path and query, as requested. */
  url: string;
  pathname: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** Requests in flight on this server when this one arrived (including itself). */
  inFlight: number;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>;

export interface ReplayServer {
  /** `http://127.0.0.1:<port>` */
  base: string;
  port: number;
  requests: RecordedRequest[];
  /** Adds or replaces a route (exact pathname). */
  route(pathname: string, handler: Handler): void;
  close(): Promise<void>;
}

const FIXTURES = join(__dirname, '../../fixtures/sources');

/** A fixture file's text, with `{{BASE}}` replaced (sitemaps link back to the server). */
export function fixture(name: string, base = ''): string {
  return readFileSync(join(FIXTURES, name), 'utf8').replaceAll('{{BASE}}', base);
}

export function sendJson(res: ServerResponse, body: unknown, status = 200, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers }).end(text);
}

export function sendText(res: ServerResponse, body: string | Buffer, type: string, status = 200, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': type, ...headers }).end(body);
}

/** Serves `body` with an ETag; answers 304 with no body when the client sends that ETag back. */
export function conditional(body: string, type: string, etag: string, lastModified?: string): Handler {
  return (req, res) => {
    const headers: Record<string, string> = { etag, ...(lastModified && { 'last-modified': lastModified }) };
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, headers).end();
      return;
    }
    sendText(res, body, type, 200, headers);
  };
}

export async function startReplayServer(routes: Record<string, Handler> = {}): Promise<ReplayServer> {
  const table = new Map(Object.entries(routes));
  const requests: RecordedRequest[] = [];
  let inFlight = 0;
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    inFlight++;
    res.on('close', () => inFlight--);
    requests.push({ url: req.url ?? '/', pathname: url.pathname, query: url.searchParams, headers: req.headers, inFlight });
    const handler = table.get(url.pathname);
    if (!handler) {
      sendText(res, `no route for ${url.pathname}`, 'text/plain', 404);
      return;
    }
    Promise.resolve(handler(req, res, url)).catch((err: unknown) => {
      if (!res.headersSent) sendText(res, String(err), 'text/plain', 500);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    port,
    requests,
    route: (pathname, handler) => void table.set(pathname, handler),
    async close() {
      // Hanging and stalled responses keep sockets open; close them so close() can finish.
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}
