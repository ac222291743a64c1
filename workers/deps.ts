import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { createCollectActivities } from '../activities/collect';
import { createSource, sourceOptionsFromConfig } from '../activities/collect/sources';
import { createClusterActivities } from '../activities/cluster';
import type { Embedder } from '../activities/embed/embedder';
import { createEmbedActivities } from '../activities/embed';
import { createEmbedder } from '../activities/embed/create-embedder';
import { createNotifyActivities } from '../activities/notify';
import { createRunActivities } from '../activities/runs';
import { createSummarizer, summaryKeyOf } from '../activities/summarize';
import { createSummarizeActivities } from '../activities/summarize/activities';
import { createExtractiveSummarizer } from '../activities/summarize/extractive';
import type { Config } from '../config/config';
import type { PipelineMetrics } from '../observability/pipeline-metrics';
import { instrumentVectorStore } from '../observability/store-metrics';
import { instrumentSummarizer } from '../observability/summarizer-metrics';
import { createVectorStore } from '../vectors';
import type { VectorStore } from '../vectors/vector-store';
import type { QueueName } from '../workflows/task-queues';

/** What the activities of every queue are built from; tests pass their own. */
export interface WorkerDeps {
  config: Config;
  db: DataSource;
  getEmbedder: () => Promise<Embedder>;
  getVectorStore: () => Promise<VectorStore>;
  /** Pipeline metrics and the activity interceptor (timings, failures, logs with workflow ids); off when unset. */
  metrics?: PipelineMetrics;
  log?: Logger;
}

/** Memoises an async factory so concurrent first callers share one load (the model, the store). */
export function lazy<T>(factory: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => {
    value ??= factory().catch((err: unknown) => {
      value = undefined; // let the next call try again instead of caching the failure
      throw err;
    });
    return value;
  };
}

export function defaultLazyDeps(config: Config, metrics?: PipelineMetrics): Pick<WorkerDeps, 'getEmbedder' | 'getVectorStore'> {
  return {
    getEmbedder: lazy(() => createEmbedder(config.embed)), // USE, OpenAI-compatible… per EMBEDDING_PROVIDER
    getVectorStore: lazy(async () => {
      const store = await createVectorStore(config.vectors);
      return metrics ? instrumentVectorStore(store, metrics.stores) : store;
    }),
  };
}

/** The activity implementations each task queue's worker registers. */
export function activitiesFor(queue: QueueName, deps: WorkerDeps): object {
  const { config, db } = deps;
  switch (queue) {
    case 'workflows':
      // Webhook deliveries are I/O-light HTTP calls: they share the bookkeeping queue and its 20 slots.
      return { ...createRunActivities({ db, eventsRetentionDays: config.eventsRetentionDays }), ...createNotifyActivities({ db, retry: config.webhooks, allowPrivateNetworks: config.webhookAllowPrivateNetworks }) };
    case 'collect': {
      // One polite HTTP client per worker process: its per-host limiters are shared by every source.
      const sourceOptions = sourceOptionsFromConfig(config.collect);
      return createCollectActivities({ db, createSource: (spec) => createSource(spec, sourceOptions), metrics: deps.metrics });
    }
    case 'embed':
      return createEmbedActivities({ db, getEmbedder: deps.getEmbedder, vectorStore: deps.getVectorStore, metrics: deps.metrics });
    case 'cluster': {
      // Trends whose summary was made another way (model, prompt version) are summarized again.
      const { model, promptVersion } = summaryKeyOf(createSummarizer({ llm: config.llm }));
      return createClusterActivities({ db, options: config.cluster, summaryKey: { model, promptVersion }, metrics: deps.metrics });
    }
    case 'summarize':
      return createSummarizeActivities({
        db,
        summarizer: deps.metrics ? instrumentSummarizer(createSummarizer({ llm: config.llm }), deps.metrics) : createSummarizer({ llm: config.llm }),
        extractive: createExtractiveSummarizer(),
        tokenBudgetPerRun: config.llmTokenBudgetPerRun,
      });
  }
}
