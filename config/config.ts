import path from 'node:path';
import { z } from 'zod';

/**
 * All configuration, parsed once from the environment at start-up and passed down.
 * Nothing else in the code base reads process.env.
 */
const intFromEnv = (def: number) => z.coerce.number().int().positive().default(def);
const optionalString = z.string().trim().min(1).optional().catch(undefined);

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
  API_HOST: z.string().default('127.0.0.1'),
  API_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  EMBED_BATCH_SIZE: intFromEnv(64),
  COLLECT_CONCURRENCY: intFromEnv(8),
  EMBED_CONCURRENCY: intFromEnv(1),
  CLUSTER_CONCURRENCY: intFromEnv(1),
  SUMMARIZE_CONCURRENCY: intFromEnv(4),
  FETCH_TIMEOUT_MS: intFromEnv(20_000),
  WORKER_METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  WORKER_METRICS_HOST: z.string().default('127.0.0.1'),
  FETCH_MAX_BYTES: intFromEnv(10 * 1024 * 1024),
});

export interface Config {
  dataDir: string;
  db: { url?: string; embeddedPort: number; embeddedDir: string };
  temporal: { address: string; namespace: string; uiUrl: string };
  vectors: { qdrantUrl?: string; qdrantApiKey?: string; lancePath: string };
  llm?: { baseUrl: string; model: string; apiKey?: string; timeoutMs: number };
  api: { host: string; port: number };
  logLevel: string;
  embed: { batchSize: number };
  collect: { fetchTimeoutMs: number; maxBytes: number };
  concurrency: { collect: number; embed: number; cluster: number; summarize: number };
  /** Where a worker serves Temporal SDK metrics for Prometheus; unset = not served. */
  workerMetrics?: { host: string; port: number };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses and groups the environment; throws ConfigError listing every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  if (Boolean(e.LLM_BASE_URL) !== Boolean(e.LLM_MODEL)) {
    throw new ConfigError('invalid configuration: LLM_BASE_URL and LLM_MODEL must be set together');
  }
  const dataDir = path.resolve(e.TRENDFLOW_DATA_DIR);
  return {
    dataDir,
    db: { url: e.DATABASE_URL, embeddedPort: e.EMBEDDED_PG_PORT, embeddedDir: path.join(dataDir, 'pg') },
    temporal: { address: e.TEMPORAL_ADDRESS, namespace: e.TEMPORAL_NAMESPACE, uiUrl: e.TEMPORAL_UI_URL },
    vectors: { qdrantUrl: e.QDRANT_URL, qdrantApiKey: e.QDRANT_API_KEY, lancePath: path.join(dataDir, 'lancedb') },
    llm:
      e.LLM_BASE_URL && e.LLM_MODEL
        ? { baseUrl: e.LLM_BASE_URL, model: e.LLM_MODEL, apiKey: e.LLM_API_KEY, timeoutMs: e.LLM_TIMEOUT_MS }
        : undefined,
    api: { host: e.API_HOST, port: e.API_PORT },
    logLevel: e.LOG_LEVEL,
    embed: { batchSize: e.EMBED_BATCH_SIZE },
    collect: { fetchTimeoutMs: e.FETCH_TIMEOUT_MS, maxBytes: e.FETCH_MAX_BYTES },
    workerMetrics: e.WORKER_METRICS_PORT ? { host: e.WORKER_METRICS_HOST, port: e.WORKER_METRICS_PORT } : undefined,
    concurrency: {
      collect: e.COLLECT_CONCURRENCY,
      embed: e.EMBED_CONCURRENCY,
      cluster: e.CLUSTER_CONCURRENCY,
      summarize: e.SUMMARIZE_CONCURRENCY,
    },
  };
}
