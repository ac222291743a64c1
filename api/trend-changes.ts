import { Client as PgClient } from 'pg';
import type { Logger } from 'pino';

/** The channel the triggers of migration 1764100000000 notify on every write to a trend table. */
export const TRENDS_CHANGED_CHANNEL = 'trendflow_trends_changed';
/** How the listening connection shows in pg_stat_activity. */
export const LISTENER_APPLICATION_NAME = 'trendflow-api-trend-changes';

/**
 * Tells cached trend responses whether they are still current. `epoch()` changes after every committed
 * write to a trend table (and after any gap in listening, when writes may have been missed); `live()`
 * is false while the listening connection is down, and then nothing may be served from a cache.
 */
export interface TrendChanges {
  epoch(): number;
  live(): boolean;
  close(): Promise<void>;
}

export interface TrendChangesOptions {
  /** Postgres URL; the listener holds one connection of its own, outside the query pool. */
  url: string;
  log: Logger;
  /** A `SELECT 1` this often proves the connection alive (a dead peer may send no FIN); default 10 s. */
  heartbeatMs?: number;
  /** First reconnect delay, doubled up to 30 s; default 500 ms. */
  retryMs?: number;
}

/**
 * LISTENs on the trends channel from a dedicated connection and reconnects on loss. Notifications are
 * delivered when the writing transaction commits, so a process stops serving a cached response within
 * the notification latency (milliseconds on one host) of the commit that made it stale.
 */
export async function listenForTrendChanges({ url, log, heartbeatMs = 10_000, retryMs = 500 }: TrendChangesOptions): Promise<TrendChanges> {
  let epoch = 0;
  let live = false;
  let closed = false;
  let client: PgClient | undefined;
  let delay = retryMs;
  let retry: NodeJS.Timeout | undefined;

  const lost = (c: PgClient, err?: unknown) => {
    if (client !== c) return; // an earlier connection reporting late
    client = undefined;
    live = false;
    epoch++;
    c.removeAllListeners();
    c.on('error', () => undefined); // a late socket error must not become an uncaught exception
    c.end().catch(() => undefined);
    if (closed) return;
    log.warn({ err, retryInMs: delay }, 'trend change listener lost its connection: trend responses uncached until it is back');
    retry = setTimeout(() => void connect(), delay);
    retry.unref();
    delay = Math.min(delay * 2, 30_000);
  };

  const connect = async (): Promise<void> => {
    const c = new PgClient({ connectionString: url, keepAlive: true, application_name: LISTENER_APPLICATION_NAME });
    client = c;
    c.on('error', (err) => lost(c, err));
    c.on('end', () => lost(c));
    c.on('notification', (n) => {
      if (n.channel === TRENDS_CHANGED_CHANNEL) epoch++;
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${TRENDS_CHANGED_CHANNEL}`);
    } catch (err) {
      lost(c, err);
      return;
    }
    if (client !== c || closed) return;
    // Whatever was written while no connection listened is unknown: start a new epoch.
    epoch++;
    live = true;
    delay = retryMs;
  };

  const heartbeat = setInterval(() => {
    const c = client;
    if (!c || !live) return;
    const timeout = setTimeout(() => lost(c, new Error(`no heartbeat answer within ${heartbeatMs} ms`)), heartbeatMs);
    timeout.unref();
    c.query('SELECT 1').then(
      () => clearTimeout(timeout),
      (err: unknown) => {
        clearTimeout(timeout);
        lost(c, err);
      },
    );
  }, heartbeatMs);
  heartbeat.unref();

  await connect();
  return {
    epoch: () => epoch,
    live: () => live,
    async close() {
      closed = true;
      clearInterval(heartbeat);
      clearTimeout(retry);
      const c = client;
      client = undefined;
      live = false;
      if (c) {
        c.removeAllListeners();
        c.on('error', () => undefined);
        await c.end().catch(() => undefined);
      }
    },
  };
}
