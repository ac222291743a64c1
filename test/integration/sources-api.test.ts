import pino from 'pino';
import { listen, type RunningApi } from '../../api/server';
import { main } from '../../cli/main';
import type { SourcePreview } from '../../activities/collect/preview';
import type { SourceView } from '../../services/sources';
import { openTestStack, type TestStack } from '../helpers/stack';
import { fixture, sendJson, startReplayServer, type ReplayServer } from '../unit/collect/replay-server';

interface Problem {
  status: number;
  title: string;
  detail: string;
  errors?: Array<{ path: string; message: string }>;
}

/** Runs the CLI in-process with extra environment, returning what it printed and its exit code. */
async function cli(args: string[], env: Record<string, string>): Promise<{ out: string; err: string; code: number }> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  const out: string[] = [];
  const err: string[] = [];
  const stdout = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (out.push(String(chunk)), true));
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (err.push(String(chunk)), true));
  Object.assign(process.env, env);
  process.exitCode = undefined;
  try {
    await main(['node', 'trendflow', ...args]);
    return { out: out.join(''), err: err.join(''), code: Number(process.exitCode ?? 0) };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    process.exitCode = undefined;
  }
}

describe('sources API and CLI on a real Postgres', () => {
  let stack: TestStack;
  let api: RunningApi;
  let hn: ReplayServer; // stands in for hacker-news.firebaseio.com
  let dbUrl: string;

  beforeAll(async () => {
    stack = await openTestStack('sources_api');
    dbUrl = (stack.db.options as { url: string }).url;
    api = await listen(
      { config: stack.config, db: stack.db, temporal: () => stack.client, vectorStore: () => Promise.reject(new Error('unused')), log: pino({ level: 'silent' }), auth: { mode: 'disabled' } },
      '127.0.0.1',
      0,
    );
    const items = JSON.parse(fixture('hn-items.json')) as Record<string, unknown>;
    hn = await startReplayServer({ '/v0/topstories.json': (_req, res) => sendJson(res, fixture('hn-topstories.json')) });
    for (const [id, doc] of Object.entries(items)) hn.route(`/v0/item/${id}.json`, (_req, res) => sendJson(res, JSON.stringify(doc)));
  });

  afterAll(async () => {
    await api?.close();
    await hn?.close();
    await stack?.close();
  });

  async function call<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T; location: string | null }> {
    const res = await fetch(`${api.url}/api/v1${path}`, {
      method,
      ...(body !== undefined && { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T, location: res.headers.get('location') };
  }

  it('adds, lists, disables, restores and removes sources; bad specs are 400 with the parser’s reason', async () => {
    const created = await call<SourceView>('POST', '/sources', { spec: 'reddit:rust/top?t=day' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ spec: 'reddit:rust/top?t=day', kind: 'reddit', enabled: true, items: 0, cursor: { seen: 0 }, deletedAt: null });
    expect(created.location).toBe(`/api/v1/sources/${created.body.id}`);

    const bad = await call<Problem>('POST', '/sources', { spec: 'reddit:rust/best' });
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toContain('unknown listing "best"');
    expect((await call<Problem>('POST', '/sources', { spec: 'hn:top', colour: 'red' })).status).toBe(400);
    const again = await call<Problem>('POST', '/sources', { spec: 'reddit:rust/top?t=day' });
    expect(again.status).toBe(409);

    const off = await call<SourceView>('PATCH', `/sources/${created.body.id}`, { enabled: false });
    expect(off.body.enabled).toBe(false);
    expect((await call<Problem>('PATCH', `/sources/${created.body.id}`, {})).status).toBe(400);
    const listed = await call<{ sources: SourceView[] }>('GET', '/sources?enabled=false');
    expect(listed.body.sources.map((s) => s.spec)).toEqual(['reddit:rust/top?t=day']);

    // A source with items is kept for their provenance: soft-deleted, hidden, restorable.
    const feed = await call<SourceView>('POST', '/sources', { spec: 'rss:https://feeds.example.com/a.xml' });
    await stack.db.query(
      `INSERT INTO items (source_id, url, canonical_url, title, content_hash) VALUES ($1, 'https://e.com/1', 'https://e.com/1', 'T', repeat('a', 64))`,
      [feed.body.id],
    );
    const soft = await call<SourceView>('DELETE', `/sources/${feed.body.id}`);
    expect(soft.status).toBe(200);
    expect(soft.body).toMatchObject({ enabled: false, items: 1, deletedAt: expect.any(String) });
    expect((await call<{ sources: SourceView[] }>('GET', '/sources')).body.sources.map((s) => s.id)).not.toContain(feed.body.id);
    expect((await call<{ sources: SourceView[] }>('GET', '/sources?include=deleted')).body.sources.map((s) => s.id)).toContain(feed.body.id);
    expect((await call<Problem>('GET', `/sources/${feed.body.id}`)).status).toBe(404);
    const restored = await call<SourceView>('POST', '/sources', { spec: 'rss:https://feeds.example.com/a.xml' });
    expect(restored.status).toBe(200);
    expect(restored.body).toMatchObject({ id: feed.body.id, enabled: true, deletedAt: null, items: 1 });

    // One without items is simply deleted.
    expect((await call('DELETE', `/sources/${created.body.id}`)).status).toBe(204);
    expect((await call<Problem>('GET', `/sources/${created.body.id}`)).status).toBe(404);
    expect((await call<Problem>('DELETE', '/sources/999999')).status).toBe(404);
  });

  it('`trendflow sources test hn:top` prints what it would collect without storing (a local server stands in for the HN API)', async () => {
    const env = { COLLECT_BASE_URLS: `hn=${hn.base}/v0`, COLLECT_HOST_RATE: '100', DATABASE_URL: dbUrl };
    const itemsBefore = Number((await stack.db.query('SELECT count(*)::int AS n FROM items'))[0].n);
    const json = await cli(['sources', 'test', 'hn:top', '--json', '--limit', '2'], env);
    expect(json.code).toBe(0);
    const preview = JSON.parse(json.out) as SourcePreview;
    expect(preview).toMatchObject({ spec: 'hn:top', kind: 'hn' });
    expect(preview.items.map((i) => i.title)).toEqual(['SQLite is not a toy database', 'Ask HN: When did you actually need to shard your database?']);
    expect(preview.items[0]).toMatchObject({
      canonicalUrl: 'https://antonz.org/sqlite-is-not-a-toy-database',
      publishedAt: '2024-05-01T10:00:00.000Z',
      language: 'en',
      engagement: { score: 312, comments: 148 },
    });
    const human = await cli(['sources', 'test', 'hn:top'], env);
    expect(human.out).toMatch(/^hn:top \(hn\): 3 item\(s\) would be collected from the first page, 3 skipped by the source — 7 request\(s\); nothing was stored/);
    expect(human.out).toContain('312 pts 148 cmts');
    expect(Number((await stack.db.query('SELECT count(*)::int AS n FROM items'))[0].n)).toBe(itemsBefore);
    expect(Number((await stack.db.query(`SELECT count(*)::int AS n FROM sources WHERE spec = 'hn:top'`))[0].n)).toBe(0);

    const failed = await cli(['sources', 'test', 'hn:best'], env);
    expect(failed.code).toBe(1);
    expect(failed.err).toMatch(/SourceNotFoundError \(permanent: a run would fail this source\): .*beststories\.json answered 404/);
    const badSpec = await cli(['sources', 'test', 'hn:trending'], env);
    expect(badSpec.err).toContain('unknown Hacker News list "trending"');
  });

  it('`trendflow sources add|list|disable|remove` work on the same table', async () => {
    const env = { DATABASE_URL: dbUrl };
    const added = await cli(['sources', 'add', 'lobsters:t/rust', '--json'], env);
    expect(added.code).toBe(0);
    const source = JSON.parse(added.out) as SourceView;
    expect(source).toMatchObject({ spec: 'lobsters:t/rust', kind: 'lobsters', enabled: true });
    expect((await cli(['sources', 'disable', 'lobsters:t/rust'], env)).out).toContain('DISABLED');
    const listed = JSON.parse((await cli(['sources', 'list', '--json', '--kind', 'lobsters'], env)).out) as { sources: SourceView[] };
    expect(listed.sources).toEqual([expect.objectContaining({ id: source.id, enabled: false })]);
    expect((await cli(['sources', 'remove', String(source.id)], env)).out).toBe(`deleted source ${source.id} (lobsters:t/rust)\n`);
    expect((await cli(['sources', 'remove', 'lobsters:t/rust'], env)).err).toContain('does not exist');
  });
});
