import type { DataSource } from 'typeorm';
import { NotFoundError } from './errors';
import { trendTimeline } from './timeline';

export const TREND_LIFECYCLES = ['emerging', 'growing', 'peaking', 'fading'] as const;
export type TrendLifecycleFilter = (typeof TREND_LIFECYCLES)[number];

/** Orders the list can take; each sorts descending, ties by id. */
export const TREND_SORTS = ['size', 'velocity', 'acceleration', 'recent', 'engagement', 'diversity', 'lastSeen'] as const;
export type TrendSort = (typeof TREND_SORTS)[number];

const ORDER_BY: Record<TrendSort, string> = {
  size: 't.size DESC',
  velocity: 't.velocity DESC, t.size DESC',
  acceleration: 't.acceleration DESC, t.size DESC',
  recent: 't.recent_count DESC, t.size DESC',
  engagement: 't.engagement DESC NULLS LAST, t.size DESC',
  diversity: 't.source_diversity DESC, t.size DESC',
  lastSeen: 't.last_seen DESC NULLS LAST, t.size DESC',
};

export interface TrendListOptions {
  limit: number;
  offset: number;
  status: 'active' | 'dissolved' | 'all';
  /** Only active trends in this lifecycle stage. */
  lifecycle?: TrendLifecycleFilter;
  sort?: TrendSort;
}

const TREND_COLUMNS = `t.id, t.status, t.label, t.keywords, t.size, t.source_count AS "sourceCount", t.cohesion,
  t.first_seen AS "firstSeen", t.last_seen AS "lastSeen", t.created_run_id AS "createdRunId",
  t.updated_run_id AS "updatedRunId", t.updated_at AS "updatedAt",
  t.lifecycle, t.velocity, t.acceleration, t.recent_count AS "recentCount", t.previous_count AS "previousCount",
  t.source_diversity AS "sourceDiversity", t.engagement, t.explanation, t.lifecycle_as_of AS "lifecycleAsOf",
  t.merged_into_id AS "mergedIntoId",
  CASE WHEN s.trend_id IS NULL THEN NULL ELSE json_build_object(
    'title', s.title, 'summary', s.summary, 'keyPoints', s.key_points, 'entities', s.entities,
    'method', s.method, 'model', s.model, 'promptVersion', s.prompt_version, 'createdAt', s.created_at,
    'stale', s.membership_hash IS DISTINCT FROM t.membership_hash) END AS summary`;

/** Trends (largest first unless `sort` says otherwise), each with its current summary and lifecycle. */
export async function listTrends(db: DataSource, o: TrendListOptions) {
  // A lifecycle stage only describes live trends, so it implies status active.
  const status = o.lifecycle ? 'active' : o.status;
  const where = `($1 = 'all' OR t.status = $1) AND ($2::text IS NULL OR t.lifecycle = $2)`;
  // The total rides along as a window count (evaluated before LIMIT): one round trip instead of two.
  const rows = (await db.query(
    `SELECT ${TREND_COLUMNS}, count(*) OVER ()::int AS "totalMatching" FROM trends t LEFT JOIN summaries s ON s.trend_id = t.id
     WHERE ${where} ORDER BY ${ORDER_BY[o.sort ?? 'size']}, t.id LIMIT $3 OFFSET $4`,
    [status, o.lifecycle ?? null, o.limit, o.offset],
  )) as Array<{ totalMatching: number }>;
  const first = rows[0];
  // A page past the end has no row to carry the total: only then count separately.
  const total =
    first?.totalMatching ??
    (o.offset === 0 ? 0 : ((await db.query(`SELECT count(*)::int AS total FROM trends t WHERE ${where}`, [status, o.lifecycle ?? null])) as [{ total: number }])[0].total);
  const trends = rows.map(({ totalMatching: _, ...trend }) => trend);
  return { total, trends: trends as unknown[] };
}

/** One trend with its summary, members (most central first), sources, identity events and time series. */
export async function getTrend(db: DataSource, id: number, memberLimit = 200) {
  const [trend] = await db.query(
    `SELECT ${TREND_COLUMNS}, t.representative_ids AS "representativeIds"
     FROM trends t LEFT JOIN summaries s ON s.trend_id = t.id WHERE t.id = $1`,
    [id],
  );
  if (!trend) throw new NotFoundError('trend', String(id));
  const items = await db.query(
    `SELECT i.id, i.title, i.url, i.author, i.published_at AS "publishedAt", src.spec AS source,
            m.similarity, i.metadata
     FROM trend_members m JOIN items i ON i.id = m.item_id JOIN sources src ON src.id = i.source_id
     WHERE m.trend_id = $1 ORDER BY m.similarity DESC, i.id LIMIT $2`,
    [id, memberLimit],
  );
  return { ...trend, sources: await memberSources(db, id), items, events: await trendEvents(db, id), series: await trendSeries(db, id) };
}

