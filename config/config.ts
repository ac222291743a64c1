import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { modelFolderProblems, TRANSFORMERS_DTYPES, TRANSFORMERS_POOLINGS } from '../activities/embed/transformers-files';

/**
 * All configuration, parsed once from the environment at start-up and passed down.
 * Nothing else in the code base reads process.env.
 */
const intFromEnv = (def: number) => z.coerce.number().int().positive().default(def);
const optionalString = z.string().trim().min(1).optional().catch(undefined);
// `key=value,key=value` (COLLECT_HOST_RATES, COLLECT_BASE_URLS); each value checked by `value`.
const keyValues = (value: z.ZodType<unknown>) =>
  z.string().default('').transform((list, ctx) => {
    const pairs = list.split(',').map((p) => p.trim()).filter(Boolean).map((p) => [p.slice(0, p.indexOf('=')).trim(), p.slice(p.indexOf('=') + 1).trim()] as const);
    for (const [k, v] of pairs) if (!k || !value.safeParse(v).success) ctx.addIssue({ code: 'custom', message: `bad entry "${k}=${v}"; expected key=value,…` });
    return Object.fromEntries(pairs);
  });
const boolFromEnv = (def: boolean) =>
  z.enum(['true', 'false', '1', '0']).default(def ? 'true' : 'false').transform((v) => v === 'true' || v === '1');

