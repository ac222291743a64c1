/** @jest-environment ./test/helpers/native-arrays-environment.js */
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createEmbedActivities } from '../../activities/embed';
import { configuredModelId, createEmbedder } from '../../activities/embed/create-embedder';
import type { Embedder } from '../../activities/embed/embedder';
import { loadConfig } from '../../config/config';
import { startPipelineRun } from '../../services/runs';
import type { RunProgress } from '../../workflows/types';
import { openTestStack, type RunningWorkers, type TestStack } from '../helpers/stack';
import { fetchTestModel } from '../helpers/test-model';

const SAMPLE_CSV = path.resolve(__dirname, '../fixtures/news-stories-sample.csv');

describe('pipeline with EMBEDDING_PROVIDER=transformers (real Temporal, Postgres, LanceDB, all-MiniLM-L6-v2)', () => {
  let stack: TestStack;
  let workers: RunningWorkers;
  let embedder: Embedder;
  let run: RunProgress;

  beforeAll(async () => {
    const model = await fetchTestModel();
    stack = await openTestStack('transformers_pipeline');
    // The stack's own config with the transformers provider on top, as the env would set it.
    const config = loadConfig({
      TRENDFLOW_DATA_DIR: stack.dataDir,
      EMBEDDING_PROVIDER: 'transformers',
      TRANSFORMERS_MODEL_PATH: model.path,
      EMBED_THREADS: '1',
    });
    expect(configuredModelId(config.embed)).toMatch(/^transformers:minilm@/);
    embedder = await createEmbedder(config.embed);
    workers = await stack.startWorkers({ getEmbedder: async () => embedder });
    const { runId } = await startPipelineRun(stack.client, { sources: [`csv:${SAMPLE_CSV}`], window: 'all', trigger: 'manual' });
    run = (await stack.client.workflow.getHandle(runId).result()) as RunProgress;
  }, 300_000);
  afterAll(async () => {
    await embedder?.close?.();
    await stack?.close();
  });

  it('embeds every item once, into Postgres and the vector index under the model’s own id', async () => {
    expect(run.status).toBe('completed');
    expect(run.stats.embed.embedded).toBe(25);
    const rows: Array<{ model_id: string; dims: number; n: number }> = await stack.db.query(
      'SELECT model_id, dims, count(*)::int AS n FROM embeddings GROUP BY model_id, dims',
    );
    expect(rows).toEqual([{ model_id: embedder.id, dims: 384, n: 25 }]); // no USE vectors alongside
    const store = await workers.deps.getVectorStore();
    expect(await store.count(embedder.id)).toBe(25);
    expect(await store.count('use-lite-512')).toBe(0);
    expect(run.stats.cluster.clusters).toBeGreaterThan(0);
  });

  it('finds a story’s items by meaning in that index', async () => {
    const store = await workers.deps.getVectorStore();
    const [query] = await embedder.embed(['Federal Reserve slows its bond buying']);
    const hits = await store.search(embedder.id, query as Float32Array, 5);
    const titles: Array<{ id: string; title: string }> = await stack.db.query('SELECT id::text, title FROM items WHERE id = ANY($1::bigint[])', [
      hits.map((h) => h.id),
    ]);
    expect(titles).toHaveLength(5);
    for (const t of titles) expect(t.title).toMatch(/fed|yellen|taper|stimulus|bond/i);
  });

  it('embedBatch reuses the stored vectors of this model on a retry instead of re-embedding', async () => {
    const activities = createEmbedActivities({ db: stack.db, getEmbedder: async () => embedder, vectorStore: workers.deps.getVectorStore });
    const env = new MockActivityEnvironment({}, { logger: new DefaultLogger('ERROR') });
    const plan = await env.run(activities.planEmbedBatches, { runId: run.runId, batchSize: 100 });
    expect(plan).toMatchObject({ modelId: embedder.id, batches: [], alreadyEmbedded: 25 });
    const [range]: Array<{ from: string; to: string }> = await stack.db.query(
      'SELECT min(item_id)::text AS "from", max(item_id)::text AS "to" FROM run_items WHERE run_id = $1',
      [run.runId],
    );
    const result = await env.run(activities.embedBatch, { runId: run.runId, fromItemId: range?.from as string, toItemId: range?.to as string, count: 25 });
    expect(result).toEqual({ embedded: 0, cached: 25 });
  });
});
