import { ApplicationFailure, Context } from '@temporalio/activity';
import type { DataSource } from 'typeorm';
import type { PipelineMetrics } from '../../observability/pipeline-metrics';
import { bytesToVector, vectorToBytes } from '../../db/vector-codec';
import type { VectorStore } from '../../vectors/vector-store';
import type { EmbedBatchRef, EmbedBatchResult, EmbedPlan } from '../../workflows/types';
import { VectorDimensionError } from '../../vectors/errors';
import type { Embedder } from './embedder';
import { embeddingText } from './text';
import { isPermanentEmbedError } from './errors';

export interface EmbedActivityDeps {
  db: DataSource;
  /** Resolved lazily: the model loads on the first batch, not at worker start. */
  getEmbedder: () => Promise<Embedder>;
  vectorStore: () => Promise<VectorStore>;
  /**
   * Texts per embedder call; heartbeats go out between calls. 256 lets the USE embedder sort by length and
   * split across its threads (~1 s of work), and stays far below the 2-minute heartbeat timeout.
   */
  subBatchSize?: number;
  /** Counts newly embedded items per source for Prometheus. */
  metrics?: Pick<PipelineMetrics, 'embedded'>;
}

/**
 * Errors a retry cannot fix (bad model name or key, unusable vectors, a vector of the wrong size for its
 * collection) become non-retryable ApplicationFailures typed by error name, so the run fails at once
 * instead of burning ten attempts; everything else is rethrown for Temporal to retry.
 */
export function toActivityError(error: unknown): unknown {
  if (!isPermanentEmbedError(error) && !(error instanceof VectorDimensionError)) return error;
  const e = error as Error;
  return ApplicationFailure.create({ message: e.message, type: e.name, nonRetryable: true, cause: e });
}

export { embeddingText } from './text';

interface BatchRow {
  id: string;
  title: string;
  text: string;
  content_hash: string;
  source_id: number;
  published_ms: string | null;
  language: string | null;
  trend_id: number | null;
  vector: Buffer | null;
}

/** The embed stage: plans id-range batches of a run's items, then embeds each batch once. */
export function createEmbedActivities({ db, getEmbedder, vectorStore, subBatchSize = 256, metrics }: EmbedActivityDeps) {
  /**
   * Embeds the run's items in the range that lack a vector, stores the vectors in Postgres, then
   * upserts the whole range into the vector store. A retry after a crash re-upserts what Postgres
   * already has instead of re-embedding it, so neither store ends up missing or duplicating rows.
   */
  async function embedRange(ref: EmbedBatchRef): Promise<EmbedBatchResult> {
    const ctx = Context.current();
    const embedder = await getEmbedder();
    const rows: BatchRow[] = await db.query(
      `SELECT i.id, i.title, i.text, i.content_hash, i.source_id,
              (extract(epoch from coalesce(i.published_at, i.collected_at)) * 1000)::bigint AS published_ms,
              i.language AS language, m.trend_id, e.vector
       FROM run_items ri JOIN items i ON i.id = ri.item_id
       LEFT JOIN embeddings e ON e.model_id = $4 AND e.content_hash = i.content_hash
       LEFT JOIN trend_members m ON m.item_id = i.id
       WHERE ri.run_id = $1 AND ri.item_id BETWEEN $2 AND $3 ORDER BY i.id`,
      [ref.runId, ref.fromItemId, ref.toItemId, embedder.id],
    );
    const todo = rows.filter((r) => r.vector === null);
    const vectors = new Map<string, Float32Array>();
    for (const r of rows) if (r.vector) vectors.set(r.id, bytesToVector(r.vector));
    for (let i = 0; i < todo.length; i += subBatchSize) {
      const chunk = todo.slice(i, i + subBatchSize);
      const embedded = await embedder.embed(chunk.map((r) => embeddingText(r.title, r.text)));
      await db.query(
        `INSERT INTO embeddings (model_id, content_hash, dims, vector)
         SELECT $1, h, $2, v FROM unnest($3::text[], $4::bytea[]) AS t(h, v)
         ON CONFLICT DO NOTHING`,
        [embedder.id, embedder.dimensions, chunk.map((r) => r.content_hash), embedded.map(vectorToBytes)],
      );
      chunk.forEach((r, k) => vectors.set(r.id, embedded[k] as Float32Array));
      ctx.heartbeat({ done: i + chunk.length, of: todo.length });
    }
    const store = await vectorStore();
    await store.upsert(
      embedder.id,
      rows.map((r) => ({
        id: r.id,
        vector: vectors.get(r.id) as Float32Array,
        source: String(r.source_id),
        publishedAt: Number(r.published_ms ?? 0),
        language: r.language,
        trendId: r.trend_id,
      })),
    );
    await metrics?.embedded(todo.map((r) => r.source_id));
    return { embedded: todo.length, cached: rows.length - todo.length };
  }

  return {
    async planEmbedBatches({ runId, batchSize }: { runId: string; batchSize: number }): Promise<EmbedPlan> {
      // Creating a remote embedder makes a probe request: a bad key or model fails here, for good.
      const embedder = await getEmbedder().catch((error: unknown) => {
        throw toActivityError(error);
      });
      const rows: Array<{ item_id: string; has: boolean }> = await db.query(
        `SELECT ri.item_id, (e.content_hash IS NOT NULL) AS has
         FROM run_items ri JOIN items i ON i.id = ri.item_id
         LEFT JOIN embeddings e ON e.model_id = $2 AND e.content_hash = i.content_hash
         WHERE ri.run_id = $1 ORDER BY ri.item_id`,
        [runId, embedder.id],
      );
      const missing = rows.filter((r) => !r.has).map((r) => r.item_id);
      const batches: EmbedBatchRef[] = [];
      for (let i = 0; i < missing.length; i += batchSize) {
        const ids = missing.slice(i, i + batchSize);
        batches.push({ runId, fromItemId: ids[0] as string, toItemId: ids[ids.length - 1] as string, count: ids.length });
      }
      return { modelId: embedder.id, batches, alreadyEmbedded: rows.length - missing.length };
    },

    /** See embedRange; permanent failures leave as non-retryable ApplicationFailures. */
    async embedBatch(ref: EmbedBatchRef): Promise<EmbedBatchResult> {
      try {
        return await embedRange(ref);
      } catch (error) {
        throw toActivityError(error);
      }
    },
  };
}

export type EmbedActivities = ReturnType<typeof createEmbedActivities>;
