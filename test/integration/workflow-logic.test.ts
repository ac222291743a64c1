import { Client, Connection, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Worker } from '@temporalio/worker';
import type { trendPipelineWorkflow } from '../../workflows';
import { SA } from '../../workflows/search-attributes';
import { TASK_QUEUES, type QueueName } from '../../workflows/task-queues';
import type { PipelineParams, RunProgress } from '../../workflows/types';
import { blockingEmbed, defaults, deferred, FAKE, FakeActivities, within, type RunRecord, type Scenario } from '../helpers/fake-activities';
import { runWorkers } from '../helpers/stack';

const SOURCES = ['csv:a.csv', 'rss:https://feeds.example.org/b.xml', 'jsonl:c.jsonl'];
const DAY_MS = 86_400_000;

/** The stats the default fakes add up to for three good sources. */
const HAPPY_STATS: RunProgress['stats'] = {
  sources: { total: 3, done: 3, failed: 0 },
  items: { fetched: 30, new: 24, duplicates: 6 },
  // embedded: count - 1 per batch (12 - 3); cached: alreadyEmbedded 4 + 1 per batch.
  embed: { batches: 3, batchesDone: 3, embedded: 10, cached: 7 },
  cluster: { items: 25, clusters: 6, noise: 3, trendsCreated: 4, trendsUpdated: 2 },
  // trends 12 and 15 come back cached.
  summarize: { total: 6, done: 6, cached: 2, fallbacks: 0 },
};

/** Resolves to the WorkflowFailedError `result` rejects with; fails the test if it resolves or rejects otherwise. */
async function failureOf(result: Promise<unknown>): Promise<WorkflowFailedError> {
  const err = await result.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof WorkflowFailedError)) throw new Error(`expected WorkflowFailedError, got ${String(err)}`);
  return err;
}