const envSchema = z.object({
  TRENDFLOW_DATA_DIR: z.string().default('./data'),
  DATABASE_URL: optionalString,
  EMBEDDED_PG_PORT: intFromEnv(5433),
  TEMPORAL_ADDRESS: z.string().default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_UI_URL: z.string().default('http://127.0.0.1:8233'),
  QDRANT_URL: optionalString,
  QDRANT_API_KEY: optionalString,
  LLM_BASE_URL: optionalString,
  LLM_MODEL: optionalString,
  LLM_API_KEY: optionalString,
  LLM_TIMEOUT_MS: intFromEnv(60_000),
  // LLM tokens one run may spend on summaries; 0 = no limit. Past it, trends get extractive summaries.
  LLM_MAX_TOKENS_PER_RUN: z.coerce.number().int().min(0).default(0),
  API_HOST: z.string().default('127.0.0.1'),
  API_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  EMBED_BATCH_SIZE: intFromEnv(16),
  // Embedding model: `use` (offline default), `openai` (any /v1/embeddings server: OpenAI, Ollama, vLLM, TEI)
  // or `transformers` (a local ONNX model folder run by transformers.js, offline too).
  EMBEDDING_PROVIDER: z.enum(['use', 'openai', 'transformers']).default('use'),
  // transformers: the model folder (default <data dir>/models/minilm, what `trendflow models fetch` writes),
  // how token vectors are pooled, and which ONNX weights (onnx/model.onnx for fp32, model_quantized for q8…).
  // EMBEDDING_MODEL_PATH is the name the vector-layer issue gave it; TRANSFORMERS_MODEL_PATH is accepted too.
  EMBEDDING_MODEL_PATH: optionalString,
  TRANSFORMERS_MODEL_PATH: optionalString,
  TRANSFORMERS_POOLING: z.enum(TRANSFORMERS_POOLINGS).default('mean'),
  TRANSFORMERS_DTYPE: z.enum(TRANSFORMERS_DTYPES).default('fp32'),
  // `trendflow models fetch`: where models go (default <data dir>/models) and the Maven repository (a mirror).
  MODELS_DIR: optionalString,
  MODELS_MAVEN_URL: z.url({ protocol: /^https?$/ }).default('https://repo1.maven.org/maven2'),
  EMBEDDING_BASE_URL: optionalString,
  EMBEDDING_MODEL: optionalString,
  EMBEDDING_API_KEY: optionalString,
  EMBEDDING_DIMENSIONS: z.coerce.number().int().positive().optional(),
  // USE threads per embed worker process (a model copy each); unset = one per CPU; 0 = the worker's own thread.
  // For transformers: onnxruntime intra-op threads of the one session (0 counts as 1).
  EMBED_THREADS: z.coerce.number().int().min(0).max(64).optional(),
  COLLECT_CONCURRENCY: intFromEnv(8),
  EMBED_CONCURRENCY: intFromEnv(1),
  CLUSTER_CONCURRENCY: intFromEnv(1),
  // The average-linkage cut (blended cosine distance); unset = the value measured for the embedding model.
  CLUSTER_DISTANCE_THRESHOLD: z.coerce.number().min(0).max(2).optional(),
  // Extractive summaries are a few DB round trips each, so 8 in flight hide their latency; LLM calls
  // beyond the endpoint's limit come back as 429s, which are retried after Retry-After.
  SUMMARIZE_CONCURRENCY: intFromEnv(8),
  FETCH_TIMEOUT_MS: intFromEnv(20_000),
  WORKER_METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  WORKER_METRICS_HOST: z.string().default('127.0.0.1'),
  // API hardening: keys required for writes unless disabled; reads optionally; per key (or IP) rate limits.
  API_AUTH: z.enum(['required', 'disabled']).default('required'),
  API_AUTH_READS: boolFromEnv(false),
  API_RATE_LIMIT: intFromEnv(600),
  API_RATE_WINDOW_S: intFromEnv(60),
  CORS_ORIGINS: z.string().default(''),
  API_SHUTDOWN_TIMEOUT_MS: intFromEnv(10_000),
  // Serialized trend responses kept per API process (0 = no cache); dropped on every trend change.
  API_CACHE_MAX_MB: z.coerce.number().min(0).max(4096).default(32),
  LLM_PRICE_PROMPT_PER_1K: z.coerce.number().min(0).default(0),
  LLM_PRICE_COMPLETION_PER_1K: z.coerce.number().min(0).default(0),
  FETCH_MAX_BYTES: intFromEnv(10 * 1024 * 1024),
  // Collect politeness: User-Agent, redirects, longest Retry-After waited for, requests/s per host (default and per host).
  COLLECT_USER_AGENT: optionalString,
  COLLECT_MAX_REDIRECTS: z.coerce.number().int().min(0).max(20).default(5),
  COLLECT_MAX_RETRY_AFTER_S: intFromEnv(900),
  COLLECT_HOST_RATE: z.coerce.number().positive().default(1),
  COLLECT_HOST_RATES: keyValues(z.coerce.number().positive()),
  // Connector base URLs (`hn=…,reddit=…`; see activities/collect/sources/base-urls.ts) and the optional GitHub token.
  COLLECT_BASE_URLS: keyValues(z.url({ protocol: /^https?$/ })),
  GITHUB_TOKEN: optionalString,
  // Comma- or space-separated source specs of the `default` profile `npm start` creates when none exists.
  DEFAULT_PROFILE_SOURCES: z.string().default(''),
  // Webhook deliveries: POST timeout, exponential backoff from the initial to the max interval, given up after.
  WEBHOOK_TIMEOUT_MS: intFromEnv(10_000),
  WEBHOOK_RETRY_INITIAL_MS: intFromEnv(5_000),
  WEBHOOK_RETRY_MAX_MS: intFromEnv(10 * 60_000),
  WEBHOOK_GIVE_UP_AFTER_S: intFromEnv(24 * 3600),
  // Webhooks may target loopback/private/link-local addresses only when this is set (receivers on the same host or LAN).
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: boolFromEnv(false),
  // Events (the SSE replay and webhook outbox) are kept this many days; 0 keeps them for ever.
  EVENTS_RETENTION_DAYS: z.coerce.number().int().min(0).default(30),
});

