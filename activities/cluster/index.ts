import { Context } from '@temporalio/activity';
import type { DataSource } from 'typeorm';
import { bytesToVector } from '../../db/vector-codec';
import type { ClusterWindowInput, ClusterWindowResult } from '../../workflows/types';
import { clusterEmbeddings, DEFAULT_CLUSTER_OPTIONS } from './cluster-embeddings';
import { persistClusters } from './persist-trends';
import type { ClusterOptions } from './types';

export interface ClusterActivityDeps {
  db: DataSource;
  options?: Partial<ClusterOptions>;
}

interface WindowRow {
  id: string;
  title: string;
  vector: Buffer;
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}

/** The cluster stage: clusters every embedded item of the window and stores the result as trends. */
export function createClusterActivities({ db, options }: ClusterActivityDeps) {
  const clusterOptions: ClusterOptions = { ...DEFAULT_CLUSTER_OPTIONS, ...options };
  return {
    async clusterWindow(input: ClusterWindowInput): Promise<ClusterWindowResult> {
      const ctx = Context.current();
      // Window by published time, else collected time: feeds without dates still take part.
      const rows: WindowRow[] = await db.query(
        `SELECT i.id, i.title, e.vector FROM items i
         JOIN embeddings e ON e.model_id = $1 AND e.content_hash = i.content_hash
         WHERE $2::timestamptz IS NULL OR coalesce(i.published_at, i.collected_at) >= $2
         ORDER BY i.id`,
        [input.modelId, input.windowFromMs === null ? null : new Date(input.windowFromMs)],
      );
      ctx.heartbeat({ loaded: rows.length });
      const vectors = rows.map((r) => bytesToVector(r.vector));
      const result = clusterEmbeddings({ vectors, texts: rows.map((r) => r.title) }, clusterOptions);
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
      const items = rows.map((r, i) => ({ id: r.id, similarity: similarity[i] as number }));
      const outcome = await db.transaction((tx) => persistClusters(tx, input.runId, items, result));
      return {
        items: rows.length,
        clusters: result.clusters.length,
        noise: result.labels.filter((l) => l < 0).length,
        ...outcome,
      };
    },
  };
}

export type ClusterActivities = ReturnType<typeof createClusterActivities>;
