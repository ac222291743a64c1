/**
 * What the Qdrant store sends, checked against Qdrant's documented REST API (collections, payload indexes,
 * points upsert/query/scroll, snapshots). A local stub on 127.0.0.1 records the requests and answers in
 * Qdrant's `{ result, status, time }` envelope; it does not search. Behaviour against a real server is the
 * contract suite's job (qdrant.test.ts, with QDRANT_URL).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createQdrantStore, qdrantPointId } from '../../../vectors/qdrant-store';
import type { VectorRecord } from '../../../vectors/vector-store';

interface Seen {
  method: string;
  path: string;
  query: string;
  body: Record<string, unknown> | undefined;
}

const NAME = 'items_m';

describe('Qdrant store requests (a recording stub stands in for the server)', () => {
  let server: Server;
  let url: string;
  let seen: Seen[];
  let exists: boolean;
  let indexed: string[];

  function answer(req: Seen): unknown {
    const key = `${req.method} ${req.path}`;
    if (key === `GET /collections/${NAME}/exists`) return { exists };
    if (key === `PUT /collections/${NAME}`) {
      exists = true;
      return true;
    }
    if (key === `GET /collections/${NAME}`) {
      const schema = Object.fromEntries(indexed.map((f) => [f, { data_type: 'keyword', points: 0 }]));
      return { status: 'green', config: { params: { vectors: { size: 4, distance: 'Cosine' } } }, payload_schema: schema };
    }
    if (key === `PUT /collections/${NAME}/index`) {
      indexed.push(String(req.body?.field_name));
      return { operation_id: 1, status: 'completed' };
    }
    if (key === `PUT /collections/${NAME}/points`) return { operation_id: 2, status: 'completed' };
    if (key === `POST /collections/${NAME}/points/query`) {
      return { points: [{ id: qdrantPointId('a'), version: 3, score: 0.93, payload: { item_id: 'a' } }] };
    }
    if (key === `POST /collections/${NAME}/points/scroll`) {
      const record = (id: string) => ({ id: qdrantPointId(id), payload: { item_id: id, source: '1', published_at: 5, trend_id: 9 }, vector: [1, 0, 0, 0] });
      return req.body?.offset === undefined
        ? { points: [record('a')], next_page_offset: qdrantPointId('b') }
        : { points: [record('b')], next_page_offset: null };
    }
    if (key === `POST /collections/${NAME}/snapshots`) return { name: `${NAME}-2025-01-01-00-00-00.snapshot`, creation_time: '2025-01-01T00:00:00', size: 1024 };
    if (key === `DELETE /collections/${NAME}`) return true;
    return undefined;
  }

  beforeAll(async () => {
    server = createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
      req.on('end', () => {
        const parsed = new URL(req.url ?? '/', 'http://stub');
        const entry: Seen = { method: req.method ?? '', path: parsed.pathname, query: parsed.search, body: raw ? (JSON.parse(raw) as Record<string, unknown>) : undefined };
        seen.push(entry);
        const result = answer(entry);
        const status = result === undefined ? 404 : 200;
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(status === 200 ? { result, status: 'ok', time: 0.0001 } : { status: { error: 'Not found' }, time: 0 }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    seen = [];
    exists = false;
    indexed = [];
  });

  const records = (n: number): VectorRecord[] =>
    Array.from({ length: n }, (_, i) => ({ id: `item-${i}`, vector: Float32Array.from([1, i, 0, 0]), source: String(i % 3), publishedAt: 1000.6 + i, language: i === 0 ? 'en' : null, trendId: i === 1 ? 7 : null }));

  it('creates the collection with cosine distance, HNSW settings and four payload indexes, then upserts in waited batches of 256', async () => {
    const store = createQdrantStore({ url, hnsw: { m: 32 } });
    await store.upsert('m', records(300));
    const calls = seen.map((s) => `${s.method} ${s.path}${s.query}`);
    expect(calls).toEqual([
      `GET /collections/${NAME}/exists`,
      `PUT /collections/${NAME}`,
      `GET /collections/${NAME}`,
      ...['source', 'language', 'published_at', 'trend_id'].map(() => `PUT /collections/${NAME}/index?wait=true`),
      `PUT /collections/${NAME}/points?wait=true`,
      `PUT /collections/${NAME}/points?wait=true`,
    ]);
    expect(seen[1]?.body).toEqual({ vectors: { size: 4, distance: 'Cosine' }, hnsw_config: { m: 32, ef_construct: 100, payload_m: 16 } });
    expect(seen.slice(3, 7).map((s) => s.body)).toEqual([
      { field_name: 'source', field_schema: 'keyword' },
      { field_name: 'language', field_schema: 'keyword' },
      { field_name: 'published_at', field_schema: 'integer' },
      { field_name: 'trend_id', field_schema: 'integer' },
    ]);
    const batches = seen.slice(7).map((s) => s.body?.points as Array<{ id: string; payload: Record<string, unknown> }>);
    expect(batches.map((b) => b.length)).toEqual([256, 44]);
    expect(batches[0]?.slice(0, 3)).toEqual([
      { id: qdrantPointId('item-0'), vector: [1, 0, 0, 0], payload: { item_id: 'item-0', source: '0', published_at: 1001, language: 'en' } },
      { id: qdrantPointId('item-1'), vector: [1, 1, 0, 0], payload: { item_id: 'item-1', source: '1', published_at: 1002, trend_id: 7 } },
      { id: qdrantPointId('item-2'), vector: [1, 2, 0, 0], payload: { item_id: 'item-2', source: '2', published_at: 1003 } },
    ]);
    await store.close();
  });

  it('sends filtered searches through the query API with every filter as a `must` condition', async () => {
    exists = true;
    const store = createQdrantStore({ url });
    const hits = await store.search('m', Float32Array.from([1, 0, 0, 0]), 5, { source: '2', fromMs: 10, toMs: 20, language: 'en', trendId: 7 });
    expect(hits).toEqual([{ id: 'a', score: 0.93 }]);
    const query = seen.find((s) => s.path.endsWith('/points/query'));
    expect(query?.body).toEqual({
      query: [1, 0, 0, 0],
      limit: 5,
      with_payload: ['item_id'],
      filter: {
        must: [
          { key: 'source', match: { value: '2' } },
          { key: 'published_at', range: { gte: 10, lte: 20 } },
          { key: 'language', match: { value: 'en' } },
          { key: 'trend_id', match: { value: 7 } },
        ],
      },
    });
    await store.close();
  });

  it('scrolls with the server offset, triggers snapshots and drops collections', async () => {
    exists = true;
    const store = createQdrantStore({ url });
    const first = await store.scroll('m', { limit: 1 });
    expect(first.records.map((r) => [r.id, r.trendId, r.language])).toEqual([['a', 9, null]]);
    expect(first.next).toBe(qdrantPointId('b'));
    const second = await store.scroll('m', { limit: 1, after: first.next });
    expect(second).toEqual({ records: [expect.objectContaining({ id: 'b', source: '1', publishedAt: 5 })] });
    const scrolls = seen.filter((s) => s.path.endsWith('/points/scroll')).map((s) => s.body);
    expect(scrolls).toEqual([
      { limit: 1, with_payload: true, with_vector: true },
      { limit: 1, offset: qdrantPointId('b'), with_payload: true, with_vector: true },
    ]);
    expect(await store.snapshot?.('m')).toBe(`${NAME}-2025-01-01-00-00-00.snapshot`);
    expect(seen.at(-1)).toMatchObject({ method: 'POST', path: `/collections/${NAME}/snapshots`, query: '?wait=true' });
    await store.drop('m');
    expect(seen.at(-1)).toMatchObject({ method: 'DELETE', path: `/collections/${NAME}` });
    await store.close();
  });
});
