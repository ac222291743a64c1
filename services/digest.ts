import type { DataSource } from 'typeorm';

export interface DigestOptions {
  /** Window length in ms: trends with members published (else collected) within it. */
  windowMs: number;
  limit: number;
}

/**
 * The top trends of the last `windowMs`, by members inside the window then velocity, each with its
 * summary, lifecycle and why it is trending. The window ends at the newest member time of any active
 * trend (never after now): on a live feed that is now, and a replay of old data still gets a digest.
 */
export async function trendDigest(db: DataSource, o: DigestOptions) {
  const [row] = (await db.query(`SELECT least(now(), max(last_seen)) AS as_of FROM trends WHERE status = 'active'`)) as Array<{
    as_of: Date | null;
  }>;
  const asOf = row?.as_of ?? null;
  if (asOf === null) return { from: null, to: null, trends: [] as unknown[] };
  const from = new Date(asOf.getTime() - o.windowMs);
  const trends: unknown[] = await db.query(
    `SELECT t.id, coalesce(s.title, t.label) AS title, s.summary, s.key_points AS "keyPoints", s.method AS "summaryMethod",
            t.lifecycle, t.explanation, t.velocity, t.acceleration, t.size, t.source_count AS "sourceCount",
            t.source_diversity AS "sourceDiversity", t.engagement, t.first_seen AS "firstSeen", t.last_seen AS "lastSeen",
            (SELECT coalesce(json_agg(k->>'term'), '[]'::json) FROM (SELECT jsonb_array_elements(t.keywords) AS k LIMIT 5) kw) AS keywords,
            w.items AS "windowItems", w.sources AS "windowSources",
            (SELECT coalesce(json_agg(json_build_object('title', i.title, 'url', i.url) ORDER BY r.pos), '[]'::json)
             FROM jsonb_array_elements_text(t.representative_ids) WITH ORDINALITY AS r(id, pos)
             JOIN items i ON i.id = r.id::bigint WHERE r.pos <= 3) AS headlines
     FROM trends t
     JOIN LATERAL (
       SELECT count(*)::int AS items, count(DISTINCT coalesce(i.metadata->>'publisher', i.source_id::text))::int AS sources
       FROM trend_members m JOIN items i ON i.id = m.item_id
       WHERE m.trend_id = t.id AND coalesce(i.published_at, i.collected_at) > $1 AND coalesce(i.published_at, i.collected_at) <= $2
     ) w ON w.items > 0
     LEFT JOIN summaries s ON s.trend_id = t.id
     WHERE t.status = 'active' AND t.last_seen > $1
     ORDER BY w.items DESC, t.velocity DESC, t.id
     LIMIT $3`,
    [from, asOf, o.limit],
  );
  return { from: from.toISOString(), to: asOf.toISOString(), trends };
}
