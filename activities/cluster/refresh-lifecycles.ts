import type { EntityManager } from 'typeorm';
import { DEFAULT_LIFECYCLE_PERIOD_MS, describeLifecycle, engagementOf, ENGAGEMENT_KEYS, type MemberFacts } from './lifecycle';

interface MemberRow {
  trend_id: number;
  time_ms: string;
  source: string;
  engagement: Record<string, unknown> | null;
}

/**
 * Recomputes lifecycle, velocity, diversity, engagement and explanation as of `asOfMs` for the
 * given trends and for every other active trend whose figures can still change: those seen within
 * the last two periods and those not yet marked fading. Older fading trends keep their figures, so
 * the cost follows the live part of the feed, not its whole history.
 */
export async function refreshLifecycles(
  tx: EntityManager,
  trendIds: number[],
  asOfMs: number,
  periodMs = DEFAULT_LIFECYCLE_PERIOD_MS,
): Promise<void> {
  const asOf = new Date(asOfMs);
  const ids: Array<{ id: number }> = await tx.query(
    `SELECT id FROM trends WHERE status = 'active'
       AND (id = ANY($1::int[]) OR lifecycle <> 'fading' OR last_seen > $2::timestamptz - make_interval(secs => $3))`,
    [trendIds, asOf, (2 * periodMs) / 1000],
  );
  if (ids.length === 0) return;
  const rows: MemberRow[] = await tx.query(
    `SELECT m.trend_id, (extract(epoch FROM coalesce(i.published_at, i.collected_at)) * 1000)::bigint::text AS time_ms,
            coalesce(i.metadata->>'publisher', i.source_id::text) AS source,
            (SELECT jsonb_object_agg(e.key, e.value) FROM jsonb_each(i.metadata) e WHERE e.key = ANY($2::text[])) AS engagement
     FROM trend_members m JOIN items i ON i.id = m.item_id WHERE m.trend_id = ANY($1::int[])`,
    [ids.map((r) => r.id), [...ENGAGEMENT_KEYS]],
  );
  const byTrend = new Map<number, MemberFacts[]>(ids.map((r) => [r.id, []]));
  for (const r of rows) {
    byTrend.get(r.trend_id)?.push({ timeMs: Number(r.time_ms), source: r.source, engagement: r.engagement ? engagementOf(r.engagement) : null });
  }
  const out = { ids: [] as number[], lifecycle: [] as string[], velocity: [] as number[], acceleration: [] as number[],
    recent: [] as number[], previous: [] as number[], diversity: [] as number[], engagement: [] as Array<number | null>, explanation: [] as string[] };
  for (const [id, members] of byTrend) {
    const f = describeLifecycle(members, asOfMs, periodMs);
    out.ids.push(id);
    out.lifecycle.push(f.lifecycle);
    out.velocity.push(f.velocity);
    out.acceleration.push(f.acceleration);
    out.recent.push(f.recentCount);
    out.previous.push(f.previousCount);
    out.diversity.push(f.sourceDiversity);
    out.engagement.push(f.engagement);
    out.explanation.push(f.explanation);
  }
  await tx.query(
    `UPDATE trends t SET lifecycle = u.l, velocity = u.v, acceleration = u.a, recent_count = u.r, previous_count = u.p,
            source_diversity = u.d, engagement = u.e, explanation = u.x, lifecycle_as_of = $10
     FROM unnest($1::int[], $2::text[], $3::real[], $4::real[], $5::int[], $6::int[], $7::real[], $8::real[], $9::text[])
          AS u(id, l, v, a, r, p, d, e, x)
     WHERE t.id = u.id`,
    [out.ids, out.lifecycle, out.velocity, out.acceleration, out.recent, out.previous, out.diversity, out.engagement, out.explanation, asOf],
  );
}
