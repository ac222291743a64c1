import { Context } from '@temporalio/activity';
import type { DataSource, EntityManager } from 'typeorm';
import type { PipelineMetrics } from '../../observability/pipeline-metrics';
import { bytesToVector } from '../../db/vector-codec';
import { appendEvents } from '../../services/events';
import type { ClusterWindowInput, ClusterWindowResult } from '../../workflows/types';
import { clusterEmbeddings, DEFAULT_CLUSTER_OPTIONS } from './cluster-embeddings';
import { lockTrends, persistClusters, staleTrendIds, writeSnapshot, type SummaryKey } from './persist-trends';
import { measuredThresholdFor } from './model-thresholds';
import { refreshLifecycles } from './refresh-lifecycles';
import type { ClusterOptions } from './types';

export interface ClusterActivityDeps {
  db: DataSource;
  options?: Partial<ClusterOptions>;
  /** How summaries are made now; trends summarized another way are handed back for re-summarizing. */
  summaryKey?: SummaryKey;
  /** Counts clustered items per source for Prometheus. */
  metrics?: Pick<PipelineMetrics, 'clustered'>;
}

interface WindowRow {
  id: string;
  title: string;
  vector: Buffer;
  /** The item's trend before this run, null for none. */
  trend_id: number | null;
  /** In the snapshot of the previous clustered run (as member or noise). */
  seen: boolean;
  time_ms: string;
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}

/**
 * The latest run before this one (or this run itself, when a retry finds its own snapshot) that
 * stored a clustering; its snapshot tells which window items are new to the clusterer.
 */
async function previousClusteredRun(tx: EntityManager, runId: string): Promise<string | null> {
  const [row] = await tx.query(
    `SELECT r.id FROM runs r
     WHERE r.created_at <= (SELECT created_at FROM runs WHERE id = $1)
       AND EXISTS (SELECT 1 FROM cluster_assignments a WHERE a.run_id = r.id)
     ORDER BY (r.id = $1) DESC, r.created_at DESC, r.id DESC LIMIT 1`,
    [runId],
  );
  return (row as { id: string } | undefined)?.id ?? null;
}

/** The cluster stage: clusters the window's embedded items around the existing trends and stores the result. */
export function createClusterActivities({ db, options, summaryKey, metrics }: ClusterActivityDeps) {
  const clusterOptions: ClusterOptions = { ...DEFAULT_CLUSTER_OPTIONS, ...options };
  return {
    async clusterWindow(input: ClusterWindowInput): Promise<ClusterWindowResult> {
      const ctx = Context.current();
      // One transaction under the trends lock from reading memberships to writing them: another
      // run's clustering cannot change the seeds this one starts from.
      const windowResult = await db.transaction(async (tx) => {
        await lockTrends(tx);
        const previousRun = await previousClusteredRun(tx, input.runId);
        // Window by published time, else collected time: feeds without dates still take part.
        const rows: WindowRow[] = await tx.query(
          `SELECT i.id, i.title, e.vector, m.trend_id, (a.item_id IS NOT NULL) AS seen,
                  (extract(epoch FROM coalesce(i.published_at, i.collected_at)) * 1000)::bigint::text AS time_ms
           FROM items i
           JOIN embeddings e ON e.model_id = $1 AND e.content_hash = i.content_hash
           LEFT JOIN trend_members m ON m.item_id = i.id
           LEFT JOIN cluster_assignments a ON a.run_id = $3 AND a.item_id = i.id
           WHERE $2::timestamptz IS NULL OR coalesce(i.published_at, i.collected_at) >= $2
           ORDER BY i.id`,
          [input.modelId, input.windowFromMs === null ? null : new Date(input.windowFromMs), previousRun],
        );
        ctx.heartbeat({ loaded: rows.length });
        // Lifecycles are relative to the newest item, not the wall clock (see lifecycle.ts).
        const newest = rows.reduce((max, r) => Math.max(max, Number(r.time_ms)), -Infinity);
        const asOfMs = rows.length > 0 ? Math.min(newest, input.windowToMs) : null;
        const windowTrends = [...new Set(rows.flatMap((r) => (r.trend_id === null ? [] : [r.trend_id])))];

        if (previousRun !== null && rows.every((r) => r.seen || r.trend_id !== null)) {
          // Nothing new reached the window: the trends stand as they are, so a rerun changes nothing.
          await writeSnapshot(tx, input.runId, rows.map((r) => r.id), rows.map((r) => r.trend_id));
          if (asOfMs !== null) await refreshLifecycles(tx, windowTrends, asOfMs);
          return {
            items: rows.length,
            clusters: windowTrends.length,
            noise: rows.filter((r) => r.trend_id === null).length,
            trendsCreated: 0,
            trendsUpdated: 0,
            trendsDissolved: 0,
            trendsMerged: 0,
            trendsSplit: 0,
            changedTrendIds: await staleTrendIds(tx, windowTrends, summaryKey),
          };
        }

        const vectors = rows.map((r) => bytesToVector(r.vector));
        const result = clusterEmbeddings(
          { vectors, texts: rows.map((r) => r.title), seeds: rows.map((r) => r.trend_id), times: rows.map((r) => Number(r.time_ms)) },
          // A threshold set in config wins; else the one measured for this model, else the default.
          { ...clusterOptions, distanceThreshold: options?.distanceThreshold ?? measuredThresholdFor(input.modelId) ?? clusterOptions.distanceThreshold },
        );
        ctx.heartbeat({ clustered: rows.length });

        // Similarity of each member to its cluster centroid, kept on the membership row.
        const similarity = new Float64Array(rows.length);
        for (const c of result.clusters) {
          const dims = vectors[0]?.length ?? 0;
          const centroid = new Float32Array(dims);
          for (const m of c.members) {
            const v = vectors[m] as Float32Array;
            for (let d = 0; d < dims; d++) centroid[d] = (centroid[d] as number) + (v[d] as number);
          }
          const norm = Math.sqrt(dot(centroid, centroid)) || 1;
          for (const m of c.members) similarity[m] = dot(vectors[m] as Float32Array, centroid) / norm;
        }
        const items = rows.map((r, i) => ({ id: r.id, similarity: similarity[i] as number, trendId: r.trend_id }));
        const outcome = await persistClusters(tx, input.runId, items, result, asOfMs, summaryKey);
        return {
          items: rows.length,
          clusters: result.clusters.length,
          noise: result.labels.filter((l) => l < 0).length,
          ...outcome,
        };
      });
      await metrics?.clustered(input.runId); // after commit: it reads the snapshot just written
      const { changedTrendIds, ...counts } = windowResult;
      await appendEvents(db, [{ type: 'run.progress', runId: input.runId, subject: 'clustered', payload: { stage: 'clustered', ...counts, toSummarize: changedTrendIds.length } }]);
      return windowResult;
    },
  };
}

export type ClusterActivities = ReturnType<typeof createClusterActivities>;
