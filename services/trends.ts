import type { DataSource } from 'typeorm';
import { NotFoundError } from './errors';

export interface TrendListOptions {
  limit: number;
  offset: number;
  status: 'active' | 'dissolved' | 'all';
}

const TREND_COLUMNS = `t.id, t.status, t.label, t.keywords, t.size, t.source_count AS "sourceCount", t.cohesion,
  t.first_seen AS "firstSeen", t.last_seen AS "lastSeen", t.created_run_id AS "createdRunId",
  t.updated_run_id AS "updatedRunId", t.updated_at AS "updatedAt",
  CASE WHEN s.trend_id IS NULL THEN NULL ELSE json_build_object(
    'title', s.title, 'summary', s.summary, 'keyPoints', s.key_points, 'entities', s.entities,
    'method', s.method, 'model', s.model, 'promptVersion', s.prompt_version, 'createdAt', s.created_at,
    'stale', s.membership_hash IS DISTINCT FROM t.membership_hash) END AS summary`;

/** Trends, largest first, each with its current summary. */
export async function listTrends(db: DataSource, o: TrendListOptions) {
  const rows = await db.query(
    `SELECT ${TREND_COLUMNS} FROM trends t LEFT JOIN summaries s ON s.trend_id = t.id
     WHERE ($1 = 'all' OR t.status = $1)
     ORDER BY t.size DESC, t.id LIMIT $2 OFFSET $3`,
    [o.status, o.limit, o.offset],
  );
  const [{ total }] = await db.query(`SELECT count(*)::int AS total FROM trends WHERE ($1 = 'all' OR status = $1)`, [o.status]);
  return { total: total as number, trends: rows as unknown[] };
}

/** One trend with its summary and members (most central first). */
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
  const sources = await db.query(
    `SELECT src.spec AS source, count(*)::int AS items FROM trend_members m JOIN items i ON i.id = m.item_id
     JOIN sources src ON src.id = i.source_id WHERE m.trend_id = $1 GROUP BY src.spec ORDER BY items DESC`,
    [id],
  );
  return { ...trend, sources, items };
}
