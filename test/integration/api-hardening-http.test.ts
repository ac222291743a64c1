import pino from 'pino';
import type { Config } from '../../config/config';
import { listen, type RunningApi } from '../../api/server';
import type { VectorStore } from '../../vectors/vector-store';
import { defaultLazyDeps } from '../../workers/deps';
import { call, capturedLogger, expectProblem, jsonHeaders } from '../helpers/api-client';
import { openTestStack, type TestStack } from '../helpers/stack';

describe('API hardening: request ids, problems, size limits, logs, CORS, graceful shutdown', () => {
  let stack: TestStack;
  let getVectorStore: () => Promise<VectorStore>;
  const apis: RunningApi[] = [];
  const captured = capturedLogger();

  async function start(opts: { config?: Partial<Config['api']>; vectorStore?: () => Promise<VectorStore>; log?: pino.Logger } = {}) {
    const config = { ...stack.config, api: { ...stack.config.api, ...opts.config } };
    const api = await listen(
      {
        config,
        db: stack.db,
        temporal: () => stack.client,
        vectorStore: opts.vectorStore ?? getVectorStore,
        log: opts.log ?? pino({ level: 'silent' }),
        auth: { mode: 'disabled' },
      },
      '127.0.0.1',
      0,
    );
    apis.push(api);
    return api;
  }

  let url: string;
  beforeAll(async () => {
    stack = await openTestStack('http');
    ({ getVectorStore } = defaultLazyDeps(stack.config));
    url = (await start({ log: captured.log })).url;
  });

  afterAll(async () => {
    for (const api of apis) await api.close();
    await (await getVectorStore().catch(() => undefined))?.close();
    await stack?.close();
  });

  describe('request ids', () => {
    it('echoes an acceptable X-Request-Id and quotes it in problem bodies', async () => {
      const reply = await call(url, '/api/v1/runs/no-such-run', { headers: { 'x-request-id': 'client-req-42' } });
      expect(reply.headers.get('x-request-id')).toBe('client-req-42');
      expect(expectProblem(reply, 404).requestId).toBe('client-req-42');
    });

    it('generates a UUID when none (or an unsafe one) is sent', async () => {
      const cases: Array<Record<string, string>> = [{}, { 'x-request-id': 'has spaces and <html>' }, { 'x-request-id': 'x'.repeat(200) }];
      for (const headers of cases) {
        const reply = await call(url, '/api/v1/nope', { headers });
        const id = reply.headers.get('x-request-id');
        expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
        expect(expectProblem(reply, 404).requestId).toBe(id);
      }
    });
  });

  describe('problems for body errors', () => {
    it('answers 413 for a body over 256 kB', async () => {
      const body = JSON.stringify({ sources: ['csv:x.csv'], pad: 'x'.repeat(300 * 1024) });
      const p = expectProblem(await call(url, '/api/v1/runs', { method: 'POST', headers: jsonHeaders(), body }), 413);
      expect(p.detail).toMatch(/256 kB/);
      expect(p.title).toBe('Payload Too Large');
    });

    it('answers 415 for an unsupported charset or content encoding', async () => {
      const latin = await call(url, '/api/v1/runs', { method: 'POST', headers: { 'content-type': 'application/json; charset=latin1' }, body: '{}' });
      expect(expectProblem(latin, 415).detail).toMatch(/charset/);
      const encoded = await call(url, '/api/v1/runs', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-encoding': 'x-custom' },
        body: '{}',
      });
      expect(expectProblem(encoded, 415).detail).toMatch(/Content-Encoding/);
    });
  });

  it('writes one JSON log line per request: request id, method, route template, status, ms', async () => {
    await call(url, '/api/v1/runs/run-that-is-not-there', { headers: { 'x-request-id': 'log-check-1' } });
    await new Promise((r) => setTimeout(r, 50));
    const line = captured.lines.find((l) => l.requestId === 'log-check-1' && l.msg === 'request');
    expect(line).toMatchObject({ method: 'GET', route: '/api/v1/runs/:id', path: '/api/v1/runs/run-that-is-not-there', status: 404 });
    expect(typeof line?.ms).toBe('number');
    expect(line?.level).toBe(30);
  });

  it('pages trends with a `next` link that keeps the filters, until the last page', async () => {
    await stack.db.query(
      `INSERT INTO trends (size, created_run_id, updated_run_id) SELECT n, 'run-x', 'run-x' FROM generate_series(1, 5) AS n`,
    );
    const seen: number[] = [];
    let next: string | null = '/api/v1/trends?limit=2&status=all';
    for (let pages = 0; next; pages++) {
      expect(pages).toBeLessThan(4);
      const reply: Awaited<ReturnType<typeof call<{ trends: Array<{ size: number }>; next: string | null }>>> = await call(url, next);
      expect(reply.status).toBe(200);
      seen.push(...reply.body.trends.map((t) => t.size));
      next = reply.body.next;
      if (next) expect(next).toMatch(/^\/api\/v1\/trends\?.*limit=2.*status=all.*offset=\d+/);
    }
    expect(seen).toEqual([5, 4, 3, 2, 1]);
  });

  describe('CORS', () => {
    it('sends no CORS headers unless CORS_ORIGINS is set', async () => {
      const reply = await call(url, '/api/v1/trends', { headers: { origin: 'https://dash.example' } });
      expect(reply.headers.get('access-control-allow-origin')).toBeNull();
    });

    it('allows the configured origins, with the auth and request-id headers, and no others', async () => {
      const api = await start({ config: { corsOrigins: ['https://dash.example'] } });
      const preflight = await fetch(`${api.url}/api/v1/runs`, {
        method: 'OPTIONS',
        headers: { origin: 'https://dash.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin')).toBe('https://dash.example');
      expect(preflight.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
      expect(preflight.headers.get('access-control-allow-methods')).toMatch(/POST/);
      const ok = await call(api.url, '/api/v1/trends', { headers: { origin: 'https://dash.example' } });
      expect(ok.headers.get('access-control-allow-origin')).toBe('https://dash.example');
      expect(ok.headers.get('access-control-expose-headers')).toMatch(/X-Request-Id/);
      const other = await call(api.url, '/api/v1/trends', { headers: { origin: 'https://evil.example' } });
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
    });
  });

  describe('graceful shutdown', () => {
    it('lets a slow in-flight request finish during close(), then refuses new connections', async () => {
      // /ready waits for the vector store: a store that takes 1.5 s to come up makes a slow request.
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let requested = false;
      const api = await start({
        vectorStore: async () => {
          requested = true;
          await held;
          return getVectorStore();
        },
      });
      const inFlight = call<{ status: string }>(api.url, '/ready');
      while (!requested) await new Promise((r) => setTimeout(r, 10));
      let closed = false;
      const closing = api.close().then(() => {
        closed = true;
      });
      await new Promise((r) => setTimeout(r, 300));
      expect(closed).toBe(false); // still draining
      await expect(fetch(`${api.url}/health`)).rejects.toThrow(); // no new connections
      setTimeout(release, 1200);
      const reply = await inFlight;
      expect(reply.status).toBe(200);
      expect(reply.body.status).toBe('ready');
      expect(reply.headers.get('connection')).toBe('close');
      await closing;
      expect(closed).toBe(true);
    });

    it('does not wait for idle keep-alive connections', async () => {
      const api = await start();
      expect((await call(api.url, '/health')).status).toBe(200); // leaves a keep-alive socket open
      const t0 = Date.now();
      await api.close();
      expect(Date.now() - t0).toBeLessThan(1000);
    });

    it('cuts requests still running after the shutdown timeout', async () => {
      const api = await start({ config: { shutdownTimeoutMs: 300 }, vectorStore: () => new Promise<VectorStore>(() => undefined) });
      const inFlight = fetch(`${api.url}/ready`).then(
        (r) => r.status,
        () => 'cut',
      );
      await new Promise((r) => setTimeout(r, 100));
      const t0 = Date.now();
      await api.close();
      expect(Date.now() - t0).toBeLessThan(2000);
      // /ready's own 3 s timeout never fired: the connection was cut first.
      expect(await inFlight).toBe('cut');
    });
  });
});
