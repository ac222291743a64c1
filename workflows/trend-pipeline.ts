import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  defineQuery,
  isCancellation,
  log,
  ParentClosePolicy,
  proxyActivities,
  setHandler,
  startChild,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { CollectActivities } from '../activities/collect';
import type { EmbedActivities } from '../activities/embed';
import type { ClusterActivities } from '../activities/cluster';
import type { SummarizeActivities } from '../activities/summarize/activities';
import type { RunActivities } from '../activities/runs';
import { SA } from './search-attributes';
import { TASK_QUEUES } from './task-queues';
import type { FinalizeRunResult, PipelineParams, RunProgress, RunStats, SourceResult } from './types';
import { webhookDeliveryWorkflow } from './webhook-delivery';
import { parseWindow } from './window';

export const progressQuery = defineQuery<RunProgress>('progress');

// Bookkeeping is quick DB work; it runs beside the workflows.
const runs = proxyActivities<RunActivities>({
  taskQueue: TASK_QUEUES.workflows,
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 20, maximumInterval: '30 seconds' },
});
// A source may page through a big feed or file; heartbeats every page show it is alive, and a dead
// worker is noticed within a minute instead of at the 30-minute start-to-close limit.
const collect = proxyActivities<CollectActivities>({
  taskQueue: TASK_QUEUES.collect,
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '1 minute',
  retry: { maximumAttempts: 4, initialInterval: '2 seconds', backoffCoefficient: 3 },
});
// Model load on a cold worker can take a while; each sub-batch heartbeats.
const embed = proxyActivities<EmbedActivities>({
  taskQueue: TASK_QUEUES.embed,
  startToCloseTimeout: '20 minutes',
  // Sub-batches take well under a second each, so 30 s of silence means the worker is gone.
  heartbeatTimeout: '30 seconds',
  retry: { maximumAttempts: 10, maximumInterval: '1 minute' },
});
const cluster = proxyActivities<ClusterActivities>({
  taskQueue: TASK_QUEUES.cluster,
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '5 minutes',
  retry: { maximumAttempts: 5, maximumInterval: '1 minute' },
});
// LLM endpoints rate-limit and time out; a few spaced retries, then the extractive fallback.
const summarize = proxyActivities<SummarizeActivities>({
  taskQueue: TASK_QUEUES.summarize,
  startToCloseTimeout: '5 minutes',
  // The activity beats every 10 s while the model writes, so a killed worker costs a minute, not five.
  heartbeatTimeout: '1 minute',
  retry: { maximumAttempts: 3, initialInterval: '5 seconds', backoffCoefficient: 3 },
});

function emptyStats(sourceCount: number): RunStats {
  return {
    sources: { total: sourceCount, done: 0, failed: 0 },
    items: { fetched: 0, new: 0, duplicates: 0 },
    embed: { batches: 0, batchesDone: 0, embedded: 0, cached: 0 },
    cluster: { items: 0, clusters: 0, noise: 0, trendsCreated: 0, trendsUpdated: 0 },
    summarize: { total: 0, done: 0, cached: 0, fallbacks: 0 },
  };
}

/** Runs `tasks` with at most `limit` in flight (deterministic: workflow promises only). */
async function inBatches<T>(items: T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(Math.max(1, limit), items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await task(item);
    }
  });
  await Promise.all(lanes);
}

function describeFailure(err: unknown): { type: string; message: string } {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) return { type: cause.type ?? 'ApplicationFailure', message: cause.message };
  return { type: cause instanceof Error ? cause.name : 'Error', message: String(cause instanceof Error ? cause.message : cause) };
}

/**
 * Hands the run's outcome events to a webhookDeliveryWorkflow that outlives the run (ABANDON), so a
 * slow or dead receiver never holds a run open. Its id is derived from the run: started at most once.
 */
