import type { Config } from './config';

/** DATABASE_URL when set; otherwise the embedded server that `npm start` runs (fixed loopback credentials). */
export function databaseUrl(config: Config): string {
  return config.db.url ?? `postgres://trendflow:trendflow@127.0.0.1:${config.db.embeddedPort}/trendflow`;
}
