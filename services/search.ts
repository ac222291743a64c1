/** Semantic search over the vector index, shared by `GET /api/v1/search`, `/items/:id/similar` and `trendflow search`. */
import type { DataSource } from 'typeorm';
import type { Embedder } from '../activities/embed/embedder';
import { bytesToVector } from '../db/vector-codec';
import type { VectorSearchFilter, VectorStore } from '../vectors/vector-store';
import { AppError, NotFoundError, ValidationError } from './errors';

/** Deepest result a page may reach: vector search has no cursor of its own, so pages re-run top-k. */
export const MAX_SEARCH_DEPTH = 1000;

export interface SearchDeps {
  db: DataSource;
  vectorStore: () => Promise<VectorStore>;
  embedder: () => Promise<Embedder>;
}

/** Filters and paging common to both searches; `source` is a source spec, as listed by the sources table. */
export interface SearchWindow {
  source?: string;
  fromMs?: number;
  toMs?: number;
  limit: number;
  offset: number;
}

export interface SearchHit {
  id: string;
  title: string;
  url: string;
  source: string;
  publishedAt: string | null;
  score: number;
  trend: { id: number; label: string; status: string } | null;
}

export interface SearchPage {
  model: string;
  hits: SearchHit[];
  /** Offset of the next page; null when this page is the last (or MAX_SEARCH_DEPTH is reached). */
  nextOffset: number | null;
}

/** Thrown when an item exists but has no vector for the configured model (not embedded yet, or another model). */
export class NotEmbeddedError extends AppError {
  override name = 'NotEmbeddedError';
  constructor(itemId: string, modelId: string) {
    super(
      `item ${itemId} has no ${modelId} embedding yet; it is embedded by the next run that collects it, or by \`trendflow reembed\``,
      409,
      'Not embedded',
      { item: itemId, model: modelId },
    );
  }
}

/** Items most similar in meaning to `query`, best first. */
export async function searchItems(deps: SearchDeps, query: string, window: SearchWindow): Promise<SearchPage> {
  const text = query.trim();
  if (text === '') throw new ValidationError('q: give a non-empty search text');
  const embedder = await deps.embedder();
  const filter = await toFilter(deps.db, window);
  const [vector] = await embedder.embed([text]);
  if (!vector) throw new Error('embedder returned no vector');
  return page(deps, embedder.id, vector, filter, window);
}

/** Items most similar to item `itemId` (itself excluded), by its stored vector for the configured model. */
export async function similarItems(deps: SearchDeps, itemId: string, window: SearchWindow): Promise<SearchPage> {
  if (!/^[1-9]\d{0,18}$/.test(itemId)) throw new NotFoundError('item', itemId); // ids are bigints
  const embedder = await deps.embedder();
  const filter = await toFilter(deps.db, window);
  const [row]: Array<{ vector: Buffer | null }> = await deps.db.query(
    `SELECT e.vector FROM items i LEFT JOIN embeddings e ON e.model_id = $2 AND e.content_hash = i.content_hash WHERE i.id = $1`,
    [itemId, embedder.id],
  );
  if (!row) throw new NotFoundError('item', itemId);
  if (!row.vector) throw new NotEmbeddedError(itemId, embedder.id);
  return page(deps, embedder.id, bytesToVector(row.vector), filter, window, itemId);
}

/** The source spec → id the vector payload holds; an unknown spec is a client error, not an empty result. */
async function toFilter(db: DataSource, w: SearchWindow): Promise<VectorSearchFilter> {
  if (w.fromMs !== undefined && w.toMs !== undefined && w.fromMs > w.toMs) {
    throw new ValidationError('from: must not be later than to', [{ path: 'from', message: 'must not be later than to' }]);
  }
  const filter: VectorSearchFilter = { fromMs: w.fromMs, toMs: w.toMs };
  if (w.source !== undefined) {
    const [src]: Array<{ id: number }> = await db.query('SELECT id FROM sources WHERE spec = $1', [w.source]);
    if (!src) {
      throw new ValidationError(`source: no source ${JSON.stringify(w.source)}; give a spec exactly as it was collected, e.g. rss:https://…`, [
        { path: 'source', message: 'unknown source spec' },
      ]);
    }
    filter.source = String(src.id);
  }
  return filter;
}

async function page(
  deps: SearchDeps,
  modelId: string,
  vector: Float32Array,
  filter: VectorSearchFilter,
  w: SearchWindow,
  exclude?: string,
): Promise<SearchPage> {
  if (w.offset + w.limit > MAX_SEARCH_DEPTH) {
    throw new ValidationError(`offset + limit may reach at most ${MAX_SEARCH_DEPTH}; narrow the query with source, from or to`);
  }
  // One extra hit tells whether a next page exists; one more covers the excluded item itself.
  const want = w.offset + w.limit + 1 + (exclude ? 1 : 0);
  const store = await deps.vectorStore();
  const found = (await store.search(modelId, vector, want, filter)).filter((h) => h.id !== exclude);
  const slice = found.slice(w.offset, w.offset + w.limit);
  const hasMore = found.length > w.offset + w.limit && w.offset + w.limit < MAX_SEARCH_DEPTH;
  const items = await loadItems(deps.db, slice.map((h) => h.id));
  // A vector whose item was deleted from Postgres (the index is rebuilt lazily) is skipped, not shown half-empty.
  const hits = slice.flatMap((h) => {
    const item = items.get(h.id);
    return item ? [{ ...item, score: h.score }] : [];
  });
  return { model: modelId, hits, nextOffset: hasMore ? w.offset + w.limit : null };
}

interface ItemRow {
  id: string;
  title: string;
  url: string;
  source: string;
  published_at: Date | null;
  trend_id: number | null;
  label: string | null;
  status: string | null;
}

async function loadItems(db: DataSource, ids: string[]): Promise<Map<string, Omit<SearchHit, 'score'>>> {
  if (ids.length === 0) return new Map();
  const rows: ItemRow[] = await db.query(
    `SELECT i.id, i.title, i.url, s.spec AS source, i.published_at, t.id AS trend_id, t.label, t.status
     FROM items i JOIN sources s ON s.id = i.source_id
     LEFT JOIN trend_members m ON m.item_id = i.id LEFT JOIN trends t ON t.id = m.trend_id
     WHERE i.id = ANY($1::bigint[])`,
    [ids],
  );
  return new Map(
    rows.map((r) => [
      r.id,
      {
        id: r.id,
        title: r.title,
        url: r.url,
        source: r.source,
        publishedAt: r.published_at ? r.published_at.toISOString() : null,
        trend: r.trend_id === null ? null : { id: r.trend_id, label: r.label ?? '', status: r.status ?? 'active' },
      },
    ]),
  );
}
