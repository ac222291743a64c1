import { createLanceDbStore } from './lancedb-store';
import { createQdrantStore } from './qdrant-store';
import type { VectorStore } from './vector-store';

export type { VectorHit, VectorPage, VectorRecord, VectorSearchFilter, VectorStore } from './vector-store';
export { findNearDuplicates, type DuplicateCandidate, type NearDuplicate, type NearDuplicateOptions } from './near-duplicates';
export { VectorDimensionError, VectorStoreError } from './errors';

/** The `vectors` group of the app config. */
export interface VectorStoreConfig {
  qdrantUrl?: string;
  qdrantApiKey?: string;
  /** Used only when no Qdrant URL is configured. */
  lancePath: string;
}

/** Qdrant when a URL is configured (shared server), else embedded LanceDB at `lancePath` (zero-setup default). */
export async function createVectorStore(config: VectorStoreConfig): Promise<VectorStore> {
  if (config.qdrantUrl) {
    return createQdrantStore({ url: config.qdrantUrl, apiKey: config.qdrantApiKey });
  }
  return createLanceDbStore({ path: config.lancePath });
}
