/**
 * Behaviour every VectorStore must share, run against each implementation so that
 * swapping LanceDB for Qdrant cannot change what the pipeline sees.
 */
import { randomUUID } from 'node:crypto';
import { VectorDimensionError } from '../../../vectors/errors';
import type { VectorRecord, VectorStore } from '../../../vectors/vector-store';

export interface ContractOptions {
  /** Removes the collections the suite created, for stores that outlive the test (a shared server). */
  dropModels?: (modelIds: string[]) => Promise<void>;
}

const DAY = 86_400_000;
const T0 = Date.UTC(2025, 0, 1);

function rec(id: string, values: number[], source = 'hn', publishedAt = T0): VectorRecord {
  return { id, vector: Float32Array.from(values), source, publishedAt };
}

/** Registers the contract suite; `makeStore` must return a new (empty or isolated) store on each call. */
export function runVectorStoreContract(
  name: string,
  makeStore: () => Promise<VectorStore>,
  options: ContractOptions = {},
): void {
  describe(`VectorStore contract: ${name}`, () => {
    // A fresh model id per test keeps tests independent even when the backing server is shared.
    const run = randomUUID().slice(0, 8);
    const created: string[] = [];
    let store: VectorStore;
    let n = 0;
    const model = (suffix = 'a'): string => {
      const id = `contract-${run}-${n}-${suffix}`;
      created.push(id);
      return id;
    };

    beforeEach(async () => {
      n += 1;
      store = await makeStore();
    });
    afterEach(async () => {
      await store.close();
    });
    afterAll(async () => {
      await options.dropModels?.([...new Set(created)]);
    });

    it('counts what was upserted', async () => {
      const m = model();
      await store.upsert(m, [rec('a', [1, 0, 0, 0]), rec('b', [0, 1, 0, 0]), rec('c', [0, 0, 1, 0])]);
      expect(await store.count(m)).toBe(3);
    });

    it('overwrites on re-upsert of the same ids instead of duplicating', async () => {
      const m = model();
      await store.upsert(m, [rec('a', [1, 0, 0, 0]), rec('b', [0, 1, 0, 0])]);
      await store.upsert(m, [rec('a', [0, 0, 0, 1], 'rss'), rec('b', [0, 1, 0, 0])]);
      expect(await store.count(m)).toBe(2);
      const [top] = await store.search(m, Float32Array.from([0, 0, 0, 1]), 1);
      expect(top?.id).toBe('a');
      expect(top?.score).toBeCloseTo(1, 5);
      expect(await store.search(m, Float32Array.from([0, 0, 0, 1]), 5, { source: 'rss' })).toHaveLength(1);
    });

    it('keeps the last record when one batch repeats an id', async () => {
      const m = model();
      await store.upsert(m, [rec('a', [1, 0, 0, 0]), rec('a', [0, 1, 0, 0])]);
      expect(await store.count(m)).toBe(1);
      const [top] = await store.search(m, Float32Array.from([0, 1, 0, 0]), 1);
      expect(top).toEqual({ id: 'a', score: expect.closeTo(1, 5) });
    });

    it('returns the nearest first with cosine similarity as the score', async () => {
      const m = model();
      await store.upsert(m, [
        rec('far', [0, 1, 0, 0]),
        rec('same', [2, 0, 0, 0]), // cosine ignores length
        rec('near', [0.9, 0.1, 0, 0]),
        rec('opposite', [-1, 0, 0, 0]),
      ]);
      const hits = await store.search(m, Float32Array.from([1, 0, 0, 0]), 10);
      expect(hits.map((h) => h.id)).toEqual(['same', 'near', 'far', 'opposite']);
      expect(hits.map((h) => h.score)).toEqual([
        expect.closeTo(1, 5),
        expect.closeTo(0.9 / Math.hypot(0.9, 0.1), 5),
        expect.closeTo(0, 5),
        expect.closeTo(-1, 5),
      ]);
      expect(await store.search(m, Float32Array.from([1, 0, 0, 0]), 2)).toHaveLength(2);
      expect(await store.search(m, Float32Array.from([1, 0, 0, 0]), 0)).toEqual([]);
    });

    it('filters by source', async () => {
      const m = model();
      await store.upsert(m, [rec('a', [1, 0, 0, 0], 'hn'), rec('b', [0.9, 0.1, 0, 0], 'rss'), rec('c', [0, 1, 0, 0], 'rss')]);
      const hits = await store.search(m, Float32Array.from([1, 0, 0, 0]), 10, { source: 'rss' });
      expect(hits.map((h) => h.id)).toEqual(['b', 'c']);
      expect(await store.search(m, Float32Array.from([1, 0, 0, 0]), 10, { source: 'nope' })).toEqual([]);
    });

    it('filters by an inclusive time range', async () => {
      const m = model();
      await store.upsert(m, [
        rec('d0', [1, 0, 0, 0], 'hn', T0),
        rec('d1', [1, 0.1, 0, 0], 'hn', T0 + DAY),
        rec('d2', [1, 0.2, 0, 0], 'hn', T0 + 2 * DAY),
        rec('unknown', [1, 0.3, 0, 0], 'hn', 0),
      ]);
      const ids = async (fromMs?: number, toMs?: number, source?: string): Promise<string[]> =>
        (await store.search(m, Float32Array.from([1, 0, 0, 0]), 10, { fromMs, toMs, source })).map((h) => h.id).sort();
      expect(await ids(T0 + DAY, T0 + 2 * DAY)).toEqual(['d1', 'd2']);
      expect(await ids(T0 + DAY)).toEqual(['d1', 'd2']);
      expect(await ids(undefined, T0)).toEqual(['d0', 'unknown']);
      expect(await ids(T0, T0 + DAY, 'hn')).toEqual(['d0', 'd1']);
      expect(await ids(T0 + DAY, T0 + DAY, 'rss')).toEqual([]);
    });

    it('deletes by id and ignores ids it does not hold', async () => {
      const m = model();
      await store.upsert(m, [rec('a', [1, 0, 0, 0]), rec("o'b", [0, 1, 0, 0]), rec('c', [0, 0, 1, 0])]);
      await store.delete(m, ['a', "o'b", 'missing']);
      expect(await store.count(m)).toBe(1);
      expect((await store.search(m, Float32Array.from([1, 0, 0, 0]), 10)).map((h) => h.id)).toEqual(['c']);
      await expect(store.delete(model('never-written'), ['a'])).resolves.toBeUndefined();
    });

    it('keeps models apart, even with different dimensions and the same item ids', async () => {
      const a = model('a');
      const b = model('b');
      await store.upsert(a, [rec('x', [1, 0, 0, 0]), rec('y', [0, 1, 0, 0])]);
      await store.upsert(b, [rec('x', [0, 0, 1])]);
      expect(await store.count(a)).toBe(2);
      expect(await store.count(b)).toBe(1);
      const hits = await store.search(b, Float32Array.from([0, 0, 1]), 10);
      expect(hits).toEqual([{ id: 'x', score: expect.closeTo(1, 5) }]);
      await store.delete(b, ['x']);
      expect(await store.count(a)).toBe(2);
    });

    it('rejects vectors whose length differs from the model dimension, writing nothing', async () => {
      const m = model();
      await store.upsert(m, [rec('a', [1, 0, 0, 0])]);
      await expect(store.upsert(m, [rec('b', [1, 0, 0])])).rejects.toBeInstanceOf(VectorDimensionError);
      await expect(store.upsert(m, [rec('c', [1, 0, 0, 0]), rec('d', [1, 0])])).rejects.toBeInstanceOf(
        VectorDimensionError,
      );
      await expect(store.search(m, Float32Array.from([1, 0]), 5)).rejects.toBeInstanceOf(VectorDimensionError);
      expect(await store.count(m)).toBe(1);
    });

    it('answers an unknown model with no hits and a zero count', async () => {
      const m = model('unknown');
      expect(await store.search(m, Float32Array.from([1, 0, 0, 0]), 5)).toEqual([]);
      expect(await store.count(m)).toBe(0);
      await store.upsert(m, []);
      expect(await store.count(m)).toBe(0);
    });

    it('treats a quote in the source filter as data, not syntax', async () => {
      const m = model();
      await store.upsert(m, [rec('a', [1, 0, 0, 0], "o'reilly"), rec('b', [0, 1, 0, 0], 'hn'), rec('c', [0, 0, 1, 0], 'a\\')]);
      const ids = async (source: string): Promise<string[]> =>
        (await store.search(m, Float32Array.from([1, 0, 0, 0]), 10, { source })).map((h) => h.id);
      expect(await ids("o'reilly")).toEqual(['a']);
      expect(await ids("x' OR '1'='1")).toEqual([]);
      expect(await ids("hn' OR source != '")).toEqual([]);
      expect(await ids('a\\')).toEqual(['c']);
    });

    it('scrolls through every record with its payload and vector, page by page', async () => {
      const m = model();
      const records = Array.from({ length: 7 }, (_, i) => ({
        ...rec(`item-${i}`, [1, i, 0, 0], i % 2 ? 'rss' : 'hn', T0 + i * DAY),
        language: i === 0 ? 'en' : null,
        trendId: i === 1 ? 42 : null,
      }));
      await store.upsert(m, records);
      const seen: VectorRecord[] = [];
      let after: string | undefined;
      let pages = 0;
      do {
        const page = await store.scroll(m, { limit: 3, after });
        expect(page.records.length).toBeLessThanOrEqual(3);
        seen.push(...page.records);
        after = page.next;
        pages += 1;
      } while (after !== undefined && pages < 10);
      expect(seen.map((r) => r.id).sort()).toEqual(records.map((r) => r.id).sort());
      const byId = new Map(seen.map((r) => [r.id, r]));
      for (const r of records) {
        const got = byId.get(r.id);
        expect(got).toMatchObject({ source: r.source, publishedAt: r.publishedAt, language: r.language, trendId: r.trendId });
        const norm = Math.hypot(...r.vector);
        // Stores may keep vectors normalised (Qdrant's Cosine does), so compare directions.
        const cos = Array.from(got?.vector ?? []).reduce((a, x, k) => a + x * (r.vector[k] as number), 0) / (norm * Math.hypot(...(got?.vector ?? [])));
        expect(cos).toBeCloseTo(1, 5);
      }
      expect(await store.scroll(model('never-written'), { limit: 3 })).toEqual({ records: [] });
    });

    it('filters by language and trend id', async () => {
      const m = model();
      await store.upsert(m, [
        { ...rec('en-1', [1, 0, 0, 0]), language: 'en', trendId: 1 },
        { ...rec('de-1', [0.9, 0.1, 0, 0]), language: 'de', trendId: 1 },
        { ...rec('en-2', [0.8, 0.2, 0, 0]), language: 'en', trendId: 2 },
        rec('none', [0.7, 0.3, 0, 0]),
      ]);
      const ids = async (filter: { language?: string; trendId?: number; source?: string }): Promise<string[]> =>
        (await store.search(m, Float32Array.from([1, 0, 0, 0]), 10, filter)).map((h) => h.id);
      expect(await ids({ language: 'en' })).toEqual(['en-1', 'en-2']);
      expect(await ids({ trendId: 1 })).toEqual(['en-1', 'de-1']);
      expect(await ids({ trendId: 1, language: 'en' })).toEqual(['en-1']);
      expect(await ids({ trendId: 3 })).toEqual([]);
    });

    it('drops a whole model, after which it reads as empty and can be written again', async () => {
      const m = model();
      const other = model('other');
      await store.upsert(m, [rec('a', [1, 0, 0, 0]), rec('b', [0, 1, 0, 0])]);
      await store.upsert(other, [rec('a', [1, 0, 0, 0])]);
      await store.drop(m);
      expect(await store.count(m)).toBe(0);
      expect(await store.search(m, Float32Array.from([1, 0, 0, 0]), 5)).toEqual([]);
      expect(await store.count(other)).toBe(1);
      await store.upsert(m, [rec('c', [0, 0, 1])]); // a new dimension is fine after a drop
      expect(await store.count(m)).toBe(1);
      await expect(store.drop(model('never-written'))).resolves.toBeUndefined();
    });

    it('answers ping', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}
