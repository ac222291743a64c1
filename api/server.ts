import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import type { Config } from '../config/config';
import { databaseUrl } from '../config/database-url';
import { createLogger } from '../config/logger';
import { createDataSource } from '../db/data-source';
import { instrumentDataSource, instrumentVectorStore } from '../observability/store-metrics';
import { countActiveApiKeys } from '../services/api-keys';
import { createVectorStore } from '../vectors';
import type { VectorStore } from '../vectors/vector-store';
import { lazy } from '../workers/deps';
import { createApp, databaseUrlOf, preRouteMiddleware, type ApiDeps } from './app';
import { createEventStream } from './event-stream';
import { createFastPath } from './fast-path';
import { createMetrics } from './metrics';
import { createResponseCache, type ResponseCache } from './response-cache';
import { listenForTrendChanges, type TrendChanges } from './trend-changes';

export interface RunningApi {
  url: string;
  close(): Promise<void>;
}

/**
 * Listens on host:port (0 = any free port). close() stops accepting connections, lets in-flight
 * requests finish (answering them with `Connection: close`), closes idle keep-alive connections,
 * and after `config.api.shutdownTimeoutMs` cuts whatever is still open.
 */
export async function listen(deps: ApiDeps, host: string, port: number): Promise<RunningApi> {
  const metrics = createMetrics();
  const detachDb = instrumentDataSource(deps.db, metrics.stores);
  const timedStores = new WeakMap<VectorStore, VectorStore>();
  const vectorStore = async () => {
    const store = await deps.vectorStore();
    const timed = timedStores.get(store) ?? instrumentVectorStore(store, metrics.stores);
    timedStores.set(store, timed);
    return timed;
  };
  const trends = await trendResponseCache(deps);
  const events = deps.events ?? createEventStream({ db: deps.db, url: databaseUrlOf(deps), log: deps.log });
  const app = createApp({ ...deps, vectorStore, trendCache: trends?.cache, events }, metrics);
  const fast = trends && createFastPath({ app, preRoute: preRouteMiddleware(app), cache: trends.cache, log: deps.log });
  const server = http.createServer(fast ? (req, res) => fast(req, res) || void app(req, res) : app);
  // Node rejects oversized or malformed requests before Express sees them; answer those with a problem too.
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return void socket.destroy();
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
    const title = status === 431 ? 'Request Header Fields Too Large' : 'Bad Request';
    const body = JSON.stringify({ type: 'about:blank', title, status, detail: err.code ?? 'malformed request' });
    socket.end(
      `HTTP/1.1 ${status} ${title}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
  server.keepAliveTimeout = 5000;
  const active = new Set<http.ServerResponse>();
  let closing = false;
  server.on('request', (_req: http.IncomingMessage, res: http.ServerResponse) => {
    active.add(res);
    if (closing && !res.headersSent) res.setHeader('Connection', 'close');
    res.on('close', () => {
      active.delete(res);
      if (closing) server.closeIdleConnections();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;
  return {
    url: `http://${host}:${bound}`,
    close: () =>
      // SSE streams never end on their own: end them first, or server.close() waits for the force timeout.
      (closed ??= events.close().then(() => new Promise<void>((resolve, reject) => {
        closing = true;
        for (const res of active) if (!res.headersSent) res.setHeader('Connection', 'close');
        const force = setTimeout(() => server.closeAllConnections(), deps.config.api.shutdownTimeoutMs);
        server.close((err) => {
          clearTimeout(force);
          detachDb();
          void (trends?.changes.close() ?? Promise.resolve()).then(() => (err ? reject(err) : resolve()));
        });
        server.closeIdleConnections();
      }))),
  };
}

/**
 * The trend response cache, invalidated by the trend-change notifications of the database the API
 * reads; none when it is turned off (API_CACHE_MAX_MB=0) or the data source has no URL to listen on.
 */
async function trendResponseCache(deps: ApiDeps): Promise<{ cache: ResponseCache; changes: TrendChanges } | undefined> {
  const url = (deps.db.options as { url?: string }).url;
  const maxBytes = deps.config.api.cacheMaxBytes;
  if (deps.trendCache || !url || maxBytes <= 0) return undefined;
  const changes = await listenForTrendChanges({ url, log: deps.log });
  return { cache: createResponseCache({ changes, maxBytes }), changes };
}

/** Builds the API's own connections from config (used by `npm start` and `npm run api`). */
export async function startApi(config: Config): Promise<RunningApi> {
  const log = createLogger(config.logLevel, 'api');
  const db = createDataSource({ url: databaseUrl(config), poolSize: 10 });
  await db.initialize();
  // Lazy: the API comes up (and /ready says why it is not ready) even while Temporal is still starting.
  const connection = Connection.lazy({ address: config.temporal.address });
  const client = new Client({ connection, namespace: config.temporal.namespace });
  const vectorStore = lazy(() => createVectorStore(config.vectors));
  const api = await listen({ config, db, temporal: () => client, vectorStore, log }, config.api.host, config.api.port);
  log.info({ url: api.url, auth: config.api.auth }, 'API listening');
  if (config.api.auth.mode === 'required' && (await countActiveApiKeys(db)) === 0) {
    log.warn('no API key exists: writes answer 401 until one is created');
    process.stdout.write(
      '[trendflow] API writes (POST/PATCH/DELETE) need an API key and none exists yet. Create one with\n' +
        '[trendflow]   npx trendflow keys create --name <you>\n' +
        '[trendflow] and send it as `Authorization: Bearer <key>` (or set API_AUTH=disabled on a trusted network).\n',
    );
  }
  return {
    url: api.url,
    async close() {
      await api.close();
      await connection.close();
      await db.destroy();
      await (await vectorStore().catch(() => undefined))?.close();
    },
  };
}
