import type { EntityManager } from 'typeorm';
import type { TrendEventKind } from '../../db/entities/trend-event';
import { planIdentity } from './identity';
import { refreshLifecycles } from './refresh-lifecycles';
import type { ClusterResult } from './types';

export interface WindowItem {
  id: string;
  /** Cosine similarity to its cluster's centroid (0 for noise). */
  similarity: number;
  /** The active trend the item belonged to before this run, null for none. */
  trendId: number | null;
}

export interface PersistOutcome {
  trendsCreated: number;
  trendsUpdated: number;
  trendsDissolved: number;
  trendsMerged: number;
  trendsSplit: number;
  changedTrendIds: number[];
}

/** What a stored summary was made with; a trend whose summary differs in any part is summarized again. */
export interface SummaryKey {
  model: string;
  promptVersion: string;
}

/** Serialises every writer of trends: concurrent runs would otherwise race for the same trends. */
export async function lockTrends(tx: EntityManager): Promise<void> {
  await tx.query(`SELECT pg_advisory_xact_lock(hashtext('trendflow:persist-clusters'))`);
}

/**
 * Writes one clustering of a window as trends that keep their identity (rules in identity.ts): a
 * cluster continues the earlier trend it holds most of, absorbs other trends it is heir to (a merge
 * event; their members outside the window move too), or becomes a new trend (a create or split
 * event). Runs inside the caller's transaction, which must hold `lockTrends`.
 */
export async function persistClusters(
  tx: EntityManager,
  runId: string,
  items: WindowItem[],
  result: ClusterResult,
  asOfMs: number | null,
  summaryKey?: SummaryKey,
): Promise<PersistOutcome> {
  const ids = items.map((i) => i.id);
  const plan = planIdentity(
    items.map((i) => i.trendId),
    result.labels,
  );
  const events: Array<{ kind: TrendEventKind; trendId: number; other: number | null; items: number }> = [];
  const trendForLabel = new Map<number, number>();
  const touched = new Set<number>(items.flatMap((i) => (i.trendId === null ? [] : [i.trendId])));
  let created = 0;
  let split = 0;
  for (const identity of plan.clusters) {
    const c = result.clusters[identity.label];
    if (c === undefined || c.label !== identity.label) throw new Error(`cluster ${identity.label} missing from the result`);
    let trendId = identity.continues;
    if (trendId === null) {
      const [row] = await tx.query(`INSERT INTO trends (created_run_id, updated_run_id) VALUES ($1, $1) RETURNING id`, [runId]);
      trendId = (row as { id: number }).id;
      created++;
      if (identity.splitFrom !== null) split++;
      events.push({ kind: identity.splitFrom === null ? 'create' : 'split', trendId, other: identity.splitFrom, items: c.members.length });
    }
    touched.add(trendId);
    trendForLabel.set(c.label, trendId);
    for (const absorbed of identity.absorbs) {
      const count = updatedRows(await tx.query(`UPDATE trend_members SET trend_id = $2 WHERE trend_id = $1 RETURNING item_id`, [absorbed, trendId])).length;
      await tx.query(
        `UPDATE trends SET status = 'dissolved', merged_into_id = $2, updated_run_id = $3, updated_at = now() WHERE id = $1`,
        [absorbed, trendId, runId],
      );
      // Trends merged into the absorbed one earlier now point at the survivor: one hop always resolves.
      await tx.query(`UPDATE trends SET merged_into_id = $2 WHERE merged_into_id = $1`, [absorbed, trendId]);
      events.push({ kind: 'merge', trendId, other: absorbed, items: count });
    }
    const representativeIds = c.representatives.map((r) => items[r]?.id).filter((x): x is string => !!x);
    // The label is the summary's title once there is one; keywords only stand in until then.
    await tx.query(
      `UPDATE trends t SET keywords = $2, representative_ids = $3, cohesion = $4, status = 'active', merged_into_id = NULL,
              label = CASE WHEN EXISTS (SELECT 1 FROM summaries s WHERE s.trend_id = t.id) THEN t.label ELSE $5 END,
              updated_run_id = $6, updated_at = now() WHERE id = $1`,
      [trendId, JSON.stringify(c.keywords), JSON.stringify(representativeIds), c.cohesion,
        c.keywords.slice(0, 3).map((k) => k.term).join(' · '), runId],
    );
  }

  // Re-home every window item: its new trend, or none if it is noise now.
  await tx.query(`DELETE FROM trend_members WHERE item_id = ANY($1::bigint[])`, [ids]);
  const members = { ids: [] as string[], trends: [] as number[], sims: [] as number[] };
  const assignTrend: Array<number | null> = items.map((item, idx) => {
    const label = result.labels[idx] ?? -1;
    const trendId = label >= 0 ? trendForLabel.get(label) : undefined;
    if (trendId === undefined) return null;
    members.ids.push(item.id);
    members.trends.push(trendId);
    members.sims.push(item.similarity);
    return trendId;
  });
  await tx.query(
    `INSERT INTO trend_members (item_id, trend_id, similarity, run_id)
     SELECT i, t, s, $4 FROM unnest($1::bigint[], $2::int[], $3::real[]) AS u(i, t, s)`,
    [members.ids, members.trends, members.sims, runId],
  );
  await writeSnapshot(tx, runId, ids, assignTrend);

  // Trends left with no member at all (not merged: those moved theirs) dissolve, recorded as such.
  const merged = new Set(events.filter((e) => e.kind === 'merge').map((e) => e.other));
  await refreshDerivedColumns(tx, [...touched]);
  const emptied = updatedRows<{ id: number }>(
    await tx.query(
      `UPDATE trends SET status = 'dissolved', updated_run_id = $2 WHERE id = ANY($1::int[]) AND size = 0 AND status = 'active' RETURNING id`,
      [[...touched].filter((t) => !merged.has(t)), runId],
    ),
  );
  for (const { id } of emptied) events.push({ kind: 'dissolve', trendId: id, other: null, items: 0 });
  await recordEvents(tx, runId, events);
  if (asOfMs !== null) await refreshLifecycles(tx, [...touched], asOfMs);

  return {
    trendsCreated: created,
    trendsUpdated: plan.clusters.length - created,
    trendsDissolved: emptied.length + merged.size,
    trendsMerged: merged.size,
    trendsSplit: split,
    changedTrendIds: await staleTrendIds(tx, [...touched], summaryKey),
  };
}

