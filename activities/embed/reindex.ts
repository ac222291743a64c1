/**
 * Rebuilding the vector index from Postgres (the source of truth), and re-embedding every item with a model.
 * Used by `trendflow reindex` and `trendflow reembed`; both page through items by id, so memory stays flat
 * and a rerun after a crash simply starts over (upserts overwrite, embedding inserts skip what exists).
 */
import type { DataSource } from 'typeorm';
import { bytesToVector, vectorToBytes } from '../../db/vector-codec';
import type { VectorRecord, VectorStore } from '../../vectors/vector-store';
import type { Embedder } from './embedder';
import { embeddingText } from './text';

/** Called after each page with how many of `total` are done. */
export type Progress = (done: number, total: number) => void;

export interface ReindexOptions {
  modelId: string;
  /** Items per page (default 1000). */
  pageSize?: number;
  /** Drop the model's table/collection first (needed after a schema change); search is empty until the rebuild ends. */
  recreate?: boolean;
  onProgress?: Progress;
}

export interface ReindexResult {
  modelId: string;
  /** Vectors written from Postgres. */
  upserted: number;
  /** Vectors in the index whose item no longer has an embedding in Postgres, removed. */
  removed: number;
}

interface VectorRow {
  id: string;
  vector: Buffer;
  source_id: number;
  published_ms: string;
  language: string | null;
  trend_id: number | null;
}

const PAYLOAD = `i.source_id, (extract(epoch from coalesce(i.published_at, i.collected_at)) * 1000)::bigint AS published_ms,
  i.language AS language, m.trend_id`;

function toRecord(r: { id: string; source_id: number; published_ms: string; language: string | null; trend_id: number | null }, vector: Float32Array): VectorRecord {
  return { id: r.id, vector, source: String(r.source_id), publishedAt: Number(r.published_ms), language: r.language, trendId: r.trend_id };
}

/** Model ids that have embeddings in Postgres, most items first. */
export async function embeddedModels(db: DataSource): Promise<Array<{ modelId: string; items: number }>> {
  const rows: Array<{ model_id: string; n: number }> = await db.query(
    `SELECT e.model_id, count(*)::int AS n FROM embeddings e JOIN items i ON i.content_hash = e.content_hash
     GROUP BY e.model_id ORDER BY n DESC, e.model_id`,
  );
  return rows.map((r) => ({ modelId: r.model_id, items: r.n }));
}

/** Writes every stored embedding of `modelId` into the index (payload refreshed: source, time, language, trend), then prunes strays. */
export async function reindexFromPostgres(db: DataSource, store: VectorStore, o: ReindexOptions): Promise<ReindexResult> {
  const pageSize = o.pageSize ?? 1000;
  if (!Number.isInteger(pageSize) || pageSize < 1) throw new TypeError(`pageSize must be a positive integer, got ${pageSize}`);
  const [{ total } = { total: 0 }]: Array<{ total: number }> = await db.query(
    `SELECT count(*)::int AS total FROM items i JOIN embeddings e ON e.model_id = $1 AND e.content_hash = i.content_hash`,
    [o.modelId],
  );
  if (o.recreate) await store.drop(o.modelId);
  const kept = new Set<string>();
  let after = '0';
  for (;;) {
    const rows: VectorRow[] = await db.query(
      `SELECT i.id, e.vector, ${PAYLOAD}
       FROM items i JOIN embeddings e ON e.model_id = $1 AND e.content_hash = i.content_hash
       LEFT JOIN trend_members m ON m.item_id = i.id
       WHERE i.id > $2 ORDER BY i.id LIMIT $3`,
      [o.modelId, after, pageSize],
    );
    const last = rows[rows.length - 1];
    if (!last) break;
    await store.upsert(o.modelId, rows.map((r) => toRecord(r, bytesToVector(r.vector))));
    for (const r of rows) kept.add(r.id);
    after = last.id;
    o.onProgress?.(kept.size, Math.max(total, kept.size));
  }
  const removed = o.recreate ? 0 : await prune(db, store, o.modelId, kept);
  return { modelId: o.modelId, upserted: kept.size, removed };
}

