import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { createStoreMetrics } from './store-metrics';

/** What activities report; every method is safe to call and never throws (metrics must not fail a stage). */
export interface PipelineMetrics {
  readonly registry: Registry;
  readonly stores: ReturnType<typeof createStoreMetrics>;
  readonly activityDuration: Histogram<'activity' | 'task_queue' | 'outcome'>;
  readonly activityFailures: Counter<'activity' | 'task_queue' | 'error_type'>;
  /** One source's collect outcome (counts as the collect activity returns them). */
  collected(source: string, counts: { fetched: number; inserted: number; duplicates: number; skipped: number }): void;
  /** Items newly embedded, by the id of their source. */
  embedded(sourceIds: number[]): Promise<void>;
  /** Items of the run's cluster snapshot that landed in a trend, per source. */
  clustered(runId: string): Promise<void>;
  /** Tokens (and their price) of one LLM call. */
  llmUsage(model: string, tokens: { prompt: number; completion: number }): void;
}

export interface PipelineMetricsOptions {
  /** Resolves source ids to specs (the `source` label); without it ids are used. */
  db?: DataSource;
  /** USD per 1000 tokens; 0 leaves the cost counter at 0. */
  llmPricePer1k?: { prompt: number; completion: number };
  registry?: Registry;
  /** Process metrics (CPU, memory, event loop) prefixed trendflow_worker_; off when several workers share a process. */
  processMetrics?: boolean;
}

/** The per-worker registry: pipeline counters, stage durations and failures, LLM usage, store latency. */
export function createPipelineMetrics(o: PipelineMetricsOptions = {}): PipelineMetrics {
  const registry = o.registry ?? new Registry();
  if (o.processMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'trendflow_worker_' });
  const registers = [registry];
  const collected = new Counter({
    name: 'trendflow_items_collected_total',
    help: 'Items read from sources, by source spec and outcome (fetched, new, duplicate, skipped)',
    labelNames: ['source', 'outcome'] as const,
    registers,
  });
  const embedded = new Counter({
    name: 'trendflow_items_embedded_total',
    help: 'Items newly embedded (cached embeddings not counted), by source spec',
    labelNames: ['source'] as const,
    registers,
  });
  const clustered = new Counter({
    name: 'trendflow_items_clustered_total',
    help: 'Items assigned to a trend by a clustering pass, by source spec',
    labelNames: ['source'] as const,
    registers,
  });
  const activityDuration = new Histogram({
    name: 'trendflow_activity_duration_seconds',
    help: 'Pipeline stage (activity) execution time by activity, task queue and outcome (completed, failed, cancelled)',
    labelNames: ['activity', 'task_queue', 'outcome'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900],
    registers,
  });
  const activityFailures = new Counter({
    name: 'trendflow_activity_failures_total',
    help: 'Failed activity attempts by activity, task queue and error type (ApplicationFailure type or error name)',
    labelNames: ['activity', 'task_queue', 'error_type'] as const,
    registers,
  });
  const llmTokens = new Counter({
    name: 'trendflow_llm_tokens_total',
    help: 'LLM tokens used by summaries, by model and kind (prompt, completion)',
    labelNames: ['model', 'kind'] as const,
    registers,
  });
  const llmCost = new Counter({
    name: 'trendflow_llm_cost_usd_total',
    help: 'Estimated LLM spend in USD (LLM_PRICE_PROMPT_PER_1K, LLM_PRICE_COMPLETION_PER_1K), by model',
    labelNames: ['model'] as const,
    registers,
  });
  const stores = createStoreMetrics(registry);

  const specs = new Map<number, string>();
  async function specsOf(ids: number[]): Promise<Map<number, string>> {
    const missing = [...new Set(ids)].filter((id) => !specs.has(id));
    if (missing.length > 0 && o.db) {
      const rows: Array<{ id: number; spec: string }> = await o.db.query('SELECT id, spec FROM sources WHERE id = ANY($1::int[])', [missing]);
      for (const r of rows) specs.set(r.id, r.spec);
    }
    return specs;
  }
  const quietly = async (what: () => Promise<void>) => {
    try {
      await what();
    } catch {
      // A metrics query that fails (DB hiccup) must not fail the stage that reports it.
    }
  };

  return {
    registry,
    stores,
    activityDuration,
    activityFailures,
    collected(source, c) {
      collected.inc({ source, outcome: 'fetched' }, c.fetched);
      collected.inc({ source, outcome: 'new' }, c.inserted);
      collected.inc({ source, outcome: 'duplicate' }, c.duplicates);
      collected.inc({ source, outcome: 'skipped' }, c.skipped);
    },
    embedded: (sourceIds) =>
      quietly(async () => {
        const names = await specsOf(sourceIds);
        for (const id of sourceIds) embedded.inc({ source: names.get(id) ?? String(id) });
      }),
    clustered: (runId) =>
      quietly(async () => {
        if (!o.db) return;
        const rows: Array<{ source: string; n: number }> = await o.db.query(
          `SELECT s.spec AS source, count(*)::int AS n FROM cluster_assignments ca
           JOIN items i ON i.id = ca.item_id JOIN sources s ON s.id = i.source_id
           WHERE ca.run_id = $1 AND ca.trend_id IS NOT NULL GROUP BY s.spec`,
          [runId],
        );
        for (const r of rows) clustered.inc({ source: r.source }, r.n);
      }),
    llmUsage(model, tokens) {
      llmTokens.inc({ model, kind: 'prompt' }, tokens.prompt);
      llmTokens.inc({ model, kind: 'completion' }, tokens.completion);
      const price = o.llmPricePer1k ?? { prompt: 0, completion: 0 };
      llmCost.inc({ model }, (tokens.prompt * price.prompt + tokens.completion * price.completion) / 1000);
    },
  };
}
