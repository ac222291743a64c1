import type { DataSource, EntityManager } from 'typeorm';
import { trendDigest } from './digest';

/** The Postgres channel every appended event is announced on (payload: the event id). */
export const EVENTS_CHANNEL = 'trendflow_events';

/** Every event type; the SSE stream carries all of them, webhooks the subscribable ones. */
export const EVENT_TYPES = [
  'run.started',
  'run.progress',
  'run.completed',
  'run.failed',
  'run.cancelled',
  'trend.emerging',
  'digest.ready',
  'webhook.test',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** What a webhook may subscribe to: outcomes, not the chatter of progress. */
export const WEBHOOK_EVENT_TYPES = ['run.completed', 'run.failed', 'run.cancelled', 'trend.emerging', 'digest.ready'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export interface NewEvent {
  type: EventType;
  runId: string | null;
  /** What the event is about within its run (`source:<spec>`, `trend:<id>`); with type and run it dedupes retries. */
  subject?: string;
  payload: Record<string, unknown>;
  /** Overrides the (type, run, subject) key when an event must happen once across runs. */
  once?: string;
}

/** An event as the API, the SSE stream and webhook bodies show it. */
export interface EventView {
  id: string;
  type: string;
  runId: string | null;
  createdAt: string;
  data: Record<string, unknown>;
}

type Queryable = Pick<EntityManager, 'query'>;

interface EventRow {
  id: string;
  type: string;
  run_id: string | null;
  payload: Record<string, unknown>;
  created_at: Date;
}

export const eventView = (r: EventRow): EventView => ({
  id: String(r.id),
  type: r.type,
  runId: r.run_id,
  createdAt: r.created_at.toISOString(),
  data: r.payload,
});

export const dedupeKey = (e: NewEvent) => e.once ?? [e.type, e.runId ?? '-', e.subject ?? '-'].join(':');

/**
 * Appends events once each (a retried activity finds its key taken and adds nothing) and announces
 * the new ones with pg_notify, which Postgres delivers when the caller's transaction commits. Returns
 * the ids of all given events, new or already stored, in input order.
 */
export async function appendEvents(q: Queryable, events: NewEvent[]): Promise<string[]> {
  if (events.length === 0) return [];
  const keys = events.map(dedupeKey);
  const inserted: Array<{ id: string }> = await q.query(
    `INSERT INTO events (type, run_id, dedupe_key, payload)
     SELECT t, r, k, p FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[]) AS u(t, r, k, p)
     ON CONFLICT (dedupe_key) DO NOTHING RETURNING id`,
    [events.map((e) => e.type), events.map((e) => e.runId), keys, events.map((e) => JSON.stringify(e.payload))],
  );
  if (inserted.length > 0) {
    await q.query(`SELECT pg_notify($1, id::text) FROM unnest($2::bigint[]) AS u(id) ORDER BY id`, [EVENTS_CHANNEL, inserted.map((r) => r.id)]);
  }
  const rows: Array<{ id: string; dedupe_key: string }> = await q.query(`SELECT id, dedupe_key FROM events WHERE dedupe_key = ANY($1)`, [keys]);
  const byKey = new Map(rows.map((r) => [r.dedupe_key, String(r.id)]));
  return keys.map((k) => byKey.get(k) ?? '');
}

/** Events after `afterId`, oldest first, optionally of some types only: the replay of a reconnecting client. */
export async function eventsAfter(q: Queryable, afterId: string, o: { types?: readonly string[]; limit: number }): Promise<EventView[]> {
  const rows: EventRow[] = await q.query(
    `SELECT id, type, run_id, payload, created_at FROM events
     WHERE id > $1 AND ($2::text[] IS NULL OR type = ANY($2)) ORDER BY id LIMIT $3`,
    [afterId, o.types && o.types.length > 0 ? [...o.types] : null, o.limit],
  );
  return rows.map(eventView);
}

/** The newest `limit` events (of some types), oldest first: the JSON answer without `since`. */
export async function latestEvents(q: Queryable, o: { types?: readonly string[]; limit: number }): Promise<EventView[]> {
  const rows: EventRow[] = await q.query(
    `SELECT * FROM (SELECT id, type, run_id, payload, created_at FROM events
       WHERE ($1::text[] IS NULL OR type = ANY($1)) ORDER BY id DESC LIMIT $2) newest ORDER BY id`,
    [o.types && o.types.length > 0 ? [...o.types] : null, o.limit],
  );
  return rows.map(eventView);
}

export async function eventsByIds(q: Queryable, ids: readonly string[]): Promise<EventView[]> {
  const rows: EventRow[] = await q.query(`SELECT id, type, run_id, payload, created_at FROM events WHERE id = ANY($1::bigint[]) ORDER BY id`, [ids]);
  return rows.map(eventView);
}

/** The newest event id ('0' when there is none): where a fresh client's stream starts. */
export async function latestEventId(q: Queryable): Promise<string> {
  const [row] = (await q.query(`SELECT coalesce(max(id), 0)::text AS id FROM events`)) as Array<{ id: string }>;
  return row?.id ?? '0';
}

export interface RunOutcome {
  runId: string;
  status: 'completed' | 'failed' | 'cancelled';
  stats: unknown;
  error?: string;
}

/**
 * The events a finished run produces: its outcome; for a completed run, each trend it left emerging
 * (once per trend ever, not once per run that still sees it emerging) and the digest it made ready.
 */
export async function runOutcomeEvents(db: DataSource, o: RunOutcome): Promise<NewEvent[]> {
  const events: NewEvent[] = [
    { type: `run.${o.status}`, runId: o.runId, payload: { status: o.status, stats: o.stats, ...(o.error ? { error: o.error } : {}), href: `/api/v1/runs/${o.runId}` } },
  ];
  if (o.status !== 'completed') return events;
  const emerging: Array<Record<string, unknown> & { id: number }> = await db.query(
    `SELECT t.id, coalesce(s.title, t.label) AS title, t.size, t.velocity, t.source_count AS "sourceCount",
            t.explanation, t.first_seen AS "firstSeen", t.keywords
     FROM trends t LEFT JOIN summaries s ON s.trend_id = t.id
     WHERE t.status = 'active' AND t.lifecycle = 'emerging' AND t.updated_run_id = $1
     ORDER BY t.size DESC, t.id`,
    [o.runId],
  );
  for (const t of emerging) {
    const keywords = Array.isArray(t.keywords) ? (t.keywords as Array<{ term?: string } | string>).slice(0, 5).map((k) => (typeof k === 'string' ? k : k.term)) : [];
    // Keyed by trend alone: a trend is announced once, by the run that first saw it emerging.
    events.push({ type: 'trend.emerging', runId: o.runId, once: `trend.emerging:trend:${t.id}`, payload: { trend: { ...t, keywords }, href: `/api/v1/trends/${t.id}` } });
  }
  const digest = await trendDigest(db, { windowMs: 24 * 3600_000, limit: 5 });
  if (digest.trends.length > 0) {
    const top = (digest.trends as Array<Record<string, unknown>>).map((t) => ({ id: t.id, title: t.title, lifecycle: t.lifecycle, windowItems: t.windowItems }));
    events.push({ type: 'digest.ready', runId: o.runId, payload: { window: '24h', from: digest.from, to: digest.to, trends: top, href: '/api/v1/digest?window=24h' } });
  }
  return events;
}

/**
 * Deletes events older than `retentionDays` (their webhook deliveries go with them, by cascade), so the
 * outbox does not grow for ever; returns how many went. Clients replaying from an older Last-Event-ID
 * get what is left. Retention must outlast webhook retries (WEBHOOK_GIVE_UP_AFTER_S, 24 h by default).
 */
export async function pruneEvents(q: Queryable, retentionDays: number): Promise<number> {
  const deleted: unknown[] = await q.query(`DELETE FROM events WHERE created_at < now() - make_interval(days => $1) RETURNING id`, [retentionDays]);
  return deleted.length;
}
