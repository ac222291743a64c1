/** A vector with the payload we filter on; `id` is the item id. */
export interface VectorRecord {
  id: string;
  vector: Float32Array;
  /** The item's source id (sources.id) as a string. */
  source: string;
  /** Milliseconds since the epoch; 0 when unknown. */
  publishedAt: number;
  /** ISO 639-1 code when the collect stage detected one. */
  language?: string | null;
  /** The item's current trend when the record was written; `trendflow reindex` refreshes it. */
  trendId?: number | null;
}

export interface VectorSearchFilter {
  source?: string;
  /** Inclusive bounds in ms since the epoch. */
  fromMs?: number;
  toMs?: number;
  language?: string;
  trendId?: number;
}

export interface VectorHit {
  id: string;
  /** Cosine similarity in [-1, 1]. */
  score: number;
}

/** One page of a scroll: records in ascending id order, and the id to pass as `after` for the next page. */
export interface VectorPage {
  records: VectorRecord[];
  /** Undefined on the last page. */
  next?: string;
}

/** The searchable copy of the embeddings; Postgres stays the source of truth, so any store can be rebuilt. */
export interface VectorStore {
  readonly kind: string;
  /** Inserts or overwrites by id; retries never duplicate. One collection/table per model id. */
  upsert(modelId: string, records: VectorRecord[]): Promise<void>;
  search(modelId: string, vector: Float32Array, limit: number, filter?: VectorSearchFilter): Promise<VectorHit[]>;
  /** Pages through every record of a model, vectors included, in ascending id order. */
  scroll(modelId: string, options: { limit: number; after?: string }): Promise<VectorPage>;
  delete(modelId: string, ids: string[]): Promise<void>;
  count(modelId: string): Promise<number>;
  /** Drops a model's whole collection/table; a later upsert recreates it. */
  drop(modelId: string): Promise<void>;
  /** Stores that keep server-side snapshots (Qdrant) trigger one and return its name. */
  snapshot?(modelId: string): Promise<string>;
  /** Cheap reachability check for /ready. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
