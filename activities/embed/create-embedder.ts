import type { Config } from '../../config/config';
import type { Embedder } from './embedder';
import { createOpenAiEmbedder, openAiModelId } from './openai-embedder';
import { createTransformersEmbedder } from './transformers-embedder';
import { transformersModelId } from './transformers-files';
import { createUseEmbedder } from './use-embedder';
import { USE_MODEL_ID } from './use-model';

/**
 * The configured embedder. `threads` overrides the USE thread count: the embed worker uses the configured
 * pool, while the API and CLI embed one query at a time and are better served on their own thread (0).
 * For transformers the count is onnxruntime's intra-op threads, and 0 means one.
 */
export function createEmbedder(config: Config['embed'], overrides: { threads?: number } = {}): Promise<Embedder> {
  if (config.provider === 'openai') {
    if (!config.openai) throw new TypeError('EMBEDDING_PROVIDER=openai needs EMBEDDING_BASE_URL and EMBEDDING_MODEL');
    return createOpenAiEmbedder(config.openai);
  }
  if (config.provider === 'transformers') {
    if (!config.transformers) throw new TypeError('EMBEDDING_PROVIDER=transformers needs TRANSFORMERS_MODEL_PATH');
    const threads = Math.max(1, overrides.threads ?? config.threads);
    return createTransformersEmbedder({ ...config.transformers, batchSize: config.batchSize, threads });
  }
  return createUseEmbedder({ batchSize: config.batchSize, threads: overrides.threads ?? config.threads });
}

/** The id the configured embedder stores vectors under, known without loading a model or calling a server. */
export function configuredModelId(config: Config['embed']): string {
  if (config.provider === 'openai' && config.openai) return openAiModelId(config.openai.model, config.openai.dimensions);
  if (config.provider === 'transformers' && config.transformers) {
    const t = config.transformers;
    return transformersModelId(t.modelPath, t.dtype, t.pooling); // hashes the weights once (~30 ms per 20 MB)
  }
  return USE_MODEL_ID;
}