describe('trendPipelineWorkflow orchestration (real Temporal server, fake activities)', () => {
  const fakes = new FakeActivities();
  let connection: Connection | undefined;
  let native: NativeConnection | undefined;
  let client: Client;
  let stopWorkers: (() => Promise<void>) | undefined;
  let seq = 0;

  beforeAll(async () => {
    const address = process.env.TEST_TEMPORAL_ADDRESS;
    if (!address) throw new Error('run through jest: global setup provides TEST_TEMPORAL_ADDRESS');
    const bundling = bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), logger: new DefaultLogger('WARN') });
    connection = await Connection.connect({ address });
    native = await NativeConnection.connect({ address });
    client = new Client({ connection });
    const workflowBundle = await bundling;
    const nativeConnection = native;
    const workers = await Promise.all(
      (Object.keys(TASK_QUEUES) as QueueName[]).map((queue) =>
        Worker.create({
          connection: nativeConnection,
          taskQueue: TASK_QUEUES[queue],
          activities: fakes.forQueue(queue),
          // Heartbeats go out at most every min(0.8 × heartbeatTimeout, this); with the 60 s default a
          // cancel request would reach the blocked embed fake only after a minute.
          maxHeartbeatThrottleInterval: '200 ms',
          ...(queue === 'workflows' ? { workflowBundle } : {}),
        }),
      ),
    );
    stopWorkers = await runWorkers(workers);
  });

  afterAll(async () => {
    await stopWorkers?.();
    await native?.close();
    await connection?.close();
  });

  async function start(
    name: string,
    scenario: Scenario = {},
    params: Partial<PipelineParams> = {},
  ): Promise<{ run: RunRecord; handle: WorkflowHandle<typeof trendPipelineWorkflow>; runId: string }> {
    const runId = `wf-logic-${name}-${process.pid}-${Date.now()}-${++seq}`;
    const run = fakes.register(runId, scenario);
    const handle = await client.workflow.start<typeof trendPipelineWorkflow>('trendPipelineWorkflow', {
      taskQueue: TASK_QUEUES.workflows,
      workflowId: runId,
      args: [{ sources: SOURCES, window: 'all', ...params }],
    });
    return { run, handle, runId };
  }

  it.each(['all', '24h'])('runs collect → embed → cluster → summarize → finalize in order (window %s)', async (window) => {
    const before = Date.now();
    const { run, handle, runId } = await start(`order-${window}`, {}, { window, summarizeConcurrency: 2 });
    const result = await handle.result();
    const after = Date.now();

    expect(run.index('start', 'startRun')).toBe(0);
    const [started] = run.calls.startRun;
    expect(started).toMatchObject({ runId, params: { sources: SOURCES, window, summarizeConcurrency: 2 } });
    const windowToMs = started?.windowToMs ?? NaN;
    expect(windowToMs).toBeGreaterThanOrEqual(before - 1000);
    expect(windowToMs).toBeLessThanOrEqual(after + 1000);
    const windowFromMs = window === 'all' ? null : windowToMs - DAY_MS;
    expect(started?.windowFromMs).toEqual(windowFromMs);

    // Collect: every source once, all three in flight together, after startRun finished.
    expect(run.calls.collectSource.map((c) => c.spec).sort()).toEqual([...SOURCES].sort());
    expect(run.index('end', 'startRun')).toBeLessThan(run.index('start', 'collectSource'));
    expect(run.maxInFlight.get('collectSource')).toBe(3);

    // Embed: planned only after every source is done, then one embedBatch per planned batch.
    expect(run.index('end', 'collectSource', 'last')).toBeLessThan(run.index('start', 'planEmbedBatches'));
    expect(run.calls.planEmbedBatches).toEqual([{ runId, batchSize: 256 }]);
    const plan = await defaults.planEmbedBatches({ runId, batchSize: 256 });
    const byFrom = (a: { fromItemId: string }, b: { fromItemId: string }) => a.fromItemId.localeCompare(b.fromItemId);
    expect([...run.calls.embedBatch].sort(byFrom)).toEqual([...plan.batches].sort(byFrom));
    expect(run.index('end', 'planEmbedBatches')).toBeLessThan(run.index('start', 'embedBatch'));

    // Cluster: once, after every batch, with the plan's model and the run's window.
    expect(run.index('end', 'embedBatch', 'last')).toBeLessThan(run.index('start', 'clusterWindow'));
    expect(run.calls.clusterWindow).toEqual([{ runId, modelId: FAKE.modelId, windowFromMs, windowToMs }]);
    if (window === '24h') expect(Math.abs((run.calls.clusterWindow[0]?.windowFromMs ?? 0) - (before - DAY_MS))).toBeLessThan(5000);

    // Summarize: every changed trend once, never more than summarizeConcurrency at a time.
    expect(run.index('end', 'clusterWindow')).toBeLessThan(run.index('start', 'summarizeTrend'));
    expect(run.calls.summarizeTrend.map((c) => c.trendId).sort()).toEqual([...FAKE.changedTrendIds]);
    expect(run.calls.summarizeTrend.every((c) => c.forceExtractive === undefined)).toBe(true);
    expect(run.maxInFlight.get('summarizeTrend')).toBe(2);

    // Finalize: last, once, completed, with the stats the run returns.
    expect(run.index('end', 'summarizeTrend', 'last')).toBeLessThan(run.index('start', 'finalizeRun'));
    expect(run.index('start', 'finalizeRun')).toBe(run.events.length - 2);
    expect(run.calls.finalizeRun).toEqual([{ runId, status: 'completed', stats: HAPPY_STATS }]);
    expect(run.calls.recordSourceFailure).toEqual([]);

    expect(result).toMatchObject({ runId, status: 'completed', stage: 'done', modelId: FAKE.modelId, stats: HAPPY_STATS });
    expect(result.sourceResults.map((r) => r.status)).toEqual(['ok', 'ok', 'ok']);
  });

  it('records a failing source and carries on with the others', async () => {
    const missing = SOURCES[0] ?? '';
    const { run, handle, runId } = await start('partial', {
      async collectSource(input) {
        if (input.spec === missing) throw ApplicationFailure.nonRetryable('boom', 'SourceNotFoundError');
        return defaults.collectSource(input);
      },
    });
    const result = await handle.result();

    expect(run.calls.collectSource).toHaveLength(3); // non-retryable: the missing source is tried once
    expect(run.calls.recordSourceFailure).toEqual([{ runId, spec: missing, errorType: 'SourceNotFoundError', message: 'boom' }]);
    expect(result.status).toBe('completed');
    expect(result.stats.sources).toEqual({ total: 3, done: 3, failed: 1 });
    expect(result.stats.items.fetched).toBe(2 * FAKE.fetchedPerSource);
    expect(result.sourceResults.find((r) => r.spec === missing)).toMatchObject({
      status: 'failed',
      fetched: 0,
      errorType: 'SourceNotFoundError',
      error: 'boom',
    });
    expect(result.sourceResults.filter((r) => r.status === 'ok').map((r) => r.spec).sort()).toEqual(SOURCES.slice(1).sort());
    expect(run.calls.clusterWindow).toHaveLength(1);
    expect(run.calls.finalizeRun).toEqual([expect.objectContaining({ status: 'completed', stats: result.stats })]);
  });

  it('fails the run with AllSourcesFailed when every source fails, and finalizes it as failed', async () => {
    const { run, handle, runId } = await start('all-fail', {
      async collectSource({ spec }) {
        throw ApplicationFailure.nonRetryable(`cannot read ${spec}`, 'SourceFormatError');
      },
    });
    const failure = await failureOf(handle.result());

    expect(failure.cause).toBeInstanceOf(ApplicationFailure);
    expect(failure.cause).toMatchObject({ type: 'AllSourcesFailed' });
    expect(failure.cause?.message).toContain('cannot read csv:a.csv');
    expect(run.calls.recordSourceFailure).toHaveLength(3);
    expect(run.calls.planEmbedBatches).toEqual([]);
    expect(run.calls.finalizeRun).toEqual([
      expect.objectContaining({ runId, status: 'failed', error: expect.stringContaining('every source failed') }),
    ]);
    expect(run.calls.finalizeRun[0]?.stats.sources).toEqual({ total: 3, done: 3, failed: 3 });
    const desc = await handle.describe();
    expect(desc.typedSearchAttributes.get(SA.status)).toBe('failed');
    expect(desc.typedSearchAttributes.get(SA.failedSources)).toBe(3);
  });

  it('cancels a blocked embed activity, finalizes the run as cancelled and reports the cancellation', async () => {
    const embedStarted = deferred();
    const embedCancelled = deferred<unknown>();
    const { run, handle } = await start('cancel', {
      async planEmbedBatches(input) {
        const plan = await defaults.planEmbedBatches(input);
        return { ...plan, batches: plan.batches.slice(0, 1) };
      },
      embedBatch: blockingEmbed(() => embedStarted.resolve(), embedCancelled.resolve),
    });
    await within(embedStarted.promise, 15_000, 'embedBatch to start');

    const progress = await handle.query<RunProgress>('progress');
    expect(progress).toMatchObject({ stage: 'embedding', status: 'running', modelId: FAKE.modelId });
    expect(progress.stats.embed).toMatchObject({ batches: 1, batchesDone: 0 });

    await handle.cancel();
    const failure = await failureOf(handle.result());
    expect(failure.cause).toBeInstanceOf(CancelledFailure);
    expect(run.calls.finalizeRun).toEqual([expect.objectContaining({ status: 'cancelled' })]);
    expect(run.calls.clusterWindow).toEqual([]);
    // The activity learns of the cancel from a heartbeat response, possibly after the workflow closed.
    expect(await within(embedCancelled.promise, 15_000, 'embedBatch to see its cancellation')).toBeInstanceOf(CancelledFailure);
    expect((await handle.describe()).typedSearchAttributes.get(SA.status)).toBe('cancelled');
  });

  it('falls back to the extractive summarizer for trends whose summarizer call fails', async () => {
    const failing = new Set([13, 14]);
    const { run, handle, runId } = await start('fallback', {
      async summarizeTrend(input) {
        if (failing.has(input.trendId) && !input.forceExtractive) throw ApplicationFailure.nonRetryable('llm said no', 'SummarizerError');
        return defaults.summarizeTrend(input);
      },
    });
    const result = await handle.result();

    for (const trendId of FAKE.changedTrendIds) {
      const calls = run.calls.summarizeTrend.filter((c) => c.trendId === trendId);
      expect(calls).toEqual(failing.has(trendId) ? [{ runId, trendId }, { runId, trendId, forceExtractive: true }] : [{ runId, trendId }]);
    }
    expect(result.status).toBe('completed');
    expect(result.stats.summarize).toEqual({ total: 6, done: 6, cached: 2, fallbacks: 2 });
    expect(run.calls.finalizeRun).toEqual([expect.objectContaining({ status: 'completed', stats: result.stats })]);
  });

  it('publishes status, counts and stage as search attributes and memo', async () => {
    const { handle } = await start('visibility');
    const result = await handle.result();
    const desc = await handle.describe();

    expect(desc.status.name).toBe('COMPLETED');
    expect(desc.typedSearchAttributes.get(SA.status)).toBe('completed');
    expect(desc.typedSearchAttributes.get(SA.items)).toBe(result.stats.items.fetched);
    expect(result.stats.items.fetched).toBe(HAPPY_STATS.items.fetched);
    expect(desc.typedSearchAttributes.get(SA.trends)).toBe(HAPPY_STATS.cluster.clusters);
    expect(desc.typedSearchAttributes.get(SA.failedSources)).toBe(0);
    expect(desc.memo).toMatchObject({ stage: 'done', stats: HAPPY_STATS });
  });
});
