import type { DataSource } from 'typeorm';
import { NotFoundError } from './errors';

/** Bucket widths the timeline can be cut into (Postgres `date_trunc` fields). */
export const TIMELINE_BUCKETS = ['minute', 'hour', 'day', 'week'] as const;
export type TimelineBucket = (typeof TIMELINE_BUCKETS)[number];

export interface TimelinePoint {
  /** Bucket start, UTC, ISO 8601. */
  t: string;
  count: number;
}

/**
 * Member items of one trend counted per time bucket, by published time (collected time when a
 * source gives none), oldest first. Only buckets with items are returned; the chart fills the gaps.
 */
export async function trendTimeline(db: DataSource, trendId: number, bucket: TimelineBucket) {
  const [trend] = await db.query(`SELECT id FROM trends WHERE id = $1`, [trendId]);
  if (!trend) throw new NotFoundError('trend', String(trendId));
  const points: TimelinePoint[] = await db.query(
    `SELECT to_char(date_trunc($2::text, coalesce(i.published_at, i.collected_at) AT TIME ZONE 'UTC'),
                    'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS t,
            count(*)::int AS count
     FROM trend_members m JOIN items i ON i.id = m.item_id
     WHERE m.trend_id = $1 GROUP BY 1 ORDER BY 1`,
    [trendId, bucket],
  );
  return { trendId, bucket, points };
}
