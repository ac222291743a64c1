import path from 'node:path';
import pino from 'pino';
import { listen, type RunningApi } from '../../api/server';
import type { RunView } from '../../services/runs';
import { openTestStack, type RunningWorkers, type TestStack } from '../helpers/stack';

const SAMPLE_CSV = path.resolve(__dirname, '../fixtures/news-stories-sample.csv');
const SAMPLE_ROWS = 25; // two stories (Fed tapering, eBay vs Icahn), every headline distinct

/** A response; `body` is parsed JSON (or text) of the shape the caller expects, which the assertions then check. */
interface Reply<T> {
  status: number;
  contentType: string;
  location: string | null;
  body: T;
}

interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: Array<{ path: string; message: string }>;
}

interface ReadyView {
  status: string;
  checks: Array<{ name: string; ok: boolean; ms: number; error?: string }>;
}

interface StartedRun {
  runId: string;
  status: string;
  links: { self: string; temporalUi: string };
}

interface RunListPage {
  runs: Array<{ runId: string; status: string; createdAt: string }>;
  next: string | null;
}

interface TrendView {
  id: number;
  status: string;
  size: number;
  summary: { title: string; summary: string; method: string; stale: boolean } | null;
}

interface TrendList {
  total: number;
  limit: number;
  offset: number;
  trends: TrendView[];
}

interface TrendDetail extends TrendView {
  items: Array<{ id: string; title: string; url: string; source: string; similarity: number }>;
  sources: Array<{ source: string; items: number }>;
}