async function deliverWebhooks(runId: string, outcome: FinalizeRunResult | undefined): Promise<void> {
  if (!outcome || outcome.webhookEventIds.length === 0) return;
  try {
    await startChild(webhookDeliveryWorkflow, {
      workflowId: `${runId}-webhooks`,
      taskQueue: TASK_QUEUES.workflows,
      args: [{ eventIds: outcome.webhookEventIds }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
  } catch (err) {
    if (isCancellation(err)) throw err;
    // The run's own result stands; the events stay in the outbox (and the SSE stream) regardless.
    log.warn('could not start webhook delivery', { runId, error: err instanceof Error ? err.message : String(err) });
  }
}

/** One pass: collect → embed → cluster → summarize → finalize. The workflow id is the run id. */
export async function trendPipelineWorkflow(params: PipelineParams): Promise<RunProgress> {
  const runId = workflowInfo().workflowId;
  let windowMs: number | null;
  try {
    windowMs = parseWindow(params.window);
  } catch (err) {
    // A plain error would retry the workflow task forever; bad params must fail the run instead.
    throw ApplicationFailure.nonRetryable(err instanceof Error ? err.message : String(err), 'InvalidPipelineParams');
  }
  const nowMs = Date.now(); // deterministic inside a workflow: the time of the first workflow task
  const stats = emptyStats(params.sources.length);
  const progress: RunProgress = { runId, stage: 'starting', status: 'running', stats, sourceResults: [] };
  setHandler(progressQuery, () => progress);
  const publish = () => {
    upsertSearchAttributes([
      { key: SA.status, value: progress.status },
      { key: SA.items, value: stats.items.fetched },
      { key: SA.trends, value: stats.cluster.clusters },
      { key: SA.failedSources, value: stats.sources.failed },
    ]);
    upsertMemo({ stage: progress.stage, stats });
  };

  try {
    await runs.startRun({ runId, params, windowFromMs: windowMs === null ? null : nowMs - windowMs, windowToMs: nowMs });

    progress.stage = 'collecting';
    publish();
    await Promise.all(
      params.sources.map(async (spec) => {
        let result: SourceResult;
        try {
          result = await collect.collectSource({ runId, spec });
        } catch (err) {
          if (isCancellation(err)) throw err;
          const { type, message } = describeFailure(err);
          result = { spec, status: 'failed', fetched: 0, inserted: 0, duplicates: 0, skipped: 0, errorType: type, error: message };
          await runs.recordSourceFailure({ runId, spec, errorType: type, message });
        }
        progress.sourceResults.push(result);
        stats.sources.done++;
        if (result.status === 'failed') stats.sources.failed++;
        stats.items.fetched += result.fetched;
        stats.items.new += result.inserted;
        stats.items.duplicates += result.duplicates;
      }),
    );
    if (stats.sources.failed === stats.sources.total) {
      throw ApplicationFailure.nonRetryable(
        `every source failed: ${progress.sourceResults.map((r) => `${r.spec}: ${r.error}`).join('; ')}`,
        'AllSourcesFailed',
      );
    }

    progress.stage = 'embedding';
    publish();
    const plan = await embed.planEmbedBatches({ runId, batchSize: params.embedBatchSize ?? 256 });
    progress.modelId = plan.modelId;
    stats.embed.batches = plan.batches.length;
    stats.embed.cached = plan.alreadyEmbedded;
    await Promise.all(
      plan.batches.map(async (batch) => {
        const r = await embed.embedBatch(batch);
        stats.embed.batchesDone++;
        stats.embed.embedded += r.embedded;
        stats.embed.cached += r.cached;
      }),
    );

    progress.stage = 'clustering';
    publish();
    const clustered = await cluster.clusterWindow({
      runId,
      modelId: plan.modelId,
      windowFromMs: windowMs === null ? null : nowMs - windowMs,
      windowToMs: nowMs,
    });
    Object.assign(stats.cluster, {
      items: clustered.items,
      clusters: clustered.clusters,
      noise: clustered.noise,
      trendsCreated: clustered.trendsCreated,
      trendsUpdated: clustered.trendsUpdated,
    });
    if (clustered.trendsMerged) stats.cluster.trendsMerged = clustered.trendsMerged;
    if (clustered.trendsSplit) stats.cluster.trendsSplit = clustered.trendsSplit;

    progress.stage = 'summarizing';
    publish();
    stats.summarize.total = clustered.changedTrendIds.length;
    await inBatches(clustered.changedTrendIds, params.summarizeConcurrency ?? 8, async (trendId) => {
      let r;
      try {
        r = await summarize.summarizeTrend({ runId, trendId });
      } catch (err) {
        if (isCancellation(err)) throw err;
        // The configured LLM kept failing: a trend with an extractive summary beats one with none.
        r = await summarize.summarizeTrend({ runId, trendId, forceExtractive: true });
        stats.summarize.fallbacks++;
      }
      stats.summarize.done++;
      if (r.outcome === 'cached') stats.summarize.cached++;
      if (r.tokens) stats.summarize.tokens = (stats.summarize.tokens ?? 0) + r.tokens;
      if (r.budgetExhausted) stats.summarize.budgetFallbacks = (stats.summarize.budgetFallbacks ?? 0) + 1;
    });

    progress.stage = 'finalizing';
    const outcome = await runs.finalizeRun({ runId, status: 'completed', stats });
    await deliverWebhooks(runId, outcome);
    progress.stage = 'done';
    progress.status = 'completed';
    publish();
    return progress;
  } catch (err) {
    const cancelled = isCancellation(err);
    progress.status = cancelled ? 'cancelled' : 'failed';
    progress.error = describeFailure(err).message;
    // Record the outcome even though the workflow itself was cancelled.
    await CancellationScope.nonCancellable(async () => {
      const outcome = await runs.finalizeRun({ runId, status: progress.status as 'failed' | 'cancelled', stats, error: progress.error });
      await deliverWebhooks(runId, outcome);
    });
    publish();
    throw err;
  }
}