/** Member counts per hour and per day: the trend's size over time. */
async function trendSeries(db: DataSource, id: number) {
  const [hourly, daily] = await Promise.all([trendTimeline(db, id, 'hour'), trendTimeline(db, id, 'day')]);
  return { hourly: hourly.points, daily: daily.points };
}

/** Identity events that name the trend, oldest first (create, split, merge, dissolve). */
async function trendEvents(db: DataSource, id: number): Promise<TrendEventView[]> {
  return (await db.query(
    `SELECT e.run_id AS "runId", e.kind, e.trend_id AS "trendId", e.other_trend_id AS "otherTrendId", e.items, e.created_at AS "createdAt"
     FROM trend_events e WHERE e.trend_id = $1 OR e.other_trend_id = $1 ORDER BY e.id`,
    [id],
  )) as TrendEventView[];
}

/** Member counts per source spec, largest first. */
async function memberSources(db: DataSource, id: number): Promise<Array<{ source: string; items: number }>> {
  return (await db.query(
    `SELECT src.spec AS source, count(*)::int AS items FROM trend_members m JOIN items i ON i.id = m.item_id
     JOIN sources src ON src.id = i.source_id WHERE m.trend_id = $1 GROUP BY src.spec ORDER BY items DESC, src.spec`,
    [id],
  )) as Array<{ source: string; items: number }>;
}

/** What `explainTrend` returns: the evidence behind one trend. */
export interface TrendExplanation {
  id: number;
  status: string;
  label: string;
  summaryTitle: string | null;
  summaryMethod: string | null;
  keywords: Array<{ term: string; score: number }>;
  size: number;
  sourceCount: number;
  cohesion: number;
  lifecycle: string;
  velocity: number;
  acceleration: number;
  recentCount: number;
  previousCount: number;
  sourceDiversity: number;
  engagement: number | null;
  explanation: string;
  lifecycleAsOf: string | null;
  firstSeen: string | null;
  lastSeen: string | null;
  mergedIntoId: number | null;
  /** Most central members first, as clustering chose them. */
  representatives: Array<{ id: string; title: string; url: string; publisher: string; similarity: number | null; seenAt: string }>;
  /** Member counts by publisher (item metadata), else by source spec. */
  publishers: Array<{ publisher: string; items: number }>;
  sources: Array<{ source: string; items: number }>;
  events: TrendEventView[];
}

export interface TrendEventView {
  runId: string;
  kind: string;
  trendId: number;
  otherTrendId: number | null;
  items: number;
  createdAt: string;
}

/**
 * Why a trend is what it is: keywords with their c-TF-IDF weights, the representative members
 * (most central first), member publishers and sources, lifecycle figures and identity events.
 */
export async function explainTrend(db: DataSource, id: number): Promise<TrendExplanation> {
  const [trend] = (await db.query(
    `SELECT t.id, t.status, t.label, t.keywords, t.size, t.source_count AS "sourceCount", t.cohesion,
            t.lifecycle, t.velocity, t.acceleration, t.recent_count AS "recentCount", t.previous_count AS "previousCount",
            t.source_diversity AS "sourceDiversity", t.engagement, t.explanation, t.lifecycle_as_of AS "lifecycleAsOf",
            t.first_seen AS "firstSeen", t.last_seen AS "lastSeen", t.merged_into_id AS "mergedIntoId",
            t.representative_ids AS "representativeIds", s.title AS "summaryTitle", s.method AS "summaryMethod"
     FROM trends t LEFT JOIN summaries s ON s.trend_id = t.id WHERE t.id = $1`,
    [id],
  )) as Array<Omit<TrendExplanation, 'representatives' | 'publishers' | 'sources' | 'events'> & { representativeIds: string[] }>;
  if (!trend) throw new NotFoundError('trend', String(id));
  const { representativeIds, ...rest } = trend;
  const representatives = (await db.query(
    `SELECT i.id, i.title, i.url, coalesce(i.metadata->>'publisher', src.spec) AS publisher, m.similarity,
            coalesce(i.published_at, i.collected_at) AS "seenAt"
     FROM unnest($1::bigint[]) WITH ORDINALITY AS r(id, pos)
     JOIN items i ON i.id = r.id JOIN sources src ON src.id = i.source_id
     LEFT JOIN trend_members m ON m.item_id = i.id AND m.trend_id = $2
     ORDER BY r.pos`,
    [representativeIds, id],
  )) as TrendExplanation['representatives'];
  const publishers = (await db.query(
    `SELECT coalesce(i.metadata->>'publisher', src.spec) AS publisher, count(*)::int AS items
     FROM trend_members m JOIN items i ON i.id = m.item_id JOIN sources src ON src.id = i.source_id
     WHERE m.trend_id = $1 GROUP BY 1 ORDER BY items DESC, publisher LIMIT 50`,
    [id],
  )) as TrendExplanation['publishers'];
  return { ...rest, representatives, publishers, sources: await memberSources(db, id), events: await trendEvents(db, id) };
}
