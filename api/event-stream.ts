import type { IncomingMessage, ServerResponse } from 'node:http';
import type * as BetterSse from 'better-sse' with { 'resolution-mode': 'import' };
import { Client as PgClient } from 'pg';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { UnavailableError } from '../services/errors';
import { EVENTS_CHANNEL, eventsAfter, eventsByIds, latestEventId, type EventView } from '../services/events';

interface StreamState {
  [key: string]: unknown;
  types: Set<string> | null;
  /** Live events held back while the replay is being sent, so the client sees ids in order. */
  held: EventView[] | null;
  /** Highest event id sent to this client. */
  lastSent: bigint;
}

export interface SubscribeOptions {
  /** Replay events after this id (from `Last-Event-ID` or `?since=`); none = live events only. */
  after?: string;
  types?: string[];
}

/** The SSE fan-out of the events table: one LISTEN connection per API process, however many clients. */
export interface EventStream {
  subscribe(req: IncomingMessage, res: ServerResponse, o: SubscribeOptions): Promise<void>;
  /** Connected clients. */
  clients(): number;
  /** Ends every stream (clients reconnect elsewhere with Last-Event-ID) and the LISTEN connection. */
  close(): Promise<void>;
}

export interface EventStreamOptions {
  db: DataSource;
  /** Postgres URL for the dedicated LISTEN connection (pooled connections cannot hold a LISTEN). */
  url: string;
  log: Logger;
  keepAliveMs?: number;
  /** First reconnect delay of the LISTEN connection, doubled up to 30 s. */
  retryMs?: number;
}

// better-sse ships a CommonJS build, but its package.json points every condition's types at the ESM
// declarations, which TypeScript refuses to import from CommonJS: types from there, code from the CJS build.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createChannel, createSession } = require('better-sse') as typeof BetterSse;
type Session<S> = BetterSse.Session<S>;

const REPLAY_PAGE = 500;

/**
 * Live events arrive as `NOTIFY trendflow_events, '<id>'` and are read back by id (notify payloads are
 * capped at 8 kB). The listener starts with the first client; after losing its connection it reconnects
 * and sends whatever was appended meanwhile, so a Postgres restart costs clients latency, not events.
 */
export function createEventStream({ db, url, log, keepAliveMs = 15_000, retryMs = 500 }: EventStreamOptions): EventStream {
  const channel = createChannel<Record<string, unknown>, StreamState>();
  const responses = new Set<ServerResponse>();
  let listener: PgClient | undefined;
  let starting: Promise<void> | undefined;
  let closed = false;
  let delay = retryMs;
  let retry: NodeJS.Timeout | undefined;
  let highWater = 0n; // highest id fanned out, to fill the gap after a reconnect
  let pending: string[] = [];
  let flushing: Promise<void> = Promise.resolve();

  const send = (session: Session<StreamState>, e: EventView) => {
    const s = session.state;
    if (BigInt(e.id) <= s.lastSent) return;
    s.lastSent = BigInt(e.id);
    if (!s.types || s.types.has(e.type)) session.push(e, e.type, e.id);
  };
  const fanOut = (events: EventView[]) => {
    for (const e of events) {
      if (BigInt(e.id) > highWater) highWater = BigInt(e.id);
      for (const session of channel.activeSessions) {
        if (session.state.held) session.state.held.push(e);
        else send(session, e);
      }
    }
  };
  // Ids that arrive together are read in one query; flushes run one after another to keep order.
  const flush = () => {
    const ids = pending;
    pending = [];
    flushing = flushing
      .then(async () => fanOut(await eventsByIds(db, ids)))
      .catch((err: unknown) => log.warn({ err }, 'event stream could not read notified events'));
  };

  const lost = (c: PgClient, err?: unknown) => {
    if (listener !== c) return;
    listener = undefined;
    starting = undefined;
    c.removeAllListeners();
    c.on('error', () => undefined);
    c.end().catch(() => undefined);
    if (closed) return;
    log.warn({ err, retryInMs: delay }, 'event stream lost its LISTEN connection; reconnecting');
    retry = setTimeout(() => void start().catch(() => undefined), delay);
    retry.unref();
    delay = Math.min(delay * 2, 30_000);
  };

  const start = (): Promise<void> =>
    (starting ??= (async () => {
      const c = new PgClient({ connectionString: url, keepAlive: true });
      listener = c;
      c.on('error', (err) => lost(c, err));
      c.on('end', () => lost(c));
      c.on('notification', (n) => {
        if (n.channel !== EVENTS_CHANNEL || !n.payload) return;
        if (pending.push(n.payload) === 1) setImmediate(flush);
      });
      try {
        await c.connect();
        await c.query(`LISTEN ${EVENTS_CHANNEL}`);
      } catch (err) {
        lost(c, err);
        throw err;
      }
      delay = retryMs;
      if (highWater === 0n) highWater = BigInt(await latestEventId(db));
      else {
        // Appended while the connection was down: nobody was notified of these.
        const from = highWater.toString();
        flushing = flushing.then(async () => fanOut(await eventsAfter(db, from, { limit: 10_000 }))).catch(() => undefined);
      }
    })());

  return {
    async subscribe(req, res, o) {
      if (closed) throw new UnavailableError('the API is shutting down');
      // Without the LISTEN connection a client would see nothing live: say so instead of a silent stream.
      await start().catch((err: unknown) => {
        throw new UnavailableError(`event stream unavailable: ${err instanceof Error ? err.message : String(err)}`);
      });
      const session = await createSession<StreamState>(req, res, {
        keepAlive: keepAliveMs,
        retry: 2000,
        // Replay is decided by the caller (header or ?since=), after validating it.
        trustClientEventId: false,
        headers: { 'Cache-Control': 'no-cache, no-transform', 'X-Accel-Buffering': 'no' },
        state: { types: o.types && o.types.length > 0 ? new Set(o.types) : null, held: o.after === undefined ? null : [], lastSent: 0n },
      });
      responses.add(res);
      res.on('close', () => responses.delete(res));
      channel.register(session);
      if (o.after === undefined) {
        session.state.lastSent = BigInt(await latestEventId(db));
        return;
      }
      // Replay in pages, then release what arrived live meanwhile (send() drops what the replay covered).
      let after = o.after;
      for (;;) {
        const page = await eventsAfter(db, after, { types: o.types, limit: REPLAY_PAGE });
        for (const e of page) send(session, e);
        if (page.length < REPLAY_PAGE || !session.isConnected) break;
        after = page[page.length - 1]?.id ?? after;
      }
      // Types the client filtered out still advance its position.
      if (BigInt(after) > session.state.lastSent) session.state.lastSent = BigInt(after);
      const held = session.state.held ?? [];
      session.state.held = null;
      for (const e of held) send(session, e);
    },
    clients: () => channel.sessionCount,
    async close() {
      closed = true;
      clearTimeout(retry);
      for (const res of responses) res.end();
      responses.clear();
      const c = listener;
      listener = undefined;
      if (c) {
        c.removeAllListeners();
        c.on('error', () => undefined);
        await c.end().catch(() => undefined);
      }
      await flushing;
    },
  };
}
