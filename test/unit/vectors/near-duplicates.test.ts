import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createUseEmbedder } from '../../../activities/embed/use-embedder';
import { createLanceDbStore } from '../../../vectors/lancedb-store';
import { findNearDuplicates, type DuplicateCandidate } from '../../../vectors/near-duplicates';
import type { VectorStore } from '../../../vectors/vector-store';

const DAY = 86_400_000;
const T0 = Date.UTC(2014, 2, 11);

function unit(values: number[]): Float32Array {
  const n = Math.hypot(...values);
  return Float32Array.from(values, (x) => x / n);
}

describe('findNearDuplicates on a LanceDB index', () => {
  let dir: string;
  let store: VectorStore;

  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'trendflow-neardup-'));
    store = await createLanceDbStore({ path: dir });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('matches indexed items above the threshold inside the time window, never the candidate itself', async () => {
    await store.upsert('m', [
      { id: 'orig', vector: unit([1, 0.05, 0, 0]), source: '1', publishedAt: T0 },
      { id: 'old-copy', vector: unit([1, 0.05, 0, 0]), source: '1', publishedAt: T0 - 10 * DAY },
      { id: 'other', vector: unit([0, 1, 0, 0]), source: '2', publishedAt: T0 },
      { id: 'self', vector: unit([0, 0, 1, 0]), source: '1', publishedAt: T0 }, // already indexed candidate
    ]);
    const candidates: DuplicateCandidate[] = [
      { id: 'copy', vector: unit([1, 0.06, 0, 0]), publishedAt: T0 + DAY },
      { id: 'self', vector: unit([0, 0, 1, 0]), publishedAt: T0 },
      { id: 'related', vector: unit([1, 0.8, 0, 0]), publishedAt: T0 }, // cosine ≈ 0.8 with orig
      { id: 'late-copy', vector: unit([1, 0.05, 0, 0]), publishedAt: T0 + 30 * DAY },
    ];
    const found = await findNearDuplicates(store, 'm', candidates, { threshold: 0.95, windowMs: 3 * DAY });
    expect(found).toEqual([{ id: 'copy', duplicateOf: 'orig', score: expect.closeTo(1, 3) }]);
    const loose = await findNearDuplicates(store, 'm', candidates, { threshold: 0.75, windowMs: 3 * DAY });
    expect(loose.map((d) => [d.id, d.duplicateOf])).toEqual([
      ['copy', 'orig'],
      ['related', 'orig'],
    ]);
  });

  it('catches copies within one batch before either is indexed, keeping the earlier one', async () => {
    const v = unit([0.3, 0.3, 0.9, 0]);
    const found = await findNearDuplicates(store, 'm', [
      { id: 'b-later', vector: v, publishedAt: T0 + 3_600_000 },
      { id: 'a-first', vector: v, publishedAt: T0 },
      { id: 'c-third', vector: v, publishedAt: T0 + 7_200_000 },
    ]);
    expect(found).toEqual([
      { id: 'b-later', duplicateOf: 'a-first', score: expect.closeTo(1, 5) },
      { id: 'c-third', duplicateOf: 'a-first', score: expect.closeTo(1, 5) },
    ]);
  });

  it('limits matches to the same source when asked', async () => {
    await store.upsert('m', [{ id: 'orig', vector: unit([1, 0, 0, 0]), source: '1', publishedAt: T0 }]);
    const candidate = { id: 'copy', vector: unit([1, 0, 0, 0]), publishedAt: T0, source: '2' };
    expect(await findNearDuplicates(store, 'm', [candidate], { sameSourceOnly: true })).toEqual([]);
    expect(await findNearDuplicates(store, 'm', [{ ...candidate, source: '1' }], { sameSourceOnly: true })).toHaveLength(1);
  });

  it('tells a re-published headline from another headline of the same story (USE vectors)', async () => {
    const embedder = await createUseEmbedder();
    // Cosines to the first headline with USE lite: 0.96, 0.93 and 0.72 (another headline of the same story).
    const texts = [
      "Fed's Yellen says rates could rise six months after taper ends",
      "Fed's Yellen says rates could rise six months after taper ends (UPDATE 2)",
      'Yellen says rates could rise 6 months after taper ends',
      'Yellen: rate hike likely in spring 2015, markets slide',
    ];
    const [orig, update, reworded, sameStory] = await embedder.embed(texts);
    await store.upsert('use', [{ id: 'orig', vector: orig as Float32Array, source: '1', publishedAt: T0 }]);
    const found = await findNearDuplicates(store, 'use', [
      { id: 'update', vector: update as Float32Array, publishedAt: T0 + 3_600_000 },
      { id: 'reworded', vector: reworded as Float32Array, publishedAt: T0 + 7_200_000 },
      { id: 'same-story', vector: sameStory as Float32Array, publishedAt: T0 + 3_600_000 },
    ]);
    expect(found.map((d) => [d.id, d.duplicateOf])).toEqual([
      ['update', 'orig'],
      ['reworded', 'orig'],
    ]);
  });

  it('validates its options', async () => {
    await expect(findNearDuplicates(store, 'm', [], { threshold: 1.5 })).rejects.toThrow(TypeError);
    await expect(findNearDuplicates(store, 'm', [], { windowMs: -1 })).rejects.toThrow(TypeError);
    await expect(findNearDuplicates(store, 'm', [])).resolves.toEqual([]);
  });
});
