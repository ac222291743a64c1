import { Client, Connection } from '@temporalio/client';
import type { DataSource } from 'typeorm';
import { loadConfig, type Config } from '../config/config';
import { databaseUrl } from '../config/database-url';
import { createDataSource } from '../db/data-source';

/** Connections a command needs, opened on first use and all closed by close(). */
export interface CliContext {
  config: Config;
  db(): Promise<DataSource>;
  temporal(): Promise<Client>;
  close(): Promise<void>;
}

export function createCliContext(): CliContext {
  const config = loadConfig();
  let ds: DataSource | undefined;
  let connection: Connection | undefined;
  let client: Client | undefined;
  return {
    config,
    async db() {
      if (!ds) {
        ds = createDataSource({ url: databaseUrl(config), poolSize: 2 });
        await ds.initialize().catch((err: unknown) => {
          throw new Error(
            `cannot reach Postgres at ${databaseUrl(config).replace(/:[^:@/]*@/, ':***@')}: ${(err as Error).message}. ` +
              'Is the stack running (`npm start`), or DATABASE_URL set?',
          );
        });
      }
      return ds;
    },
    async temporal() {
      if (!client) {
        connection = await Connection.connect({ address: config.temporal.address, connectTimeout: '5s' }).catch((err: unknown) => {
          throw new Error(
            `cannot reach Temporal at ${config.temporal.address}: ${(err as Error).message}. Is the stack running (\`npm start\`)?`,
          );
        });
        client = new Client({ connection, namespace: config.temporal.namespace });
      }
      return client;
    },
    async close() {
      await connection?.close();
      if (ds?.isInitialized) await ds.destroy();
    },
  };
}
