import path from 'node:path';
// Types only from the ESM declarations; the value comes from the package's CommonJS build (loadTransformers).
import type * as TransformersModule from '@huggingface/transformers' with { 'resolution-mode': 'import' };
import type { FeatureExtractionPipeline } from '@huggingface/transformers' with { 'resolution-mode': 'import' };
import type { Embedder } from './embedder';
import { EmbedderResponseError, TransformersModelError } from './errors';
import { normalize } from './normalize';
import {
  modelFolderProblems,
  transformersModelId,
  type TransformersDtype,
  type TransformersPooling,
} from './transformers-files';

/** Options for createTransformersEmbedder. */
export interface TransformersEmbedderOptions {
  /** A transformers.js model folder: config.json, tokenizer.json, tokenizer_config.json, onnx/model*.onnx. */
  modelPath: string;
  /** Default `mean`, what sentence-transformers models such as all-MiniLM-L6-v2 were trained with. */
  pooling?: TransformersPooling;
  /** Which ONNX file to load (default fp32: `onnx/model.onnx`). */
  dtype?: TransformersDtype;
  /**
   * Texts per model call (default 32). Batches are length-sorted, so they pad little; on 2 cores 16 and 32 were
   * best and 128 about half as fast (bench/results/embed-transformers.json).
   */
  batchSize?: number;
  /**
   * onnxruntime intra-op threads (default 1). One session uses them all for each call, so the embed worker
   * gives it one per core; 1 suits the API and CLI, which embed one query at a time.
   */
  threads?: number;
}

type Transformers = typeof TransformersModule;

// Loaded on first use: the package pulls in onnxruntime's native library (~0.3 s), which only the
// transformers provider needs. Its CommonJS build is used, so this works under Node and jest alike.
let transformers: Transformers | undefined;
function loadTransformers(): Transformers {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  transformers ??= require('@huggingface/transformers') as Transformers;
  // Never reach for huggingface.co: models come from local folders only, and a missing file must say so.
  transformers.env.allowRemoteModels = false;
  return transformers;
}

/**
 * Any local transformers.js feature-extraction model (ONNX) as an embedder: fully offline, vectors pooled
 * and L2-normalised, the size learnt from the model's own output. Calls run one at a time on one
 * onnxruntime session, which spreads each over `threads` cores.
 */
export async function createTransformersEmbedder(options: TransformersEmbedderOptions): Promise<Embedder> {
  const pooling = options.pooling ?? 'mean';
  const dtype = options.dtype ?? 'fp32';
  const batchSize = options.batchSize ?? 32;
  const threads = options.threads ?? 1;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new TypeError(`batchSize must be a positive integer, got ${batchSize}`);
  if (!Number.isInteger(threads) || threads < 1) throw new TypeError(`threads must be a positive integer, got ${threads}`);
  // Absolute: transformers.js reads a path that is not a Hub id as is, never under env.localModelPath.
  const dir = path.resolve(options.modelPath);
  const problems = modelFolderProblems(dir, dtype);
  if (problems.length > 0) throw new TransformersModelError(problems.join('; '), dir);
  const id = transformersModelId(dir, dtype, pooling);

  const { pipeline } = loadTransformers();
  let extractor: FeatureExtractionPipeline;
  try {
    extractor = await pipeline('feature-extraction', dir, {
      dtype,
      device: 'cpu',
      local_files_only: true,
      session_options: {
        intraOpNumThreads: threads,
        // Sequential execution: a BERT-style graph is one chain of ops, so inter-op threads would only idle.
        interOpNumThreads: 1,
        executionMode: 'sequential',
        // No busy-waiting between ops: with the cores shared (other workers, other processes) spinning threads
        // steal them from each other. Measured side by side on 2 loaded cores (load ≈ 6), int8 MiniLM,
        // 2 threads: 135–210 items/s spinning, 340–540 without, 300–330 on one thread.
        extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
      },
    });
  } catch (error) {
    throw new TransformersModelError(`cannot load the model in ${dir}: ${(error as Error).message}`, dir, { cause: error });
  }

  async function run(texts: string[]): Promise<Float32Array[]> {
    // Pooled but not normalised here: normalize() is the one definition of unit length every embedder shares.
    const output = await extractor(texts, { pooling, normalize: false });
    const [rows, dims] = output.dims;
    if (output.dims.length !== 2 || rows !== texts.length || !dims) {
      throw new EmbedderResponseError(`expected ${texts.length} pooled vectors, got a tensor of shape [${output.dims.join(', ')}]`, id);
    }
    const data = output.data as Float32Array;
    const out: Float32Array[] = [];
    for (let r = 0; r < rows; r++) {
      const v = data.slice(r * dims, (r + 1) * dims);
      if (!v.every(Number.isFinite)) throw new EmbedderResponseError(`vector ${r} has non-finite values`, id);
      out.push(normalize(v));
    }
    output.dispose();
    return out;
  }

  // One call at a time: the session already uses every thread it was given, and interleaved calls would
  // only compete for them and for memory.
  let queue: Promise<unknown> = Promise.resolve();
  let closed = false;
  function serialised<T>(work: () => Promise<T>): Promise<T> {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  }

  async function embed(texts: string[]): Promise<Float32Array[]> {
    if (closed) throw new TransformersModelError('embedder is closed', dir);
    if (texts.some((t) => t.trim() === '')) throw new TypeError('Embedder.embed was given an empty text');
    const out = new Array<Float32Array>(texts.length);
    for (const batch of lengthSorted(texts, batchSize)) {
      const vectors = await run(batch.map((i) => texts[i] as string));
      batch.forEach((i, k) => (out[i] = vectors[k] as Float32Array));
    }
    return out;
  }

  const probe = await serialised(() => run(['dimension probe']));
  const dimensions = probe[0]?.length ?? 0;
  return {
    id,
    dimensions,
    embed: (texts) => serialised(() => embed(texts)),
    async close() {
      closed = true;
      await serialised(() => extractor.dispose());
    },
  };
}

/** Indices in batches of texts of similar length (characters track tokens well enough), so little padding. */
function lengthSorted(texts: string[], batchSize: number): number[][] {
  const order = texts.map((_, i) => i).sort((a, b) => (texts[a] as string).length - (texts[b] as string).length || a - b);
  const batches: number[][] = [];
  for (let i = 0; i < order.length; i += batchSize) batches.push(order.slice(i, i + batchSize));
  return batches;
}
