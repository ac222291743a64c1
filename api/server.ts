import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import type { Config } from '../config/config';
import { databaseUrl } from '../config/database-url';
import { createLogger } from '../config/logger';
import { createDataSource } from '../db/data-source';
import { createVectorStore } from '../vectors';
import { lazy } from '../workers/deps';
import { createApp, type ApiDeps } from './app';

export interface RunningApi {
  url: string;
  close(): Promise<void>;
}

/** Listens on host:port (0 = any free port); close() stops accepting, drains in-flight requests, then returns. */
export async function listen(deps: ApiDeps, host: string, port: number): Promise<RunningApi> {
  const server = http.createServer(createApp(deps));
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${bound}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeIdleConnections();
      }),
  };
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
  log.info({ url: api.url }, 'API listening');
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