describe('HTTP API on the real stack (Temporal, Postgres, LanceDB, workers)', () => {
  let stack: TestStack;
  let workers: RunningWorkers;
  let api: RunningApi;

  beforeAll(async () => {
    stack = await openTestStack('api');
    workers = await stack.startWorkers();
    api = await listen(
      {
        config: stack.config,
        db: stack.db,
        temporal: () => stack.client,
        vectorStore: workers.deps.getVectorStore, // one store for workers and API; closed by workers.stop()
        log: pino({ level: 'silent' }),
        auth: { mode: 'disabled' }, // key checks have their own tests (api-hardening.test.ts)
      },
      '127.0.0.1',
      0,
    );
  });

  afterAll(async () => {
    await api?.close();
    await stack?.close(); // stops the workers, which close the vector store
  });

  async function call<T = unknown>(urlPath: string, init: RequestInit = {}): Promise<Reply<T>> {
    const res = await fetch(`${api.url}${urlPath}`, init);
    const text = await res.text();
    const contentType = res.headers.get('content-type') ?? '';
    return {
      status: res.status,
      contentType,
      location: res.headers.get('location'),
      body: (contentType.includes('json') && text !== '' ? JSON.parse(text) : text) as T,
    };
  }

  const postJson = <T>(urlPath: string, body: string) =>
    call<T>(urlPath, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

  function expectProblem(reply: Reply<unknown>, status: number): Problem {
    expect(reply.status).toBe(status);
    expect(reply.contentType).toMatch(/^application\/problem\+json/);
    const p = reply.body as Problem;
    expect(p).toMatchObject({ type: 'about:blank', status });
    expect(typeof p.title).toBe('string');
    expect(typeof p.detail).toBe('string');
    return p;
  }

  async function runRowCount(): Promise<number> {
    const [row] = await stack.db.query('SELECT count(*)::int AS n FROM runs');
    return (row as { n: number }).n;
  }

  /** Polls GET /runs/:id until the run leaves `running`; returns every view seen, last one final. */
  async function waitForRun(runId: string, timeoutMs = 120_000) {
    const seen: Array<Reply<RunView>> = [];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const reply = await call<RunView>(`/api/v1/runs/${runId}`);
      expect(reply.status).toBe(200);
      seen.push(reply);
      if (reply.body.status !== 'running') return seen;
      if (Date.now() > deadline) throw new Error(`run ${runId} still running after ${timeoutMs} ms: ${JSON.stringify(reply.body)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  describe('health, readiness, metrics', () => {
    it.each(['', '/api/v1'])('%s/health answers 200 ok', async (prefix) => {
      const reply = await call(`${prefix}/health`);
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual({ status: 'ok' });
    });

    it.each(['', '/api/v1'])('%s/ready checks Postgres, Temporal and the vector store', async (prefix) => {
      const reply = await call<ReadyView>(`${prefix}/ready`);
      expect(reply.status).toBe(200);
      expect(reply.body.status).toBe('ready');
      const checks = reply.body.checks;
      expect(checks.map((c) => c.name).sort()).toEqual(['postgres', 'temporal', 'vectorStore']);
      for (const c of checks) expect(c).toMatchObject({ ok: true });
    });

    it.each(['', '/api/v1'])('%s/metrics serves Prometheus text with request latency by route template', async (prefix) => {
      expect((await call('/api/v1/trends/12345?items=1')).status).toBe(404);
      expect((await call('/api/v1/trends')).status).toBe(200);
      const reply = await call<string>(`${prefix}/metrics`);
      expect(reply.status).toBe(200);
      expect(reply.contentType).toMatch(/^text\/plain/);
      const text = reply.body;
      expect(text).toContain('# TYPE trendflow_http_request_duration_seconds histogram');
      expect(text).toMatch(/trendflow_http_request_duration_seconds_count\{method="GET",route="\/health",status="200"\} \d+/);
      expect(text).toMatch(/trendflow_http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/trends",status="200"\} \d+/);
      expect(text).not.toContain('12345'); // route templates, not raw ids, so ids cannot blow up the series count
      expect(text).toContain('trendflow_api_process_cpu_user_seconds_total');
    });

    // Errors thrown inside the /api/v1 router reach the app-level problem middleware after Express
    // has reset req.baseUrl, so without a fix they are counted under "/runs/:id" instead.
    it('labels failed /api/v1 requests with the full route template too', async () => {
      expect((await call('/api/v1/runs/some-run-that-is-not-there')).status).toBe(404);
      expect((await call('/api/v1/trends?limit=0')).status).toBe(400);
      const text = (await call<string>('/metrics')).body;
      expect(text).not.toContain('some-run-that-is-not-there');
      expect(text).toContain('route="/api/v1/runs/:id",status="404"');
      expect(text).toContain('route="/api/v1/trends",status="400"');
    });
  });

  describe('POST /api/v1/runs validation', () => {
    const cases: Array<[string, string, RegExp]> = [
      ['missing sources', JSON.stringify({ window: 'all' }), /sources/],
      ['an empty source list', JSON.stringify({ sources: [] }), /sources: give at least one source spec/],
      ['an unknown source kind', JSON.stringify({ sources: ['foo:bar'] }), /unknown source kind "foo"/],
      ['a source that is not a string', JSON.stringify({ sources: [42] }), /sources\.0/],
      ['a bad window', JSON.stringify({ sources: [`csv:${SAMPLE_CSV}`], window: '3x' }), /window: invalid window "3x"/],
      ['an unknown field', JSON.stringify({ sources: [`csv:${SAMPLE_CSV}`], sauce: 'hot' }), /sauce/],
      ['a batch size out of range', JSON.stringify({ sources: [`csv:${SAMPLE_CSV}`], embedBatchSize: 0 }), /embedBatchSize/],
      ['malformed JSON', '{"sources": ["csv:x.csv"', /JSON/],
      ['a JSON array body', JSON.stringify([`csv:${SAMPLE_CSV}`]), /object/],
      ['a JSON string body', JSON.stringify(`csv:${SAMPLE_CSV}`), /JSON|object/],
      ['a JSON null body', 'null', /JSON|object/],
    ];

    let runsBefore: number;
    beforeAll(async () => {
      runsBefore = await runRowCount();
    });

    it.each(cases)('rejects %s with a 400 problem naming it', async (_what, body, detail) => {
      const p = expectProblem(await postJson('/api/v1/runs', body), 400);
      expect(p.detail).toMatch(detail);
    });

    it('rejects a body that is not JSON at all (no content type) as missing sources', async () => {
      const p = expectProblem(await call('/api/v1/runs', { method: 'POST', body: 'sources=csv:x.csv' }), 400);
      expect(p.detail).toMatch(/sources/);
    });

    it('lists every problem, with its path, in `errors`', async () => {
      const reply = await postJson('/api/v1/runs', JSON.stringify({ sources: ['foo:bar'], window: '3x' }));
      const p = expectProblem(reply, 400);
      expect(p.detail).toMatch(/unknown source kind/);
      expect(p.detail).toMatch(/window/);
      expect(p.errors).toEqual([
        { path: 'sources.0', message: expect.stringContaining('unknown source kind') },
        { path: 'window', message: expect.stringContaining('invalid window') },
      ]);
    });

    it('starts no run for any rejected request', async () => {
      expect(await runRowCount()).toBe(runsBefore);
    });
  });

  describe('a run through the API', () => {
    let runId: string;
    let failedRunId: string;

    it('POST /api/v1/runs starts a run: 202, Location, Temporal UI link', async () => {
      const reply = await postJson<StartedRun>('/api/v1/runs', JSON.stringify({ sources: [`csv:${SAMPLE_CSV}`], window: 'all' }));
      expect(reply.status).toBe(202);
      expect(reply.body.runId).toMatch(/^run-api-\d{8}T\d{6}Z-[0-9a-f]{6}$/);
      runId = reply.body.runId;
      expect(reply.body.status).toBe('running');
      expect(reply.location).toBe(`/api/v1/runs/${runId}`);
      expect(reply.body.links).toEqual({
        self: `/api/v1/runs/${runId}`,
        temporalUi: `${stack.config.temporal.uiUrl}/namespaces/default/workflows/${runId}`,
      });
    });

    it('GET /api/v1/runs/:id shows progress while running and per-source results once completed', async () => {
      const seen = await waitForRun(runId);
      // The first look comes right after the 202, long before the embedder has even loaded.
      expect(seen.length).toBeGreaterThan(1);
      expect(seen[0]!.body).toMatchObject({ runId, status: 'running', progress: { runId, status: 'running' } });
      for (const reply of seen.slice(0, -1)) {
        expect(reply.body).toMatchObject({ runId, status: 'running' });
        // Live progress from the workflow's query, while it runs.
        expect(reply.body.progress).toMatchObject({ status: 'running', stats: { sources: { total: 1 } } });
      }
      const run = seen[seen.length - 1]!.body;
      expect(run).toMatchObject({ runId, status: 'completed', trigger: 'api', error: null });
      expect(run.params).toMatchObject({ sources: [`csv:${SAMPLE_CSV}`], window: 'all', trigger: 'api' });
      expect(Date.parse(run.createdAt ?? '')).not.toBeNaN();
      expect(Date.parse(run.finishedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(run.createdAt ?? ''));
      expect(run.progress).toMatchObject({
        runId,
        stage: 'done',
        status: 'completed',
        modelId: 'use-lite-512',
        stats: {
          sources: { total: 1, done: 1, failed: 0 },
          items: { fetched: SAMPLE_ROWS, new: SAMPLE_ROWS, duplicates: 0 },
          embed: { embedded: SAMPLE_ROWS },
        },
      });
      const stats = run.progress!.stats;
      expect(stats.cluster.clusters).toBeGreaterThanOrEqual(1);
      expect(stats.summarize.total).toBe(stats.cluster.trendsCreated);
      expect(stats.summarize.done).toBe(stats.summarize.total);
      const source = { spec: `csv:${SAMPLE_CSV}`, status: 'ok', fetched: SAMPLE_ROWS, inserted: SAMPLE_ROWS, duplicates: 0, skipped: 0 };
      expect(run.progress!.sourceResults).toEqual([source]);
      expect(run.sources).toEqual([{ ...source, errorType: null, error: null }]);
    });

    it('a run whose only source is missing fails, and says why', async () => {
      const spec = `csv:${path.join(stack.dataDir, 'no-such-file.csv')}`;
      const reply = await postJson<StartedRun>('/api/v1/runs', JSON.stringify({ sources: [spec] }));
      expect(reply.status).toBe(202);
      failedRunId = reply.body.runId;
      const seen = await waitForRun(failedRunId);
      const run = seen[seen.length - 1]!.body;
      expect(run).toMatchObject({ runId: failedRunId, status: 'failed' });
      expect(run.error).toContain('every source failed');
      expect(run.sources).toEqual([
        expect.objectContaining({ spec, status: 'failed', errorType: 'SourceNotFoundError', error: expect.stringContaining('no-such-file.csv') }),
      ]);
    });

    it('GET /api/v1/runs lists runs newest first and pages with `next`', async () => {
      const all = await call<RunListPage>('/api/v1/runs');
      expect(all.status).toBe(200);
      const page = all.body;
      expect(page.runs.map((r) => r.runId)).toEqual([failedRunId, runId]);
      expect(page.runs.map((r) => r.status)).toEqual(['failed', 'completed']);
      expect(page.next).toBeNull();

      const seen: string[] = [];
      let next: string | null = '/api/v1/runs?limit=1';
      for (let pages = 0; next !== null; pages++) {
        expect(pages).toBeLessThan(5);
        const reply: Reply<RunListPage> = await call<RunListPage>(next);
        expect(reply.status).toBe(200);
        const body = reply.body;
        expect(body.runs.length).toBeLessThanOrEqual(1);
        seen.push(...body.runs.map((r) => r.runId));
        next = body.next;
        if (body.runs.length === 1) expect(next).toMatch(/^\/api\/v1\/runs\?limit=1&before=/);
      }
      expect(seen).toEqual([failedRunId, runId]);
    });

    it('GET /api/v1/runs rejects a bad limit or cursor', async () => {
      expect(expectProblem(await call('/api/v1/runs?limit=0'), 400).detail).toMatch(/limit/);
      expect(expectProblem(await call('/api/v1/runs?limit=abc'), 400).detail).toMatch(/limit/);
      expect(expectProblem(await call('/api/v1/runs?before=yesterday'), 400).detail).toMatch(/before/);
    });

    describe('trends it produced', () => {
      let trends: TrendView[];

      it('GET /api/v1/trends lists active trends, largest first, each with its summary', async () => {
        const reply = await call<TrendList>('/api/v1/trends');
        expect(reply.status).toBe(200);
        expect(reply.body).toMatchObject({ limit: 50, offset: 0 });
        trends = reply.body.trends;
        expect(trends.length).toBeGreaterThanOrEqual(1);
        expect(reply.body.total).toBe(trends.length);
        const sizes = trends.map((t) => t.size);
        expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
        expect(sizes.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(SAMPLE_ROWS);
        for (const t of trends) {
          expect(t.status).toBe('active');
          expect(t.summary).toMatchObject({ title: expect.any(String), summary: expect.any(String), stale: false });
          expect(t.summary!.title.length).toBeGreaterThan(0);
          expect(t.summary!.summary.length).toBeGreaterThan(0);
        }
      });

      it('GET /api/v1/trends pages with limit and offset', async () => {
        const first = await call<TrendList>('/api/v1/trends?limit=1');
        expect(first.status).toBe(200);
        expect(first.body.trends.map((t) => t.id)).toEqual([trends[0]!.id]);
        const rest = await call<TrendList>('/api/v1/trends?limit=500&offset=1&status=all');
        expect(rest.status).toBe(200);
        expect(rest.body.trends.map((t) => t.id)).toEqual(trends.slice(1).map((t) => t.id));
      });

      it('GET /api/v1/trends rejects a bad status, limit or offset', async () => {
        expect(expectProblem(await call('/api/v1/trends?status=bogus'), 400).detail).toMatch(/status/);
        expect(expectProblem(await call('/api/v1/trends?limit=0'), 400).detail).toMatch(/limit/);
        expect(expectProblem(await call('/api/v1/trends?limit=501'), 400).detail).toMatch(/limit/);
        expect(expectProblem(await call('/api/v1/trends?offset=-1'), 400).detail).toMatch(/offset/);
      });

      it('GET /api/v1/trends/:id shows the members, most central first, and their sources', async () => {
        const top = trends[0]!;
        const reply = await call<TrendDetail>(`/api/v1/trends/${top.id}`);
        expect(reply.status).toBe(200);
        const trend = reply.body;
        expect(trend).toMatchObject({ id: top.id, size: top.size, summary: { title: top.summary!.title } });
        expect(trend.items).toHaveLength(top.size);
        for (const item of trend.items) {
          expect(item).toMatchObject({ title: expect.any(String), url: expect.stringMatching(/^http/), source: `csv:${SAMPLE_CSV}` });
        }
        const similarities = trend.items.map((i) => i.similarity);
        expect(similarities).toEqual([...similarities].sort((a, b) => b - a));
        expect(trend.sources).toEqual([{ source: `csv:${SAMPLE_CSV}`, items: top.size }]);

        const limited = await call<TrendDetail>(`/api/v1/trends/${top.id}?items=1`);
        expect(limited.body.items).toEqual([trend.items[0]]);
      });

      it('GET /api/v1/trends/:id answers 404 for an unknown id and 400 for a malformed one', async () => {
        const missing = expectProblem(await call('/api/v1/trends/999999'), 404);
        expect(missing.detail).toContain('999999');
        expect(expectProblem(await call('/api/v1/trends/abc'), 400).detail).toMatch(/id/);
        expect(expectProblem(await call('/api/v1/trends/0'), 400).detail).toMatch(/id/);
        expect(expectProblem(await call('/api/v1/trends/99999999999'), 400).detail).toMatch(/id/);
      });
    });
  });

  describe('not found', () => {
    it('GET /api/v1/runs/:id of an unknown run is a 404 problem', async () => {
      const p = expectProblem(await call('/api/v1/runs/does-not-exist'), 404);
      expect(p.detail).toBe('run "does-not-exist" does not exist');
    });

    it('a run id with characters no run id has is a 400 problem', async () => {
      expectProblem(await call('/api/v1/runs/bad%20id'), 400);
    });

    it.each([
      ['GET', '/api/v1/nope'],
      ['GET', '/nope'],
      ['DELETE', '/api/v1/runs'],
    ])('%s %s is a 404 problem', async (method, urlPath) => {
      const p = expectProblem(await call(urlPath, { method }), 404);
      expect(p.detail).toBe(`no route for ${method} ${urlPath}`);
    });
  });
});