/**
 * Deletes index entries with no embedding in Postgres. Candidates are re-checked against Postgres before the
 * delete, so an item a running pipeline embedded after our pass began is kept.
 */
async function prune(db: DataSource, store: VectorStore, modelId: string, kept: Set<string>): Promise<number> {
  const strays: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.scroll(modelId, { limit: 1000, after: cursor });
    for (const r of page.records) if (!kept.has(r.id)) strays.push(r.id);
    cursor = page.next;
  } while (cursor !== undefined);
  if (strays.length === 0) return 0;
  const numeric = strays.filter((id) => /^\d{1,19}$/.test(id));
  const alive: Array<{ id: string }> = await db.query(
    `SELECT i.id FROM items i JOIN embeddings e ON e.model_id = $1 AND e.content_hash = i.content_hash WHERE i.id = ANY($2::bigint[])`,
    [modelId, numeric],
  );
  const keep = new Set(alive.map((r) => r.id));
  const gone = strays.filter((id) => !keep.has(id));
  await store.delete(modelId, gone);
  return gone.length;
}

export interface ReembedResult {
  modelId: string;
  /** Items embedded now. */
  embedded: number;
  /** Items that already had an embedding for this model (reused, not recomputed). */
  cached: number;
}

/**
 * Embeds every item that has no embedding for `embedder`'s model into Postgres and the model's own index
 * (a new table/collection per model id, so models never mix), then makes sure cached ones are indexed too.
 */
export async function reembedAll(
  db: DataSource,
  embedder: Embedder,
  store: VectorStore,
  o: { pageSize?: number; onProgress?: Progress } = {},
): Promise<ReembedResult> {
  const pageSize = o.pageSize ?? 256;
  if (!Number.isInteger(pageSize) || pageSize < 1) throw new TypeError(`pageSize must be a positive integer, got ${pageSize}`);
  const [{ total, cached } = { total: 0, cached: 0 }]: Array<{ total: number; cached: number }> = await db.query(
    `SELECT count(*)::int AS total, count(e.content_hash)::int AS cached
     FROM items i LEFT JOIN embeddings e ON e.model_id = $1 AND e.content_hash = i.content_hash`,
    [embedder.id],
  );
  let embedded = 0;
  let after = '0';
  for (;;) {
    const rows: Array<VectorRow & { title: string; text: string; content_hash: string }> = await db.query(
      `SELECT i.id, i.title, i.text, i.content_hash, ${PAYLOAD}
       FROM items i LEFT JOIN embeddings e ON e.model_id = $1 AND e.content_hash = i.content_hash
       LEFT JOIN trend_members m ON m.item_id = i.id
       WHERE e.content_hash IS NULL AND i.id > $2 ORDER BY i.id LIMIT $3`,
      [embedder.id, after, pageSize],
    );
    const last = rows[rows.length - 1];
    if (!last) break;
    const vectors = await embedder.embed(rows.map((r) => embeddingText(r.title, r.text)));
    await db.query(
      `INSERT INTO embeddings (model_id, content_hash, dims, vector)
       SELECT $1, h, $2, v FROM unnest($3::text[], $4::bytea[]) AS t(h, v) ON CONFLICT DO NOTHING`,
      [embedder.id, embedder.dimensions, rows.map((r) => r.content_hash), vectors.map(vectorToBytes)],
    );
    await store.upsert(embedder.id, rows.map((r, k) => toRecord(r, vectors[k] as Float32Array)));
    embedded += rows.length;
    after = last.id;
    o.onProgress?.(embedded, total - cached);
  }
  // Items embedded before (by a run, or an earlier reembed that crashed after Postgres) may lack index rows.
  if (cached > 0) await reindexFromPostgres(db, store, { modelId: embedder.id });
  return { modelId: embedder.id, embedded, cached };
}