/** The rows of an UPDATE … RETURNING: TypeORM's postgres driver answers `[rows, affectedCount]` for updates. */
function updatedRows<T>(result: unknown): T[] {
  return Array.isArray(result) && Array.isArray(result[0]) ? (result[0] as T[]) : [];
}

/** This run's own record of who was clustered where (trend null = noise); `trendflow eval` scores it. */
export async function writeSnapshot(tx: EntityManager, runId: string, itemIds: string[], trendIds: Array<number | null>): Promise<void> {
  await tx.query(`DELETE FROM cluster_assignments WHERE run_id = $1`, [runId]);
  await tx.query(
    `INSERT INTO cluster_assignments (run_id, item_id, trend_id) SELECT $1, i, t FROM unnest($2::bigint[], $3::int[]) AS u(i, t)`,
    [runId, itemIds, trendIds],
  );
}

async function recordEvents(
  tx: EntityManager,
  runId: string,
  events: Array<{ kind: TrendEventKind; trendId: number; other: number | null; items: number }>,
): Promise<void> {
  if (events.length === 0) return;
  await tx.query(`DELETE FROM trend_events WHERE run_id = $1`, [runId]); // a retried activity rewrites its own events
  await tx.query(
    `INSERT INTO trend_events (run_id, kind, trend_id, other_trend_id, items)
     SELECT $1, k, t, o, n FROM unnest($2::text[], $3::int[], $4::int[], $5::int[]) AS u(k, t, o, n)`,
    [runId, events.map((e) => e.kind), events.map((e) => e.trendId), events.map((e) => e.other), events.map((e) => e.items)],
  );
}

/** Size, source count, first/last seen and membership hash, recomputed from the members. */
async function refreshDerivedColumns(tx: EntityManager, trendIds: number[]): Promise<void> {
  await tx.query(
    `UPDATE trends t SET size = coalesce(a.size, 0), source_count = coalesce(a.sources, 0),
            first_seen = a.first_seen, last_seen = a.last_seen, membership_hash = a.hash
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
    [trendIds],
  );
}

/**
 * Active trends among `trendIds` whose current membership has no summary made the way summaries
 * are made now: new, changed, never summarized, or (when `key` is given) summarized by another
 * model or prompt version.
 */
export async function staleTrendIds(tx: EntityManager, trendIds: number[], key?: SummaryKey): Promise<number[]> {
  const rows: Array<{ id: number }> = await tx.query(
    `SELECT t.id FROM trends t LEFT JOIN summaries s ON s.trend_id = t.id
     WHERE t.id = ANY($1::int[]) AND t.status = 'active' AND t.membership_hash IS NOT NULL
       AND (s.trend_id IS NULL OR s.membership_hash IS DISTINCT FROM t.membership_hash
            OR ($2::text IS NOT NULL AND (s.model <> $2 OR s.prompt_version <> $3)))
     ORDER BY t.id`,
    [trendIds, key?.model ?? null, key?.promptVersion ?? null],
  );
  return rows.map((r) => r.id);
}
