import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * The files a local transformers.js model folder needs, checked without loading onnxruntime, so config can
 * refuse a bad TRANSFORMERS_MODEL_PATH at start-up and the model id can be known before the model loads.
 */

/** ONNX weight variants transformers.js picks by `dtype`; each reads `onnx/model<suffix>.onnx`. */
export const TRANSFORMERS_DTYPES = ['fp32', 'fp16', 'q8', 'int8', 'uint8', 'q4', 'q4f16', 'bnb4'] as const;
export type TransformersDtype = (typeof TRANSFORMERS_DTYPES)[number];

/** How token vectors become one text vector (transformers.js `pooling`); `none` is left out: it returns token vectors. */
export const TRANSFORMERS_POOLINGS = ['mean', 'cls', 'first_token', 'eos', 'last_token'] as const;
export type TransformersPooling = (typeof TRANSFORMERS_POOLINGS)[number];

const DTYPE_SUFFIX: Record<TransformersDtype, string> = {
  fp32: '',
  fp16: '_fp16',
  q8: '_quantized',
  int8: '_int8',
  uint8: '_uint8',
  q4: '_q4',
  q4f16: '_q4f16',
  bnb4: '_bnb4',
};

/** Path of the ONNX file transformers.js loads for `dtype`, relative to the model folder. */
export function onnxFileFor(dtype: TransformersDtype): string {
  return path.join('onnx', `model${DTYPE_SUFFIX[dtype]}.onnx`);
}

/** The files a feature-extraction folder must hold (tokenizer, configs, weights for the dtype). */
export function requiredModelFiles(dtype: TransformersDtype): string[] {
  return ['config.json', 'tokenizer.json', 'tokenizer_config.json', onnxFileFor(dtype)];
}

const FETCH_HINT = 'fetch one with `trendflow models fetch minilm` (or minilm-q), or point TRANSFORMERS_MODEL_PATH at a folder exported for transformers.js';

/** Every problem with the folder as one readable line each; empty when it is usable. */
export function modelFolderProblems(dir: string, dtype: TransformersDtype): string[] {
  if (!existsSync(dir)) return [`model folder ${dir} does not exist; ${FETCH_HINT}`];
  if (!statSync(dir).isDirectory()) return [`${dir} is not a folder`];
  const missing = requiredModelFiles(dtype).filter((f) => !existsSync(path.join(dir, f)));
  if (missing.length === 0) return [];
  return [`model folder ${dir} lacks ${missing.join(', ')} (dtype ${dtype}); ${FETCH_HINT}`];
}

// Hashing the weights costs ~30 ms per 20 MB; remember it per file version so configuredModelId stays cheap.
const fingerprints = new Map<string, string>();

/**
 * Short hash of what decides the vectors: the weights, the tokenizer and the pooling. A re-exported or
 * different model in the same folder therefore gets a new id, and its vectors never mix with the old ones.
 */
export function modelFingerprint(dir: string, dtype: TransformersDtype, pooling: TransformersPooling): string {
  const files = [onnxFileFor(dtype), 'tokenizer.json'].map((f) => path.join(dir, f));
  const key = JSON.stringify([pooling, ...files.map((f) => [f, statSync(f).size, statSync(f).mtimeMs])]);
  const known = fingerprints.get(key);
  if (known) return known;
  const hash = createHash('sha256').update(`pooling=${pooling}\n`);
  for (const f of files) hash.update(readFileSync(f));
  const fingerprint = hash.digest('hex').slice(0, 10);
  fingerprints.set(key, fingerprint);
  return fingerprint;
}

/** Model id stored with the vectors: `transformers:<folder name>@<fingerprint>`. */
export function transformersModelId(dir: string, dtype: TransformersDtype, pooling: TransformersPooling): string {
  const name = path.basename(path.resolve(dir)).toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'model';
  return `transformers:${name}@${modelFingerprint(dir, dtype, pooling)}`;
}
