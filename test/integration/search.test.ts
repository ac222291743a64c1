import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import pino from 'pino';
import { createEmbedActivities } from '../../activities/embed';
import type { Embedder } from '../../activities/embed/embedder';
import { EmbedderRequestError } from '../../activities/embed/errors';
import { reembedAll, reindexFromPostgres } from '../../activities/embed/reindex';
import { listen, type RunningApi } from '../../api/server';
import { main } from '../../cli/main';
import { startPipelineRun } from '../../services/runs';
import type { RunProgress } from '../../workflows/types';
import { openTestStack, type RunningWorkers, type TestStack } from '../helpers/stack';

const SAMPLE_CSV = path.resolve(__dirname, '../fixtures/news-stories-sample.csv');
const SPEC = `csv:${SAMPLE_CSV}`;
const MODEL = 'use-lite-512';

interface Hit {
  id: string;
  title: string;
  url: string;
  source: string;
  publishedAt: string | null;
  score: number;
  trend: { id: number; label: string; status: string } | null;
}
interface Page {
  model: string;
  hits: Hit[];
  next: string | null;
}
interface Reply<T> {
  status: number;
  contentType: string;
  body: T;
}

describe('semantic search on the real stack (Temporal, Postgres, LanceDB, USE)', () => {
  let stack: TestStack;
  let workers: RunningWorkers;
  let api: RunningApi;
  let run: RunProgress;

  beforeAll(async () => {
    stack = await openTestStack('search');
    workers = await stack.startWorkers();
    api = await listen(
      {
        config: stack.config,
        db: stack.db,
        temporal: () => stack.client,
        vectorStore: workers.deps.getVectorStore,
        log: pino({ level: 'silent' }),
        auth: { mode: 'disabled' },
      },
      '127.0.0.1',
      0,
    );
    const { runId } = await startPipelineRun(stack.client, { sources: [SPEC], window: 'all', trigger: 'manual' });
    run = (await stack.client.workflow.getHandle(runId).result()) as RunProgress;
  });
  afterAll(async () => {
    await api?.close();
    await (await workers?.deps.getEmbedder().catch(() => undefined))?.close?.();
    await stack?.close();
  });

  async function get<T>(urlPath: string): Promise<Reply<T>> {
    const res = await fetch(`${api.url}${urlPath}`);
    return { status: res.status, contentType: res.headers.get('content-type') ?? '', body: (await res.json()) as T };
  }
  const search = (query: string) => get<Page>(`/api/v1/search?${query}`);
  const isFed = (h: Hit) => /fed|yellen|taper|stimulus|bond/i.test(h.title);

  it('ran the pipeline the search reads from', () => {
    expect(run.status).toBe('completed');
    expect(run.stats.embed.embedded).toBe(25);
  });

  it('finds the items of the matching story first, with scores, sources and current trends', async () => {
    const { status, body } = await search(`q=${encodeURIComponent('Federal Reserve slows its bond buying')}&limit=5`);
    expect(status).toBe(200);
    expect(body.model).toBe(MODEL);
    expect(body.hits).toHaveLength(5);
    expect(body.hits.every(isFed)).toBe(true);
    const scores = body.hits.map((h) => h.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    expect(scores[0]).toBeGreaterThan(0.4);
    for (const h of body.hits) {
      expect(h).toMatchObject({ source: SPEC, url: expect.stringMatching(/^https?:\/\//) });
      expect(h.publishedAt).toMatch(/^2014-/);
    }
    const trends: Array<{ item_id: string; trend_id: number }> = await stack.db.query('SELECT item_id::text, trend_id FROM trend_members');
    const trendOf = new Map(trends.map((t) => [t.item_id, t.trend_id]));
    for (const h of body.hits) expect(h.trend?.id ?? null).toBe(trendOf.get(h.id) ?? null);
    expect(body.hits.some((h) => h.trend !== null)).toBe(true);

    const ebay = await search(`q=${encodeURIComponent('Carl Icahn proxy fight with eBay over PayPal')}&limit=3`);
    expect(ebay.body.hits.map((h) => h.title).join(' | ')).toMatch(/icahn|ebay/i);
    expect(ebay.body.hits.some(isFed)).toBe(false);
  });

  it('pages with an opaque cursor: pages do not overlap and add up to one longer page', async () => {
    const q = `q=${encodeURIComponent('stock market news')}`;
    const first = await search(`${q}&limit=4`);
    expect(first.body.next).toMatch(/^\/api\/v1\/search\?.*cursor=/);
    const second = await get<Page>(first.body.next as string);
    const both = await search(`${q}&limit=8`);
    expect([...first.body.hits, ...second.body.hits].map((h) => h.id)).toEqual(both.body.hits.map((h) => h.id));
    const last = await search(`${q}&limit=100`);
    expect(last.body.hits).toHaveLength(25);
    expect(last.body.next).toBeNull();
  });

  it('filters by source spec and by published time', async () => {
    const q = `q=${encodeURIComponent('Federal Reserve')}`;
    expect((await search(`${q}&source=${encodeURIComponent(SPEC)}&limit=100`)).body.hits).toHaveLength(25);
    const times = (await search(`${q}&limit=100`)).body.hits.map((h) => Date.parse(h.publishedAt ?? '')).sort((a, b) => a - b);
    const mid = new Date(times[12] as number).toISOString();
    const late = await search(`${q}&from=${encodeURIComponent(mid)}&limit=100`);
    expect(late.body.hits.length).toBe(times.filter((t) => t >= Date.parse(mid)).length);
    expect(late.body.hits.every((h) => Date.parse(h.publishedAt ?? '') >= Date.parse(mid))).toBe(true);
    expect((await search(`${q}&to=2000-01-01`)).body.hits).toEqual([]);
  });

  it.each([
    ['no query', 'limit=5', 'q'],
    ['an unknown source', `q=fed&source=${encodeURIComponent('rss:https://nowhere.example/feed')}`, 'source'],
    ['a bad date', 'q=fed&from=yesterday', 'from'],
    ['from after to', 'q=fed&from=2014-03-12&to=2014-03-11', 'from'],
    ['limit 0', 'q=fed&limit=0', 'limit'],
    ['limit 101', 'q=fed&limit=101', 'limit'],
    ['a forged cursor', 'q=fed&cursor=bm90LWEtY3Vyc29y', 'cursor'],
  ])('answers 400 problem+json for %s', async (_name, query, field) => {
    const reply = await search(query);
    expect(reply.status).toBe(400);
    expect(reply.contentType).toMatch(/^application\/problem\+json/);
    expect(JSON.stringify(reply.body)).toContain(field);
  });

  it('finds similar items, excluding the item itself; 404 for an unknown item', async () => {
    const [fed] = (await search(`q=${encodeURIComponent('Fed taper')}&limit=1`)).body.hits;
    const similar = await get<Page>(`/api/v1/items/${fed?.id}/similar?limit=3`);
    expect(similar.status).toBe(200);
    expect(similar.body.hits.map((h) => h.id)).not.toContain(fed?.id);
    expect(similar.body.hits.every(isFed)).toBe(true);
    expect((await get(`/api/v1/items/999999999/similar`)).status).toBe(404);
    expect((await get(`/api/v1/items/abc/similar`)).status).toBe(400);
  });

  /** Runs the CLI in-process against this test's database and data directory; returns what it printed. */
  async function cli(args: string[]): Promise<{ out: string; code: number }> {
    const saved = { ...process.env };
    const chunks: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      chunks.push(chunk.toString());
      return true;
    });
    Object.assign(process.env, { DATABASE_URL: stack.config.db.url, TRENDFLOW_DATA_DIR: stack.dataDir, LOG_LEVEL: 'warn' });
    process.exitCode = undefined;
    try {
      await main(['node', 'trendflow', ...args]);
      return { out: chunks.join(''), code: Number(process.exitCode ?? 0) };
    } finally {
      write.mockRestore();
      process.env = saved;
      process.exitCode = undefined;
    }
  }

  it('`trendflow search --json` answers like the API', async () => {
    const { out, code } = await cli(['search', 'Federal Reserve slows its bond buying', '--limit', '5', '--json']);
    expect(code).toBe(0);
    const page = JSON.parse(out) as { model: string; hits: Hit[] };
    const viaApi = await search(`q=${encodeURIComponent('Federal Reserve slows its bond buying')}&limit=5`);
    expect(page.hits.map((h) => h.id)).toEqual(viaApi.body.hits.map((h) => h.id));
  });

  it('`trendflow reindex` rebuilds a dropped index from Postgres and removes strays', async () => {
    const store = await workers.deps.getVectorStore();
    await store.drop(MODEL);
    expect((await search('q=fed&limit=5')).body.hits).toEqual([]);
    const stray = { id: '987654321', vector: new Float32Array(512).fill(0.04), source: '1', publishedAt: 0 };
    const { out, code } = await cli(['reindex', '--json']);
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ store: 'lancedb', results: [{ modelId: MODEL, upserted: 25, removed: 0 }] });
    expect(await store.count(MODEL)).toBe(25);
    await store.upsert(MODEL, [stray]);
    expect(await reindexFromPostgres(stack.db, store, { modelId: MODEL, pageSize: 7 })).toEqual({ modelId: MODEL, upserted: 25, removed: 1 });
    expect(await store.count(MODEL)).toBe(25);
    expect((await search('q=fed&limit=5')).body.hits).toHaveLength(5);
  });

  it('re-embeds every item with another model into its own table, never touching the current one', async () => {
    // A tiny deterministic embedder stands in for a second model (the point is the bookkeeping, not the vectors).
    const other: Embedder = {
      id: 'test-hash-8',
      dimensions: 8,
      async embed(texts) {
        return texts.map((t) => Float32Array.from({ length: 8 }, (_, d) => ((t.charCodeAt(d % t.length) % 7) + 1) / 10));
      },
    };
    const store = await workers.deps.getVectorStore();
    expect(await reembedAll(stack.db, other, store, { pageSize: 10 })).toEqual({ modelId: 'test-hash-8', embedded: 25, cached: 0 });
    expect(await reembedAll(stack.db, other, store)).toEqual({ modelId: 'test-hash-8', embedded: 0, cached: 25 });
    const [row] = await stack.db.query(`SELECT count(*)::int AS n FROM embeddings WHERE model_id = 'test-hash-8' AND dims = 8`);
    expect(row).toEqual({ n: 25 });
    expect(await store.count('test-hash-8')).toBe(25);
    expect(await store.count(MODEL)).toBe(25);
  });

  it('fails the embed activity for good (non-retryable ApplicationFailure) when the embedding API rejects the request', async () => {
    const rejecting: Embedder = {
      id: 'openai:rejected-model',
      dimensions: 8,
      async embed() {
        throw new EmbedderRequestError('embeddings request failed with HTTP 401: Incorrect API key provided', 'rejected-model', false, 401, 1);
      },
    };
    const activities = createEmbedActivities({ db: stack.db, getEmbedder: async () => rejecting, vectorStore: workers.deps.getVectorStore });
    const [range] = await stack.db.query(`SELECT min(item_id)::text AS "from", max(item_id)::text AS "to" FROM run_items WHERE run_id = $1`, [run.runId]);
    // ERROR level: the worker's own WARN log of this expected failure would only clutter the test output.
    const error: unknown = await new MockActivityEnvironment({}, { logger: new DefaultLogger('ERROR') })
      .run(activities.embedBatch, { runId: run.runId, fromItemId: range.from, toItemId: range.to, count: 25 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect(error).toMatchObject({ nonRetryable: true, type: 'EmbedderRequestError' });
  });
});