export interface Config {
  dataDir: string;
  db: { url?: string; embeddedPort: number; embeddedDir: string };
  temporal: { address: string; namespace: string; uiUrl: string };
  vectors: { qdrantUrl?: string; qdrantApiKey?: string; lancePath: string };
  llm?: { baseUrl: string; model: string; apiKey?: string; timeoutMs: number };
  /** Per-run LLM token budget for summaries; undefined = no limit. */
  llmTokenBudgetPerRun?: number;
  /** USD per 1000 tokens, for the LLM cost metric (0 = not tracked). */
  llmPricePer1k: { prompt: number; completion: number };
  api: {
    host: string;
    port: number;
    /** `required`: writes need an API key (reads too when `reads`); `disabled`: no checks at all. */
    auth: { mode: 'required' | 'disabled'; reads: boolean };
    /** Requests per window per API key, or per client IP without one; a key may carry its own limit. */
    rateLimit: { limit: number; windowMs: number };
    /** Allowed browser origins; empty = no CORS headers, `*` = any origin. */
    corsOrigins: string[];
    /** How long close() waits for in-flight requests before cutting connections. */
    shutdownTimeoutMs: number;
    /** Bytes of serialized trend responses cached per process; 0 turns the cache off. */
    cacheMaxBytes: number;
  };
  logLevel: string;
  embed: {
    batchSize: number;
    provider: 'use' | 'openai' | 'transformers';
    /** USE model threads, or onnxruntime intra-op threads for transformers. */
    threads: number;
    openai?: { baseUrl: string; model: string; apiKey?: string; dimensions?: number };
    transformers?: { modelPath: string; pooling: (typeof TRANSFORMERS_POOLINGS)[number]; dtype: (typeof TRANSFORMERS_DTYPES)[number] };
  };
  /** Local model files: the folder `trendflow models fetch` writes to, and the Maven repository it reads. */
  models: { dir: string; mavenBaseUrl: string };
  collect: {
    fetchTimeoutMs: number;
    maxBytes: number;
    userAgent?: string;
    maxRedirects: number;
    maxRetryAfterMs: number;
    /** Requests per second to one host, unless `hostRates` names it (hostname or host:port). */
    hostRate: number;
    hostRates: Record<string, number>;
    baseUrls: Record<string, string>;
    githubToken?: string;
  };
  concurrency: { collect: number; embed: number; cluster: number; summarize: number };
  /** Overrides of the clustering defaults (activities/cluster/cluster-embeddings.ts). */
  cluster: { distanceThreshold?: number };
  /** Where a worker serves Temporal SDK metrics for Prometheus; unset = not served. */
  workerMetrics?: { host: string; port: number };
  /** Sources of the `default` collection profile created on first start; empty = it is created paused. */
  schedules: { defaultSources: string[] };
  /** Webhook delivery backoff; a receiver down longer than `giveUpAfterMs` loses that delivery. */
  webhooks: { timeoutMs: number; initialIntervalMs: number; maximumIntervalMs: number; giveUpAfterMs: number };
  /** Deliver webhooks to private and loopback addresses too (activities/notify/address-guard.ts). */
  webhookAllowPrivateNetworks: boolean;
  /** Events older than this are pruned when a run ends; 0 = never. */
  eventsRetentionDays: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Parses and groups the environment; throws ConfigError listing every bad variable. `checkModelFiles: false`
 * skips the transformers model folder check, for `trendflow models fetch`, which is how the folder is made.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, options: { checkModelFiles?: boolean } = {}): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  if (Boolean(e.LLM_BASE_URL) !== Boolean(e.LLM_MODEL)) {
    throw new ConfigError('invalid configuration: LLM_BASE_URL and LLM_MODEL must be set together');
  }
  if (e.EMBEDDING_PROVIDER === 'openai' && !(e.EMBEDDING_BASE_URL && e.EMBEDDING_MODEL)) {
    throw new ConfigError('invalid configuration: EMBEDDING_PROVIDER=openai needs EMBEDDING_BASE_URL and EMBEDDING_MODEL');
  }
  const dataDir = path.resolve(e.TRENDFLOW_DATA_DIR);
  const modelsDir = path.resolve(e.MODELS_DIR ?? path.join(dataDir, 'models'));
  const transformersPath = path.resolve(e.EMBEDDING_MODEL_PATH ?? e.TRANSFORMERS_MODEL_PATH ?? path.join(modelsDir, 'minilm'));
  if (e.EMBEDDING_PROVIDER === 'transformers' && options.checkModelFiles !== false) {
    const problems = modelFolderProblems(transformersPath, e.TRANSFORMERS_DTYPE);
    if (problems.length > 0) throw new ConfigError(`invalid configuration: ${e.EMBEDDING_MODEL_PATH ? 'EMBEDDING_MODEL_PATH' : 'TRANSFORMERS_MODEL_PATH'}: ${problems.join('; ')}`);
  }
  return {
    dataDir,
    db: { url: e.DATABASE_URL, embeddedPort: e.EMBEDDED_PG_PORT, embeddedDir: path.join(dataDir, 'pg') },
    temporal: { address: e.TEMPORAL_ADDRESS, namespace: e.TEMPORAL_NAMESPACE, uiUrl: e.TEMPORAL_UI_URL },
    vectors: { qdrantUrl: e.QDRANT_URL, qdrantApiKey: e.QDRANT_API_KEY, lancePath: path.join(dataDir, 'lancedb') },
    llm:
      e.LLM_BASE_URL && e.LLM_MODEL
        ? { baseUrl: e.LLM_BASE_URL, model: e.LLM_MODEL, apiKey: e.LLM_API_KEY, timeoutMs: e.LLM_TIMEOUT_MS }
        : undefined,
    llmTokenBudgetPerRun: e.LLM_MAX_TOKENS_PER_RUN > 0 ? e.LLM_MAX_TOKENS_PER_RUN : undefined,
    llmPricePer1k: { prompt: e.LLM_PRICE_PROMPT_PER_1K, completion: e.LLM_PRICE_COMPLETION_PER_1K },
    api: {
      host: e.API_HOST,
      port: e.API_PORT,
      auth: { mode: e.API_AUTH, reads: e.API_AUTH_READS },
      rateLimit: { limit: e.API_RATE_LIMIT, windowMs: e.API_RATE_WINDOW_S * 1000 },
      corsOrigins: e.CORS_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean),
      shutdownTimeoutMs: e.API_SHUTDOWN_TIMEOUT_MS,
      cacheMaxBytes: Math.round(e.API_CACHE_MAX_MB * 2 ** 20),
    },
    logLevel: e.LOG_LEVEL,
    embed: {
      batchSize: e.EMBED_BATCH_SIZE,
      provider: e.EMBEDDING_PROVIDER,
      threads: e.EMBED_THREADS ?? os.availableParallelism(),
      openai:
        e.EMBEDDING_PROVIDER === 'openai' && e.EMBEDDING_BASE_URL && e.EMBEDDING_MODEL
          ? { baseUrl: e.EMBEDDING_BASE_URL, model: e.EMBEDDING_MODEL, apiKey: e.EMBEDDING_API_KEY, dimensions: e.EMBEDDING_DIMENSIONS }
          : undefined,
      transformers:
        e.EMBEDDING_PROVIDER === 'transformers'
          ? { modelPath: transformersPath, pooling: e.TRANSFORMERS_POOLING, dtype: e.TRANSFORMERS_DTYPE }
          : undefined,
    },
    models: { dir: modelsDir, mavenBaseUrl: e.MODELS_MAVEN_URL.replace(/\/+$/, '') },
    collect: {
      fetchTimeoutMs: e.FETCH_TIMEOUT_MS,
      maxBytes: e.FETCH_MAX_BYTES,
      userAgent: e.COLLECT_USER_AGENT,
      maxRedirects: e.COLLECT_MAX_REDIRECTS,
      maxRetryAfterMs: e.COLLECT_MAX_RETRY_AFTER_S * 1000,
      hostRate: e.COLLECT_HOST_RATE,
      hostRates: Object.fromEntries(Object.entries(e.COLLECT_HOST_RATES).map(([host, rate]) => [host.toLowerCase(), Number(rate)])),
      baseUrls: e.COLLECT_BASE_URLS,
      githubToken: e.GITHUB_TOKEN,
    },
    workerMetrics: e.WORKER_METRICS_PORT ? { host: e.WORKER_METRICS_HOST, port: e.WORKER_METRICS_PORT } : undefined,
    schedules: { defaultSources: e.DEFAULT_PROFILE_SOURCES.split(/[\s,]+/).filter(Boolean) },
    webhooks: {
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
      initialIntervalMs: e.WEBHOOK_RETRY_INITIAL_MS,
      maximumIntervalMs: Math.max(e.WEBHOOK_RETRY_MAX_MS, e.WEBHOOK_RETRY_INITIAL_MS),
      giveUpAfterMs: e.WEBHOOK_GIVE_UP_AFTER_S * 1000,
    },
    webhookAllowPrivateNetworks: e.WEBHOOK_ALLOW_PRIVATE_NETWORKS,
    eventsRetentionDays: e.EVENTS_RETENTION_DAYS,
    cluster: { distanceThreshold: e.CLUSTER_DISTANCE_THRESHOLD },
    concurrency: {
      collect: e.COLLECT_CONCURRENCY,
      embed: e.EMBED_CONCURRENCY,
      cluster: e.CLUSTER_CONCURRENCY,
      summarize: e.SUMMARIZE_CONCURRENCY,
    },
  };
}
