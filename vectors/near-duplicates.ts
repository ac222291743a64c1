/**
 * Near-duplicate detection through the vector index: the same story re-worded or re-published by another
 * source. Meant for the collect/embed stages' dedup, which already catch exact URL and text repeats.
 */
import type { VectorSearchFilter, VectorStore } from './vector-store';

/** An item to check: its vector for `modelId`, and when it was published (ms since the epoch). */
export interface DuplicateCandidate {
  id: string;
  vector: Float32Array;
  publishedAt: number;
  /** Limits matches to this source id when `sameSourceOnly` is set. */
  source?: string;
}

export interface NearDuplicateOptions {
  /** Cosine similarity at or above which two items count as the same story (default 0.9). */
  threshold?: number;
  /** Matches must be published within this many ms of the candidate, either side (default 3 days). */
  windowMs?: number;
  /** Only match items of the candidate's own source (a feed re-posting its own story). Default false. */
  sameSourceOnly?: boolean;
  /** Index searches in flight at once (default 4). */
  concurrency?: number;
}

/** `id` repeats `duplicateOf`, which was seen first (already indexed, or earlier in the same batch). */
export interface NearDuplicate {
  id: string;
  duplicateOf: string;
  score: number;
}

const DAY_MS = 86_400_000;

/**
 * For each candidate, the most similar other item at or above the threshold within the time window, among
 * the earlier candidates of the batch (so two copies arriving together are caught before either is indexed,
 * the earlier published one kept) and in the index. Candidates may already be indexed; they never match
 * themselves. Vectors are expected unit-length, as every Embedder returns them.
 */
export async function findNearDuplicates(
  store: VectorStore,
  modelId: string,
  candidates: DuplicateCandidate[],
  options: NearDuplicateOptions = {},
): Promise<NearDuplicate[]> {
  const threshold = options.threshold ?? 0.9;
  const windowMs = options.windowMs ?? 3 * DAY_MS;
  const concurrency = options.concurrency ?? 4;
  if (!(threshold > -1 && threshold <= 1)) throw new TypeError(`threshold must be in (-1, 1], got ${threshold}`);
  if (!Number.isFinite(windowMs) || windowMs < 0) throw new TypeError(`windowMs must be a finite number >= 0, got ${windowMs}`);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new TypeError(`concurrency must be a positive integer, got ${concurrency}`);

  // Earliest first, so within a batch the first-published copy is the original.
  const ordered = [...candidates].sort((a, b) => a.publishedAt - b.publishedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const found = new Map<string, NearDuplicate>();
  ordered.forEach((c, i) => {
    for (let j = 0; j < i; j++) {
      const earlier = ordered[j] as DuplicateCandidate;
      if (found.has(earlier.id) || earlier.id === c.id) continue; // chain to originals, not to other copies
      if (Math.abs(c.publishedAt - earlier.publishedAt) > windowMs) continue;
      if (options.sameSourceOnly && c.source !== earlier.source) continue;
      const score = dot(c.vector, earlier.vector);
      if (score >= threshold && score > (found.get(c.id)?.score ?? -Infinity)) found.set(c.id, { id: c.id, duplicateOf: earlier.id, score });
    }
  });

  const batchIds = new Set(candidates.map((c) => c.id));
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, ordered.length) }, async () => {
    while (next < ordered.length) {
      const c = ordered[next++] as DuplicateCandidate;
      const filter: VectorSearchFilter = { fromMs: c.publishedAt - windowMs, toMs: c.publishedAt + windowMs };
      if (options.sameSourceOnly && c.source !== undefined) filter.source = c.source;
      // A few extra hits: the candidate itself and other batch members may already be indexed.
      const hits = await store.search(modelId, c.vector, 3 + Math.min(batchIds.size, 16), filter);
      const best = hits.find((h) => !batchIds.has(h.id) && h.score >= threshold);
      // The closest original wins, whether it came in this batch or is already indexed.
      if (best && best.score > (found.get(c.id)?.score ?? -Infinity)) found.set(c.id, { id: c.id, duplicateOf: best.id, score: best.score });
    }
  });
  await Promise.all(lanes);
  return candidates.flatMap((c) => {
    const d = found.get(c.id);
    return d ? [d] : [];
  });
}

function dot(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new TypeError(`vectors differ in length: ${a.length} and ${b.length}`);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}
