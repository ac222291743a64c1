import { setTimeout as sleepMs } from 'node:timers/promises';
import OpenAI, { APIConnectionError, APIError } from 'openai';
import type { Embedder } from './embedder';
import { EmbedderRequestError, EmbedderResponseError } from './errors';
import { normalize } from './normalize';

/** Options for createOpenAiEmbedder. */
export interface OpenAiEmbedderOptions {
  /** OpenAI-compatible endpoint including the version path: `https://api.openai.com/v1`, `http://localhost:11434/v1`. */
  baseUrl: string;
  model: string;
  /** Hosted APIs need it; Ollama, vLLM and TEI ignore it. */
  apiKey?: string;
  /**
   * Asks the server for this many dimensions (text-embedding-3-*). Unset: the model's native size, learnt
   * from one probe request when the embedder is created.
   */
  dimensions?: number;
  /** Texts per request (default 128; OpenAI accepts up to 2048, local servers are happier with fewer). */
  batchSize?: number;
  /** Per request (default 60 s). */
  timeoutMs?: number;
  /** Requests per batch before giving up on 408/409/429/5xx and connection errors (default 5). */
  maxAttempts?: number;
  /**
   * Longest single wait (default 20 s). A Retry-After above it ends the retries with a retryable error, so the
   * activity (whose heartbeat timeout is 2 minutes) fails and Temporal retries it later, instead of sleeping blind.
   */
  maxRetryDelayMs?: number;
  /** Replaceable so tests can record the waits instead of sitting through them. */
  sleep?: (ms: number) => Promise<void>;
}

const DEFAULTS = { batchSize: 128, timeoutMs: 60_000, maxAttempts: 5, maxRetryDelayMs: 20_000 };
const BASE_BACKOFF_MS = 500;

/** Model id stored with the vectors: `openai:<model>`, plus `@<dims>` when a size is requested (other vectors). */
export function openAiModelId(model: string, dimensions?: number): string {
  const clean = model.trim().toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '');
  if (clean === '') throw new TypeError(`model name ${JSON.stringify(model)} has no usable characters`);
  return dimensions === undefined ? `openai:${clean}` : `openai:${clean}@${dimensions}`;
}

/** Embeds with any `/v1/embeddings` server (OpenAI, Ollama, vLLM, TEI); vectors come back L2-normalised. */
export async function createOpenAiEmbedder(options: OpenAiEmbedderOptions): Promise<Embedder> {
  const o = { ...DEFAULTS, ...options };
  for (const [name, value, min] of [
    ['batchSize', o.batchSize, 1],
    ['timeoutMs', o.timeoutMs, 1],
    ['maxAttempts', o.maxAttempts, 1],
    ['maxRetryDelayMs', o.maxRetryDelayMs, 0],
  ] as const) {
    if (!Number.isInteger(value) || value < min) throw new TypeError(`${name} must be an integer >= ${min}, got ${value}`);
  }
  if (o.dimensions !== undefined && (!Number.isInteger(o.dimensions) || o.dimensions < 1)) {
    throw new TypeError(`dimensions must be a positive integer, got ${o.dimensions}`);
  }
  const sleep = o.sleep ?? ((ms: number) => sleepMs(ms));
  const client = new OpenAI({
    baseURL: o.baseUrl,
    // The SDK refuses to start without a key and would otherwise read OPENAI_API_KEY itself; config owns env.
    apiKey: o.apiKey ?? 'unused',
    organization: null,
    project: null,
    timeout: o.timeoutMs,
    maxRetries: 0, // retried below, where Retry-After is honoured and the attempts are counted
  });

  async function request(texts: string[]): Promise<Float32Array[]> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        const response = await client.embeddings.create({
          model: o.model,
          input: texts,
          // Explicit: the SDK otherwise asks for base64, which not every compatible server speaks.
          encoding_format: 'float',
          ...(o.dimensions === undefined ? {} : { dimensions: o.dimensions }),
        });
        return toVectors(response, texts.length, o.model);
      } catch (error) {
        if (error instanceof EmbedderResponseError) throw error;
        const failure = classify(error, o.model, attempt);
        if (!failure.retryable || attempt >= o.maxAttempts) throw failure;
        const delay = retryDelayMs(error, attempt);
        if (delay > o.maxRetryDelayMs) {
          throw new EmbedderRequestError(
            `${failure.message}; the server asks to wait ${Math.ceil(delay / 1000)} s, longer than ${o.maxRetryDelayMs} ms`,
            o.model, true, failure.status, attempt, { cause: error },
          );
        }
        await sleep(delay);
      }
    }
  }

  async function embed(texts: string[]): Promise<Float32Array[]> {
    if (texts.some((t) => t.trim() === '')) throw new TypeError('Embedder.embed was given an empty text');
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += o.batchSize) out.push(...(await request(texts.slice(i, i + o.batchSize))));
    return out;
  }

  const dimensions = o.dimensions ?? (await request(['dimension probe']))[0]?.length ?? 0;
  const id = openAiModelId(o.model, o.dimensions);
  return {
    id,
    dimensions,
    async embed(texts) {
      const vectors = await embed(texts);
      const wrong = vectors.find((v) => v.length !== dimensions);
      if (wrong) throw new EmbedderResponseError(`expected ${dimensions} dimensions, got ${wrong.length}`, o.model);
      return vectors;
    },
  };
}

