import path from 'node:path';
import pino from 'pino';
import { listen, type RunningApi } from '../../api/server';
import type { Config } from '../../config/config';
import { createApiKey } from '../../services/api-keys';
import { startPipelineRun } from '../../services/runs';
import { verifySignature, type DeliveryView, type WebhookView } from '../../services/webhooks';
import { call, expectProblem, jsonHeaders } from '../helpers/api-client';
import { openSse, type SseMessage } from '../helpers/sse-client';
import { openTestStack, type TestStack } from '../helpers/stack';
import { startReceiver, until } from '../helpers/webhook-receiver';

const SAMPLE_CSV = path.resolve(__dirname, '../fixtures/news-stories-sample.csv');
type Receiver = Awaited<ReturnType<typeof startReceiver>>;
interface Body {
  id: string;
  type: string;
  runId: string | null;
  deliveryId: string;
  data: Record<string, unknown>;
}
const bodies = (r: Receiver) => r.accepted().map((x) => JSON.parse(x.body) as Body);
const forRun = (runId: string) => (m: SseMessage) => m.data.runId === runId;

describe('webhooks and the event stream, on a real pipeline run', () => {
  let stack: TestStack;
  let api: RunningApi;
  let key: string;
  let config: Config;
  const receivers: Receiver[] = [];
  const hooks: Record<string, WebhookView> = {};
  let runId: string;

  const post = <T>(p: string, body: unknown, k: string | undefined = key) => call<T>(api.url, p, { method: 'POST', headers: jsonHeaders(k), body: JSON.stringify(body) });
  const get = <T>(p: string) => call<T>(api.url, p);
  const deliveries = async (name: string) => (await get<{ deliveries: DeliveryView[] }>(`/api/v1/webhooks/${hooks[name]!.id}/deliveries`)).body.deliveries;
  const receiver = async (answer?: Parameters<typeof startReceiver>[0]) => {
    const r = await startReceiver(answer);
    receivers.push(r);
    return r;
  };

  beforeAll(async () => {
    stack = await openTestStack('webhooks');
    // Short backoff so a receiver "down for a while" takes seconds here, not minutes.
    config = { ...stack.config, webhooks: { timeoutMs: 2000, initialIntervalMs: 200, maximumIntervalMs: 1000, giveUpAfterMs: 120_000 } };
    const workers = await stack.startWorkers({ config });
    api = await listen(
      { config, db: stack.db, temporal: () => stack.client, vectorStore: workers.deps.getVectorStore, log: pino({ level: 'silent' }), auth: { mode: 'required', reads: false } },
      '127.0.0.1',
      0,
    );
    ({ key } = await createApiKey(stack.db, { name: 'webhooks-test' }));
  });

  afterAll(async () => {
    await api?.close();
    for (const r of receivers) await r.close();
    await stack?.close();
  });

  it('validates webhook input with problem+json answers, and writes need a key', async () => {
    const url = 'http://127.0.0.1:9/hook';
    expectProblem(await post('/api/v1/webhooks', { url, events: ['run.completed'] }, ''), 401);
    const cases: Array<[string, unknown, RegExp]> = [
      ['ftp URL', { url: 'ftp://example.com/x', events: ['run.completed'] }, /url/],
      ['not a URL', { url: 'hook', events: ['run.completed'] }, /url/],
      ['credentials in the URL', { url: 'http://u:p@example.com/', events: ['run.completed'] }, /url/],
      ['no events', { url, events: [] }, /events/],
      ['unknown event', { url, events: ['run.exploded'] }, /events/],
      ['progress is not subscribable', { url, events: ['run.progress'] }, /events/],
      ['short secret', { url, events: ['run.failed'], secret: 'abc' }, /secret/],
      ['unknown field', { url, events: ['run.failed'], retries: 3 }, /retries|unrecognized/i],
    ];
    for (const [what, body, field] of cases) {
      const p = expectProblem(await post('/api/v1/webhooks', body), 400);
      expect({ what, paths: JSON.stringify(p.errors) }).toEqual({ what, paths: expect.stringMatching(field) });
    }
    expectProblem(await get('/api/v1/webhooks/999999'), 404);
    expectProblem(await get('/api/v1/webhooks/abc/deliveries'), 400);
    expectProblem(await call(api.url, '/api/v1/webhooks/1', { method: 'PATCH', headers: jsonHeaders(key), body: '{}' }), 400);
    expectProblem(await get('/api/v1/events?types=run.started,bogus'), 400);
    expectProblem(await call(api.url, '/api/v1/events', { headers: { 'last-event-id': 'abc' } }), 400);
    const doc = (await get<{ paths: Record<string, Record<string, unknown>> }>('/api/v1/openapi.json')).body;
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/webhooks', '/api/v1/webhooks/{id}', '/api/v1/webhooks/{id}/deliveries', '/api/v1/events']));
    expect(doc.paths['/api/v1/events']!.get).not.toHaveProperty('x-undocumented');
  });

  it('creates webhooks, returning the secret once', async () => {
    const good = await receiver();
    const flaky = await receiver((n) => (n === 0 ? { status: 503 } : n === 1 ? { status: 429, headers: { 'retry-after': '2' } } : { status: 200 }));
    const gone = await receiver(() => ({ status: 410 }));
    const bad = await receiver(() => ({ status: 400 }));
    await flaky.down(); // refuses connections until the test brings it up
    const specs: Array<[string, Receiver, string[]]> = [
      ['good', good, ['run.completed', 'run.failed', 'trend.emerging', 'digest.ready']],
      ['flaky', flaky, ['run.completed', 'digest.ready']],
      ['gone', gone, ['run.completed']],
      ['bad', bad, ['run.completed']],
    ];
    for (const [name, r, events] of specs) {
      const created = await post<WebhookView>('/api/v1/webhooks', { url: r.url, events, description: name });
      expect(created.status).toBe(201);
      expect(created.headers.get('location')).toBe(`/api/v1/webhooks/${created.body.id}`);
      expect(created.body.secret).toMatch(/^whsec_/);
      hooks[name] = created.body;
    }
    const listed = (await get<{ webhooks: WebhookView[] }>('/api/v1/webhooks')).body.webhooks;
    expect(listed.map((w) => w.description)).toEqual(['good', 'flaky', 'gone', 'bad']);
    for (const w of listed) expect(w).not.toHaveProperty('secret');
  });

  it('streams run progress and new trends live, and delivers signed outcome events', async () => {
    const sse = openSse(`${api.url}/api/v1/events`);
    await sse.ready;
    expect(sse.status()).toBe(200);
    ({ runId } = await startPipelineRun(stack.client, { sources: [`csv:${SAMPLE_CSV}`], window: 'all', trigger: 'api' }));
    await sse.waitFor('run.started', (ms) => ms.some((m) => m.event === 'run.started' && m.data.runId === runId));
    const startedAt = Date.now();
    await stack.client.workflow.getHandle(runId).result();
    // The pipeline finished without waiting for the flaky receiver, which is still down.
    expect(bodies(receivers[1]!)).toEqual([]);
    await sse.waitFor('digest.ready', (ms) => ms.some((m) => m.event === 'digest.ready' && m.data.runId === runId));
    sse.close();

    const mine = sse.messages.filter(forRun(runId));
    const types = mine.map((m) => m.event);
    expect(types[0]).toBe('run.started');
    expect(types).toEqual(expect.arrayContaining(['run.progress', 'run.completed', 'trend.emerging', 'digest.ready']));
    expect(mine.find((m) => m.event === 'run.started')!.at).toBeLessThanOrEqual(startedAt); // seen while the run was running
    const ids = mine.map((m) => Number(m.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b)); // in outbox order, each once
    expect(new Set(ids).size).toBe(ids.length);
    expect(mine.find((m) => m.event === 'run.progress')!.data.data).toMatchObject({ stage: 'clustered', clusters: expect.any(Number) });

    const emerging: Array<{ id: number }> = await stack.db.query(
      `SELECT id FROM trends WHERE status = 'active' AND lifecycle = 'emerging' AND updated_run_id = $1`,
      [runId],
    );
    expect(emerging.length).toBeGreaterThan(0);
    expect(mine.filter((m) => m.event === 'trend.emerging')).toHaveLength(emerging.length);

    const good = receivers[0]!;
    await until('good receiver gets every event', () => good.accepted().length >= emerging.length + 2);
    for (const r of good.accepted()) {
      expect(verifySignature(hooks.good!.secret!, r.body, String(r.headers['x-trendflow-signature']), Math.floor(Date.now() / 1000))).toBe(true);
      expect(verifySignature('whsec_wrong-secret-xxxxxxxx', r.body, String(r.headers['x-trendflow-signature']), Math.floor(Date.now() / 1000))).toBe(false);
      const body = JSON.parse(r.body) as Body;
      expect(r.headers['x-trendflow-event']).toBe(body.type);
      expect(r.headers['x-trendflow-delivery']).toBe(body.deliveryId);
    }
    const got = bodies(good);
    expect(got.filter((b) => b.type === 'trend.emerging').map((b) => (b.data.trend as { id: number }).id).sort()).toEqual(emerging.map((t) => t.id).sort());
    expect(got.find((b) => b.type === 'run.completed')).toMatchObject({ runId, data: { status: 'completed' } });
    expect(got.find((b) => b.type === 'digest.ready')!.data).toMatchObject({ href: '/api/v1/digest?window=24h', trends: expect.any(Array) });
    expect(new Set(good.received.map((r) => r.headers['x-trendflow-delivery'])).size).toBe(good.received.length);
  });

  it('a receiver that is down for a while gets each event exactly once, and the log shows the failed attempts', async () => {
    const flaky = receivers[1]!;
    await new Promise((r) => setTimeout(r, 2500)); // refused connections meanwhile
    await flaky.up(); // then 503, then 429 with Retry-After: 2, then 200s
    await until('flaky receiver gets both events', () => flaky.accepted().length >= 2, 60_000);
    await new Promise((r) => setTimeout(r, 1500)); // no late duplicates
    const got = bodies(flaky);
    expect(got.map((b) => b.type).sort()).toEqual(['digest.ready', 'run.completed']);
    expect(new Set(got.map((b) => b.deliveryId)).size).toBe(2);

    const log = await deliveries('flaky');
    expect(log).toHaveLength(2);
    for (const d of log) {
      expect(d.status).toBe('delivered');
      expect(d.deliveredAt).not.toBeNull();
      expect(d.attempts).toBe(d.attemptLog.length);
      expect(d.attempts).toBeGreaterThanOrEqual(3); // at least one refused connection before 503/429/200
      expect(d.attemptLog[0]).toMatchObject({ statusCode: null, error: expect.stringContaining('ECONNREFUSED') });
      expect(d.attemptLog.at(-1)).toMatchObject({ statusCode: 200, error: null });
    }
    // The 429's Retry-After (2 s) beat the 1 s backoff cap.
    const answered429 = flaky.received.findIndex((r) => r.status === 429);
    const sameDelivery = flaky.received.slice(answered429 + 1).find((r) => r.headers['x-trendflow-delivery'] === flaky.received[answered429]!.headers['x-trendflow-delivery']);
    expect(sameDelivery!.at - flaky.received[answered429]!.at).toBeGreaterThanOrEqual(1900);
  });

  it('a 410 or 400 receiver is tried once, not forever', async () => {
    for (const name of ['gone', 'bad']) {
      await until(`${name} delivery fails`, async () => (await deliveries(name))[0]?.status === 'failed');
    }
    await new Promise((r) => setTimeout(r, 1500));
    expect(receivers[2]!.received).toHaveLength(1);
    expect(receivers[3]!.received).toHaveLength(1);
    const [gone] = await deliveries('gone');
    expect(gone).toMatchObject({ eventType: 'run.completed', status: 'failed', attempts: 1, lastStatusCode: 410, nextRetryAt: null });
  });

  it('a failing run delivers run.failed; a reconnecting stream replays what it missed (Last-Event-ID, ?types=)', async () => {
    const first = openSse(`${api.url}/api/v1/events`);
    await first.ready;
    const filtered = openSse(`${api.url}/api/v1/events?types=run.failed`);
    await filtered.ready;
    // Something to have seen before disconnecting: a test delivery to the good receiver.
    const test = await post<{ eventId: string }>(`/api/v1/webhooks/${hooks.good!.id}/test`, {});
    expect(test.status).toBe(202);
    await first.waitFor('webhook.test', (ms) => ms.some((m) => m.id === test.body.eventId));
    await until('test delivery', () => bodies(receivers[0]!).some((b) => b.type === 'webhook.test'));
    first.close();
    const lastSeen = test.body.eventId;

    const failed = await startPipelineRun(stack.client, { sources: [`csv:${path.join(stack.dataDir, 'no-such-file.csv')}`], window: 'all', trigger: 'api' });
    await expect(stack.client.workflow.getHandle(failed.runId).result()).rejects.toThrow();
    await until('run.failed delivered', () => bodies(receivers[0]!).some((b) => b.type === 'run.failed' && b.runId === failed.runId));
    expect(bodies(receivers[0]!).find((b) => b.type === 'run.failed')!.data).toMatchObject({ status: 'failed', error: expect.stringContaining('every source failed') });

    const again = openSse(`${api.url}/api/v1/events`, { 'last-event-id': lastSeen });
    await again.waitFor('replayed run.failed', (ms) => ms.some((m) => m.event === 'run.failed' && m.data.runId === failed.runId));
    const replayed = again.messages.map((m) => m.event);
    expect(replayed.slice(0, 2)).toEqual(['run.started', 'run.progress']); // the failed source, then the outcome
    expect(again.messages.every((m) => BigInt(m.id) > BigInt(lastSeen))).toBe(true);
    again.close();
    const since = openSse(`${api.url}/api/v1/events?since=${lastSeen}&types=run.failed`);
    await since.waitFor('?since= replay', (ms) => ms.length === 1);
    since.close();
    // Without Accept: text/event-stream, the same query answers one JSON page (for polling and scripts).
    const page = await get<{ events: Array<{ id: string; type: string; runId: string }>; lastEventId: string }>(`/api/v1/events?since=${lastSeen}&types=run.failed`);
    expect(page.body.events).toEqual([expect.objectContaining({ type: 'run.failed', runId: failed.runId })]);
    expect(page.body.lastEventId).toBe(page.body.events[0]!.id);
    expect((await get<{ events: unknown[] }>('/api/v1/events?limit=2')).body.events).toHaveLength(2);

    await filtered.waitFor('live run.failed only', (ms) => ms.some((m) => m.data.runId === failed.runId));
    filtered.close();
    expect(filtered.messages.map((m) => m.event)).toEqual(['run.failed']);
  });

  it('PATCH and DELETE change and remove a webhook (its log goes with it)', async () => {
    const id = hooks.bad!.id;
    const patched = await call<WebhookView>(api.url, `/api/v1/webhooks/${id}`, { method: 'PATCH', headers: jsonHeaders(key), body: JSON.stringify({ enabled: false, events: ['run.failed'] }) });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ id, enabled: false, events: ['run.failed'] });
    expect(patched.body).not.toHaveProperty('secret');
    expect((await call(api.url, `/api/v1/webhooks/${id}`, { method: 'DELETE', headers: jsonHeaders(key) })).status).toBe(204);
    expectProblem(await get(`/api/v1/webhooks/${id}/deliveries`), 404);
    const rows = (await stack.db.query(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE webhook_id = $1`, [id])) as Array<{ n: number }>;
    expect(rows).toEqual([{ n: 0 }]);
  });

  it('closing the API ends open event streams at once instead of waiting for the shutdown timeout', async () => {
    const second = await listen({ config, db: stack.db, temporal: () => stack.client, vectorStore: async () => { throw new Error('unused'); }, log: pino({ level: 'silent' }) }, '127.0.0.1', 0);
    const clients = [openSse(`${second.url}/api/v1/events`), openSse(`${second.url}/api/v1/events?since=0`)];
    await Promise.all(clients.map((c) => c.ready));
    const t = Date.now();
    await second.close();
    expect(Date.now() - t).toBeLessThan(2000); // API_SHUTDOWN_TIMEOUT_MS is 10 s
    await until('streams ended', () => clients.every((c) => c.ended()), 5000);
  });
});
