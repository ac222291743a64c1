import type { DataSource } from 'typeorm';
import { createCollectActivities } from '../activities/collect';
import { createSource } from '../activities/collect/sources';
import { createClusterActivities } from '../activities/cluster';
import type { Embedder } from '../activities/embed/embedder';
import { createEmbedActivities } from '../activities/embed';
import { createUseEmbedder } from '../activities/embed/use-embedder';
import { createRunActivities } from '../activities/runs';
import { createSummarizer } from '../activities/summarize';
import { createSummarizeActivities } from '../activities/summarize/activities';
import { createExtractiveSummarizer } from '../activities/summarize/extractive';
import type { Config } from '../config/config';
import { createVectorStore } from '../vectors';
import type { VectorStore } from '../vectors/vector-store';
import type { QueueName } from '../workflows/task-queues';

/** What the activities of every queue are built from; tests pass their own. */
export interface WorkerDeps {
  config: Config;
  db: DataSource;
  getEmbedder: () => Promise<Embedder>;
  getVectorStore: () => Promise<VectorStore>;
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

export function defaultLazyDeps(config: Config): Pick<WorkerDeps, 'getEmbedder' | 'getVectorStore'> {
  return {
    getEmbedder: lazy(() => createUseEmbedder({ batchSize: config.embed.batchSize })),
    getVectorStore: lazy(() => createVectorStore(config.vectors)),
  };
}

/** The activity implementations each task queue's worker registers. */
export function activitiesFor(queue: QueueName, deps: WorkerDeps): object {
  const { config, db } = deps;
  switch (queue) {
    case 'workflows':
      return createRunActivities({ db });
    case 'collect':
      return createCollectActivities({
        db,
        createSource: (spec) =>
          createSource(spec, { fetchTimeoutMs: config.collect.fetchTimeoutMs, maxBytes: config.collect.maxBytes }),
      });
    case 'embed':
      return createEmbedActivities({ db, getEmbedder: deps.getEmbedder, vectorStore: deps.getVectorStore });
    case 'cluster':
      return createClusterActivities({ db });
    case 'summarize':
      return createSummarizeActivities({
        db,
        summarizer: createSummarizer({ llm: config.llm }),
        extractive: createExtractiveSummarizer(),
      });
  }
}