/** Reorders by `index` (servers may answer out of order) and checks count, shape and values. */
function toVectors(response: OpenAI.Embeddings.CreateEmbeddingResponse, expected: number, model: string): Float32Array[] {
  const data: unknown = response?.data;
  if (!Array.isArray(data) || data.length !== expected) {
    throw new EmbedderResponseError(`expected ${expected} embeddings, got ${Array.isArray(data) ? data.length : 'none'}`, model);
  }
  const out = new Array<Float32Array | undefined>(expected);
  for (const [position, row] of (data as OpenAI.Embeddings.Embedding[]).entries()) {
    const index = typeof row?.index === 'number' ? row.index : position;
    const values: unknown = row?.embedding;
    if (!Array.isArray(values) || values.length === 0 || !values.every((x) => typeof x === 'number' && Number.isFinite(x))) {
      throw new EmbedderResponseError(`embedding ${index} is not a non-empty array of finite numbers`, model);
    }
    if (index < 0 || index >= expected || out[index] !== undefined) {
      throw new EmbedderResponseError(`embedding index ${index} is out of range or repeated`, model);
    }
    out[index] = normalize(Float32Array.from(values as number[]));
  }
  return out as Float32Array[];
}

/** 408, 409 (OpenAI's "try again"), 429, 5xx and network failures are worth retrying; other 4xx are not. */
function classify(error: unknown, model: string, attempts: number): EmbedderRequestError {
  if (error instanceof APIConnectionError) {
    return new EmbedderRequestError(`embeddings request failed: ${error.message}`, model, true, undefined, attempts, { cause: error });
  }
  if (error instanceof APIError && typeof error.status === 'number') {
    const status = error.status;
    const retryable = status === 408 || status === 409 || status === 429 || status >= 500;
    return new EmbedderRequestError(`embeddings request failed with HTTP ${status}: ${error.message}`, model, retryable, status, attempts, {
      cause: error,
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new EmbedderRequestError(`embeddings request failed: ${message}`, model, false, undefined, attempts, { cause: error });
}

/** The server's hint (`retry-after-ms`, `retry-after` in seconds or as an HTTP date), else capped exponential backoff with jitter. */
export function retryDelayMs(error: unknown, attempt: number, now = Date.now()): number {
  const headers = error instanceof APIError ? error.headers : undefined;
  const ms = Number.parseFloat(headers?.get('retry-after-ms') ?? '');
  if (Number.isFinite(ms) && ms >= 0) return Math.ceil(ms);
  const after = headers?.get('retry-after');
  if (after) {
    const seconds = Number(after);
    if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds * 1000);
    const date = Date.parse(after);
    if (Number.isFinite(date)) return Math.max(0, date - now);
  }
  const ceiling = BASE_BACKOFF_MS * 2 ** (attempt - 1);
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
}
