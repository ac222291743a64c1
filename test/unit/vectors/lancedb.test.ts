import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect } from '@lancedb/lancedb';
import { Field, FixedSizeList, Float32, Float64, Schema, Utf8 } from 'apache-arrow';
import { VectorStoreError } from '../../../vectors/errors';
import { createVectorStore } from '../../../vectors/index';
import { createLanceDbStore, lanceTableName } from '../../../vectors/lancedb-store';
import type { VectorRecord } from '../../../vectors/vector-store';
import { runVectorStoreContract } from './contract';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'trendflow-lance-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

runVectorStoreContract('lancedb', () => createLanceDbStore({ path: tempDir() }));

function rec(id: string, x: number): VectorRecord {
  return { id, vector: Float32Array.from([x, 1, 0]), source: 'hn', publishedAt: 1 };
}

describe('LanceDB store specifics', () => {
  it('names tables items_<sanitised model id>', () => {
    expect(lanceTableName('use-lite-512')).toBe('items_use_lite_512');
    expect(lanceTableName('OpenAI/text-embedding-3-small')).toBe('items_openai_text_embedding_3_small');
    expect(() => lanceTableName(' ')).toThrow(TypeError);
  });

  it('is what createVectorStore picks when no Qdrant URL is configured', async () => {
    for (const qdrantUrl of [undefined, '']) {
      const store = await createVectorStore({ qdrantUrl, lancePath: tempDir() });
      expect(store.kind).toBe('lancedb');
      await store.close();
    }
  });

  it('refuses a second model id that sanitises to the same table name', async () => {
    const store = await createLanceDbStore({ path: tempDir() });
    try {
      await store.upsert('use-lite-512', [rec('a', 1)]);
      await expect(store.upsert('use_lite_512', [rec('a', 1)])).rejects.toThrow(/belongs to model use-lite-512/);
      expect(await store.count('use-lite-512')).toBe(1);
    } finally {
      await store.close();
    }
  });

  it('neither loses nor duplicates rows when separate connections (worker processes) race, from the first upsert on', async () => {
    // Guards two LanceDB quirks: racing table creation (see createTable) and, without the unenforced
    // primary key on `id`, concurrent merge-inserts of the same new id both inserting.
    const dir = tempDir();
    const stores = await Promise.all([1, 2, 3, 4].map(() => createLanceDbStore({ path: dir })));
    try {
      // allSettled, so no write is still running when the stores close and the directory is removed.
      const results = await Promise.allSettled(
        Array.from({ length: 24 }, (_, i) =>
          stores[i % stores.length]?.upsert('model', [rec(`shared-${i % 5}`, i), rec(`own-${i}`, i)]),
        ),
      );
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
      for (const store of stores) expect(await store.count('model')).toBe(5 + 24);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it("lets one connection read another's writes at once with the default consistency interval", async () => {
    const dir = tempDir();
    const writer = await createLanceDbStore({ path: dir });
    const reader = await createLanceDbStore({ path: dir });
    try {
      expect(await reader.count('model')).toBe(0);
      await writer.upsert('model', [rec('a', 1)]);
      expect(await reader.count('model')).toBe(1);
      await reader.search('model', Float32Array.from([1, 1, 0]), 1); // caches reader's table handle
      await writer.upsert('model', [rec('b', 2)]);
      expect(await reader.count('model')).toBe(2);
    } finally {
      await Promise.all([writer.close(), reader.close()]);
    }
  });

  it('keeps every row through periodic compaction', async () => {
    const errors: unknown[] = [];
    const store = await createLanceDbStore({
      path: tempDir(),
      optimizeEveryUpserts: 2,
      onOptimizeError: (e) => errors.push(e),
    });
    try {
      for (let i = 0; i < 7; i += 1) await store.upsert('model', [rec(`id-${i}`, i), rec('same', i)]);
      expect(await store.count('model')).toBe(8);
    } finally {
      await store.close(); // waits for background compaction
    }
    expect(errors).toEqual([]);
  });

  it('indexes the filter columns, and the vectors once the table is big enough, in the background', async () => {
    const dir = tempDir();
    const errors: unknown[] = [];
    const store = await createLanceDbStore({ path: dir, optimizeEveryUpserts: 2, vectorIndexMinRows: 600, onOptimizeError: (e) => errors.push(e) });
    const vector = (i: number) => Float32Array.from({ length: 16 }, (_, d) => Math.sin(i * (d + 1)));
    for (let batch = 0; batch < 4; batch += 1) {
      const rows = Array.from({ length: 200 }, (_, k) => batch * 200 + k);
      await store.upsert('model', rows.map((i) => ({ id: `id-${i}`, vector: vector(i), source: String(i % 5), publishedAt: i })));
    }
    await store.close();
    expect(errors).toEqual([]);
    const db = await connect(dir);
    const table = await db.openTable(lanceTableName('model'));
    const indexes = (await table.listIndices()).map((i) => `${i.columns.join(',')}:${i.indexType}`).sort();
    table.close();
    db.close();
    expect(indexes).toEqual([expect.stringMatching(/^published_at:BTree$/i), expect.stringMatching(/^source:Bitmap$/i), expect.stringMatching(/^vector:IVF_?HNSW_?SQ$/i)]);
    const reopened = await createLanceDbStore({ path: dir });
    try {
      expect(await reopened.count('model')).toBe(800);
      const [top] = await reopened.search('model', vector(123), 1, { source: '3' });
      expect(top).toEqual({ id: 'id-123', score: expect.closeTo(1, 2) });
    } finally {
      await reopened.close();
    }
  });

  it('keeps working on a table created before the language and trend id columns, and says how to get them', async () => {
    const dir = tempDir();
    const db = await connect(dir);
    const oldSchema = new Schema([
      new Field('id', new Utf8(), false),
      new Field('vector', new FixedSizeList(3, new Field('item', new Float32(), true)), false),
      new Field('source', new Utf8(), false),
      new Field('published_at', new Float64(), false),
    ]);
    (await db.createEmptyTable(lanceTableName('model'), oldSchema)).close();
    db.close();
    const store = await createLanceDbStore({ path: dir });
    try {
      await store.upsert('model', [{ ...rec('a', 1), language: 'en', trendId: 7 }]);
      expect(await store.search('model', Float32Array.from([1, 1, 0]), 5, { source: 'hn' })).toHaveLength(1);
      expect((await store.scroll('model', { limit: 5 })).records).toMatchObject([{ id: 'a', language: null, trendId: null }]);
      await expect(store.search('model', Float32Array.from([1, 1, 0]), 5, { language: 'en' })).rejects.toThrow(/reindex --recreate/);
      await store.drop('model');
      await store.upsert('model', [{ ...rec('a', 1), language: 'en', trendId: 7 }]);
      expect(await store.search('model', Float32Array.from([1, 1, 0]), 5, { language: 'en', trendId: 7 })).toHaveLength(1);
    } finally {
      await store.close();
    }
  });

  it('validates options and arguments with TypeErrors, and rejects use after close', async () => {
    await expect(createLanceDbStore({ path: tempDir(), readConsistencyIntervalSeconds: -1 })).rejects.toThrow(TypeError);
    await expect(createLanceDbStore({ path: tempDir(), optimizeEveryUpserts: 0 })).rejects.toThrow(TypeError);
    const store = await createLanceDbStore({ path: tempDir() });
    await store.upsert('model', [rec('a', 1)]);
    await expect(store.search('model', Float32Array.from([1, 1, 0]), 5, { fromMs: Number.NaN })).rejects.toThrow(
      TypeError,
    );
    await expect(store.upsert('model', [{ ...rec('b', 1), publishedAt: Number.NaN }])).rejects.toThrow(TypeError);
    await store.close();
    await expect(store.count('model')).rejects.toBeInstanceOf(VectorStoreError);
  });
});
