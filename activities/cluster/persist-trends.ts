import type { EntityManager } from 'typeorm';
import type { ClusterResult } from './types';

export interface WindowItem {
  id: string;
  /** Cosine similarity to its cluster's centroid (0 for noise). */
  similarity: number;
}

export interface PersistOutcome {
  trendsCreated: number;
  trendsUpdated: number;
  trendsDissolved: number;
  changedTrendIds: number[];
}

/**
 * Writes one clustering of a window as trends that keep their identity: a cluster takes over the
 * existing trend holding most of its items (when that overlap is at least half of either side), and
 * only a cluster with no such trend becomes a new trend. Runs inside the caller's transaction.
 */
export async function persistClusters(
  tx: EntityManager,
  runId: string,
  items: WindowItem[],
  result: ClusterResult,
): Promise<PersistOutcome> {
  // One clustering writes trends at a time: concurrent runs would otherwise race for the same trends.
  await tx.query(`SELECT pg_advisory_xact_lock(hashtext('trendflow:persist-clusters'))`);
  const ids = items.map((i) => i.id);
  const current: Array<{ item_id: string; trend_id: number; size: number }> = await tx.query(
    `SELECT m.item_id, m.trend_id, t.size FROM trend_members m JOIN trends t ON t.id = m.trend_id
     WHERE m.item_id = ANY($1::bigint[])`,
    [ids],
  );
  const trendOf = new Map(current.map((r) => [r.item_id, r.trend_id]));
  const trendSize = new Map(current.map((r) => [r.trend_id, r.size]));
  const previousTrends = new Set(trendSize.keys());

  const claimed = new Set<number>();
  const trendForLabel = new Map<number, number>();
  let created = 0;
  for (const c of result.clusters) {
    const overlap = new Map<number, number>();
    for (const m of c.members) {
      const t = trendOf.get(items[m]?.id ?? '');
      if (t !== undefined && !claimed.has(t)) overlap.set(t, (overlap.get(t) ?? 0) + 1);
    }
    let best: number | undefined;
    let bestOverlap = 0;
    for (const [t, n] of overlap) if (n > bestOverlap || (n === bestOverlap && best !== undefined && t < best)) [best, bestOverlap] = [t, n];
    const keeps = best !== undefined && (bestOverlap * 2 >= c.members.length || bestOverlap * 2 >= (trendSize.get(best) ?? Infinity));
    let trendId: number;
    if (keeps && best !== undefined) {
      trendId = best;
    } else {
      const [row] = await tx.query(
        `INSERT INTO trends (created_run_id, updated_run_id) VALUES ($1, $1) RETURNING id`,
        [runId],
      );
      trendId = (row as { id: number }).id;
      created++;
    }
    claimed.add(trendId);
    trendForLabel.set(c.label, trendId);
    const representativeIds = c.representatives.map((r) => items[r]?.id).filter((x): x is string => !!x);
    await tx.query(
      `UPDATE trends SET keywords = $2, representative_ids = $3, cohesion = $4, label = $5, status = 'active',
              updated_run_id = $6, updated_at = now() WHERE id = $1`,
      [trendId, JSON.stringify(c.keywords), JSON.stringify(representativeIds), c.cohesion,
        c.keywords.slice(0, 3).map((k) => k.term).join(' · '), runId],
    );
  }

  // Re-home every window item: its new trend, or none if it is noise now.
  await tx.query(`DELETE FROM trend_members WHERE item_id = ANY($1::bigint[])`, [ids]);
  const memberIds: string[] = [];
  const memberTrends: number[] = [];
  const memberSims: number[] = [];
  const assignTrend: Array<number | null> = [];
  items.forEach((item, idx) => {
    const label = result.labels[idx] ?? -1;
    const trendId = label >= 0 ? trendForLabel.get(label) : undefined;
    assignTrend.push(trendId ?? null);
    if (trendId === undefined) return;
    memberIds.push(item.id);
    memberTrends.push(trendId);
    memberSims.push(item.similarity);
  });
  await tx.query(
    `INSERT INTO trend_members (item_id, trend_id, similarity, run_id)
     SELECT i, t, s, $4 FROM unnest($1::bigint[], $2::int[], $3::real[]) AS u(i, t, s)`,
    [memberIds, memberTrends, memberSims, runId],
  );
  await tx.query(`DELETE FROM cluster_assignments WHERE run_id = $1`, [runId]);
  await tx.query(
    `INSERT INTO cluster_assignments (run_id, item_id, trend_id)
     SELECT $1, i, t FROM unnest($2::bigint[], $3::int[]) AS u(i, t)`,
    [runId, ids, assignTrend],
  );

  // Refresh the derived columns of every trend this run touched, and find the ones whose summary is stale.
  const touched = [...new Set([...claimed, ...previousTrends])];
  await tx.query(
    `UPDATE trends t SET size = coalesce(a.size, 0), source_count = coalesce(a.sources, 0),
            first_seen = a.first_seen, last_seen = a.last_seen, membership_hash = a.hash,
            status = CASE WHEN a.size IS NULL THEN 'dissolved' ELSE 'active' END
     FROM (SELECT id FROM unnest($1::int[]) AS id) x
     LEFT JOIN LATERAL (
       SELECT count(*)::int AS size, count(DISTINCT coalesce(i.metadata->>'publisher', i.source_id::text))::int AS sources,
              min(coalesce(i.published_at, i.collected_at)) AS first_seen,
              max(coalesce(i.published_at, i.collected_at)) AS last_seen,
              encode(sha256(string_agg(m.item_id::text, ',' ORDER BY m.item_id)::bytea), 'hex') AS hash
       FROM trend_members m JOIN items i ON i.id = m.item_id WHERE m.trend_id = x.id
       HAVING count(*) > 0
     ) a ON true
     WHERE t.id = x.id`,
    [touched],
  );
  const after: Array<{ id: number; membership_hash: string | null; status: string; summarized: boolean }> = await tx.query(
    `SELECT t.id, t.membership_hash, t.status, (s.membership_hash IS NOT DISTINCT FROM t.membership_hash) AS summarized
     FROM trends t LEFT JOIN summaries s ON s.trend_id = t.id WHERE t.id = ANY($1::int[])`,
    [touched],
  );
  // A trend needs a (new) summary when its current membership has none: new, changed, or never summarized.
  const changedTrendIds = after
    .filter((r) => r.status === 'active' && !r.summarized)
    .map((r) => r.id)
    .sort((a, b) => a - b);
  return {
    trendsCreated: created,
    trendsUpdated: claimed.size - created,
    trendsDissolved: after.filter((r) => r.status === 'dissolved').length,
    changedTrendIds,
  };
}
