/** A vector with the payload we filter on; `id` is the item id. */
export interface VectorRecord {
  id: string;
  vector: Float32Array;
  source: string;
  /** Milliseconds since the epoch; 0 when unknown. */
  publishedAt: number;
}

export interface VectorSearchFilter {
  source?: string;
  /** Inclusive bounds in ms since the epoch. */
  fromMs?: number;
  toMs?: number;
}

export interface VectorHit {
  id: string;
  /** Cosine similarity in [-1, 1]. */
  score: number;
}

/** The searchable copy of the embeddings; Postgres stays the source of truth, so any store can be rebuilt. */
export interface VectorStore {
  readonly kind: string;
  /** Inserts or overwrites by id; retries never duplicate. One collection/table per model id. */
  upsert(modelId: string, records: VectorRecord[]): Promise<void>;
  search(modelId: string, vector: Float32Array, limit: number, filter?: VectorSearchFilter): Promise<VectorHit[]>;
  delete(modelId: string, ids: string[]): Promise<void>;
  count(modelId: string): Promise<number>;
  /** Cheap reachability check for /ready. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
