import http from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';
import pino from 'pino';
import type { AuthSettings } from '../../api/auth';
import { listen, type RunningApi } from '../../api/server';
import { LISTENER_APPLICATION_NAME } from '../../api/trend-changes';
import { createApiKey } from '../../services/api-keys';
import { startPipelineRun } from '../../services/runs';
import type { RunProgress } from '../../workflows/types';
import { call, expectProblem } from '../helpers/api-client';
import { openTestStack, type RunningWorkers, type TestStack } from '../helpers/stack';

const DEV_CSV = path.resolve(__dirname, '../../../shared/data/news-stories-dev.csv');

interface TrendList {
  total: number;
  limit: number;
  trends: Array<{ id: number; label: string; summary: { title: string } | null }>;
  next: string | null;
}

/**
 * GET without fetch's transparent decompression: raw bytes and headers. A fresh connection each time,
 * so no request races the server closing an idle keep-alive socket.
 */
function rawGet(base: string, urlPath: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get(`${base}${urlPath}`, { headers, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

const getList = (base: string, query = '', headers: Record<string, string> = {}) => call<TrendList>(base, `/api/v1/trends${query}`, { headers });

/**
 * Notifications reach the API a moment after the writing transaction commits (that moment is the
 * staleness bound), so a check right after a direct write asks again for up to 5 s; a cache that
 * never drops the entry still fails.
 */
async function eventually<T>(probe: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const v = await probe();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('trend response cache: ETags, invalidation on trend changes, auth and validation unchanged', () => {
  let stack: TestStack;
  let workers: RunningWorkers;
  const apis: RunningApi[] = [];

  async function start(auth: AuthSettings = { mode: 'disabled', reads: false }, rateLimit = { limit: 10_000, windowMs: 60_000 }): Promise<string> {
    const config = { ...stack.config, api: { ...stack.config.api, rateLimit } };
    const api = await listen({ config, db: stack.db, temporal: () => stack.client, vectorStore: workers.deps.getVectorStore, log: pino({ level: 'silent' }), auth }, '127.0.0.1', 0);
    apis.push(api);
    return api.url;
  }

  beforeAll(async () => {
    stack = await openTestStack('trends_cache');
    workers = await stack.startWorkers();
  });

  afterAll(async () => {
    for (const api of apis) await api.close();
    await stack?.close();
  });

  let a: string;
  let b: string;
  let emptyTag: string;

  it('answers with a strong ETag and 304 for a matching If-None-Match (also weak, listed, or a compressed variant)', async () => {
    a = await start();
    b = await start(); // a second API process over the same database, with its own cache
    const first = await getList(a);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ total: 0, trends: [], next: null });
    emptyTag = first.headers.get('etag') ?? '';
    expect(emptyTag).toMatch(/^"[\w-]+"$/);
    expect(first.headers.get('cache-control')).toBe('no-cache');
    expect((await getList(b)).headers.get('etag')).toBe(emptyTag); // same body, same tag, in every process

    for (const inm of [emptyTag, `W/${emptyTag}`, `"other", ${emptyTag}`, `${emptyTag.slice(0, -1)}-gzip"`, '*']) {
      const r = await rawGet(a, '/api/v1/trends', { 'if-none-match': inm });
      expect({ inm, status: r.status, bytes: r.body.length, etag: r.headers.etag }).toEqual({ inm, status: 304, bytes: 0, etag: emptyTag });
    }
    // Hits are measured and labelled like any request (they skip the router, not the middleware).
    const metrics = await call<string>(a, '/metrics');
    expect(metrics.body).toMatch(/trendflow_http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/trends",status="304"\} 5\b/);
    expect(first.headers.get('x-request-id')).toBeTruthy();
    const changed = await rawGet(a, '/api/v1/trends', { 'if-none-match': '"not-this-one"' });
    expect(changed.status).toBe(200);
    expect(JSON.parse(changed.body.toString('utf8'))).toEqual(first.body);
  });

  it('a pipeline run that writes trends invalidates the cached pages of every API process', async () => {
    const { runId } = await startPipelineRun(stack.client, { sources: [`csv:${DEV_CSV}`], window: 'all', trigger: 'manual' });
    const result = (await stack.client.workflow.getHandle(runId).result()) as RunProgress;
    expect(result.status).toBe('completed');
    const [{ n }] = (await stack.db.query(`SELECT count(*)::int AS n FROM trends WHERE status = 'active'`)) as [{ n: number }];
    expect(n).toBeGreaterThan(5);
    for (const base of [a, b]) {
      const after = await eventually(() => getList(base, '', { 'if-none-match': emptyTag }), (r) => r.status === 200);
      expect(after.status).toBe(200);
      expect(after.body.total).toBe(n);
      expect(after.body.trends.length).toBe(Math.min(50, n));
      expect(after.headers.get('etag')).not.toBe(emptyTag);
    }
  });

  it('a trend written the way the summarize activity writes it shows up in the list and the detail', async () => {
    const list = await getList(a, '?limit=3');
    const top = list.body.trends[0]!;
    const detail = await call<{ id: number; label: string; summary: { title: string } | null }>(a, `/api/v1/trends/${top.id}?items=2`);
    expect(detail.status).toBe(200);
    const detailTag = detail.headers.get('etag');
    expect((await rawGet(a, `/api/v1/trends/${top.id}?items=2`, { 'if-none-match': detailTag ?? '' })).status).toBe(304);

    const title = `Cache test title ${Date.now()}`;
    await stack.db.query(`UPDATE summaries SET title = $2, created_at = now() WHERE trend_id = $1`, [top.id, title]);
    await stack.db.query(`UPDATE trends SET label = $2 WHERE id = $1`, [top.id, title]); // summarize's own statement
    for (const base of [a, b]) {
      const relisted = await eventually(() => getList(base, '?limit=3'), (r) => r.body.trends[0]?.label === title);
      expect(relisted.body.trends[0]).toMatchObject({ id: top.id, label: title, summary: { title } });
    }
    const again = await eventually(
      () => call<{ label: string; summary: { title: string } | null }>(a, `/api/v1/trends/${top.id}?items=2`),
      (r) => r.body.label === title,
    );
    expect(again.body).toMatchObject({ label: title, summary: { title } });
    expect(again.headers.get('etag')).not.toBe(detailTag);
  });

  it('keeps a separate body for each query string and each detail variant', async () => {
    const one = await getList(a, '?limit=1');
    const two = await getList(a, '?limit=2');
    const recent = await getList(a, '?limit=1&sort=recent');
    const status = await getList(a, '?limit=2&status=all');
    expect([one.body.limit, two.body.limit, recent.body.limit]).toEqual([1, 2, 1]);
    expect([one.body.trends.length, two.body.trends.length]).toEqual([1, 2]);
    expect(one.body.next).toBe('/api/v1/trends?limit=1&offset=1');
    expect(recent.body.next).toBe('/api/v1/trends?limit=1&sort=recent&offset=1');
    expect(status.body.next).toBe('/api/v1/trends?limit=2&status=all&offset=2');
    const tags = [one, two, recent, status].map((r) => r.headers.get('etag'));
    expect(new Set(tags).size).toBe(4);
    // Asking again returns each its own body, not whichever was cached last.
    expect((await getList(a, '?limit=1')).body).toEqual(one.body);
    expect((await getList(a, '?limit=2')).body).toEqual(two.body);

    const id = one.body.trends[0]!.id;
    const items1 = await call<{ items: unknown[] }>(a, `/api/v1/trends/${id}?items=1`);
    const items3 = await call<{ items: unknown[] }>(a, `/api/v1/trends/${id}?items=3`);
    expect([items1.body.items.length, items3.body.items.length]).toEqual([1, 3]);
    expect((await call<{ items: unknown[] }>(a, `/api/v1/trends/${id}?items=1`)).body.items.length).toBe(1);
  });

  it('compresses for clients that accept it, with its own ETag, and the bytes decode to the same JSON', async () => {
    const plain = await rawGet(a, '/api/v1/trends', { 'accept-encoding': 'identity' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers.vary).toMatch(/Accept-Encoding/i);
    const gz = await rawGet(a, '/api/v1/trends', { 'accept-encoding': 'gzip' });
    const br = await rawGet(a, '/api/v1/trends', { 'accept-encoding': 'gzip;q=0.5, br' });
    const refused = await rawGet(a, '/api/v1/trends', { 'accept-encoding': 'br;q=0, gzip;q=0' });
    expect([gz.headers['content-encoding'], br.headers['content-encoding'], refused.headers['content-encoding']]).toEqual(['gzip', 'br', undefined]);
    expect(zlib.gunzipSync(gz.body)).toEqual(plain.body);
    expect(zlib.brotliDecompressSync(br.body)).toEqual(plain.body);
    expect(gz.body.length).toBeLessThan(plain.body.length / 2);
    expect(gz.headers.etag).toBe(`${String(plain.headers.etag).slice(0, -1)}-gzip"`);
    expect((await rawGet(a, '/api/v1/trends', { 'accept-encoding': 'gzip', 'if-none-match': String(gz.headers.etag) })).status).toBe(304);
  });

  it('answers bad parameters with the same problem+json, never from or into the cache', async () => {
    for (const q of ['?limit=0', '?limit=abc', '?status=bogus', '?sort=bogus', '?offset=-1']) {
      const p = expectProblem(await getList(a, q), 400);
      expect(p.errors?.length).toBeGreaterThan(0);
      const again = await getList(a, q);
      expect(again.body).toEqual({ ...p, requestId: expect.any(String) });
      expect(again.headers.get('cache-control')).toBeNull(); // not answered by the cache (which sets no-cache)
      expect(again.headers.get('etag') ?? '').not.toMatch(/^"/); // at most Express's weak tag, never a cached body's
    }
    // A GET with a malformed JSON body is refused by the body parser as before, even for a cached URL.
    expect((await getList(a, '?limit=1')).status).toBe(200);
    const withBody = await new Promise<{ status: number; type: string }>((resolve, reject) => {
      const req = http.request(`${a}/api/v1/trends?limit=1`, { method: 'GET', agent: false, headers: { 'content-type': 'application/json' } }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']) }));
      });
      req.on('error', reject);
      req.end('{not json');
    });
    expect(withBody).toEqual({ status: 400, type: expect.stringMatching(/^application\/problem\+json/) });
    expectProblem(await call(a, '/api/v1/trends/abc'), 400);
    expectProblem(await call(a, '/api/v1/trends/999999'), 404);
    expectProblem(await call(a, '/api/v1/trends/999999'), 404);
  });

  it('still enforces read auth and rate limits on responses it has cached', async () => {
    const url = await start({ mode: 'required', reads: true }, { limit: 6, windowMs: 60_000 });
    const { key } = await createApiKey(stack.db, { name: 'cache-reader', scope: 'read' });
    const withKey = await getList(url, '?limit=2', { authorization: `Bearer ${key}` });
    expect(withKey.status).toBe(200);
    const tag = withKey.headers.get('etag') ?? '';
    expectProblem(await getList(url, '?limit=2'), 401);
    expectProblem(await getList(url, '?limit=2', { 'if-none-match': tag }), 401);
    expectProblem(await getList(url, '?limit=2', { authorization: 'Bearer tf_not_a_key' }), 401);
    expect((await getList(url, '?limit=2', { authorization: `Bearer ${key}`, 'if-none-match': tag })).status).toBe(304);
    let last = 0;
    for (let i = 0; i < 6; i++) last = (await getList(url, '?limit=2', { authorization: `Bearer ${key}` })).status;
    expect(last).toBe(429);
  });

  it('serves current data while its listening connection is cut and after it comes back', async () => {
    const before = (await getList(a, '?limit=1')).body.trends[0]!;
    const cut = (await stack.db.query(
      `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()`,
      [LISTENER_APPLICATION_NAME],
    )) as Array<{ ok: boolean }>;
    expect(cut.length).toBe(apis.length); // one listener per API process
    const title = `Written while the listener was down ${Date.now()}`;
    await stack.db.query(`UPDATE trends SET label = $2 WHERE id = $1`, [before.id, title]);
    // No notification can arrive for this write: the lost connection itself must end the cached epoch.
    const during = await eventually(() => getList(a, '?limit=1'), (r) => r.body.trends[0]?.label === title);
    expect(during.body.trends[0]?.label).toBe(title);
    const back = await eventually(
      async () => (await stack.db.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()`, [LISTENER_APPLICATION_NAME])) as [{ n: number }],
      ([r]) => r.n === apis.length,
    );
    expect(back[0].n).toBe(apis.length);
    const title2 = `Written after the listener came back ${Date.now()}`;
    await stack.db.query(`UPDATE trends SET label = $2 WHERE id = $1`, [before.id, title2]);
    const after = await eventually(() => getList(a, '?limit=1'), (r) => r.body.trends[0]?.label === title2);
    expect(after.body.trends[0]?.label).toBe(title2);
  });
});
