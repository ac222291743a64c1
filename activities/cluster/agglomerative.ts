/**
 * Average-linkage (UPGMA) agglomerative clustering cut at a distance threshold.
 *
 * Written here rather than taken from npm: `ml-hclust` is correct but O(n³) (≈5 min at 4k points),
 * see docs in shared/docs/clustering-notes.md. This uses the nearest-neighbour chain algorithm,
 * which is exact for reducible linkages such as average linkage, in O(n²) time and one condensed
 * Float32 distance matrix of n(n-1)/2 entries (10k points → 200 MB).
 */

/** Pairwise distances for i < j, stored row by row (the layout of scipy's `pdist`). */
export interface DistanceMatrix {
  /** Number of points. */
  n: number;
  /** n(n-1)/2 distances; entry (i, j), i < j, is at `condensedIndex(n, i, j)`. */
  data: Float32Array;
}

/** Position of the pair (i, j), i ≠ j, in a condensed matrix of n points. */
export function condensedIndex(n: number, i: number, j: number): number {
  const a = i < j ? i : j;
  const b = i < j ? j : i;
  // Rows before `a` hold (n-1) + (n-2) + ... + (n-a) entries.
  return a * n - (a * (a + 1)) / 2 + (b - a - 1);
}

/** Dot product of two equally long vectors, unrolled because it is the hot loop of the matrix build. */
export function dot(x: Float32Array, y: Float32Array): number {
  const len = x.length;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let k = 0;
  for (; k + 3 < len; k += 4) {
    s0 += (x[k] as number) * (y[k] as number);
    s1 += (x[k + 1] as number) * (y[k + 1] as number);
    s2 += (x[k + 2] as number) * (y[k + 2] as number);
    s3 += (x[k + 3] as number) * (y[k + 3] as number);
  }
  for (; k < len; k++) s0 += (x[k] as number) * (y[k] as number);
  return s0 + s1 + s2 + s3;
}

/** Rows of the matrix computed together: 64 vectors of 512 floats (128 KB) stay in L2 cache. */
const TILE_ROWS = 64;

/**
 * Cosine distance matrix (1 − dot product) of unit-length vectors.
 * Vectors must already be L2-normalised; that is the ClusterInput contract and saves n² norms.
 * Computed in tiles of rows so each streamed vector is reused while a tile sits in cache: at 10k
 * points the naive row-by-row order is memory-bound (32 s against 17 s tiled, 2 cores).
 */
export function cosineDistanceMatrix(vectors: readonly Float32Array[]): DistanceMatrix {
  const n = vectors.length;
  const data = new Float32Array((n * (n - 1)) / 2);
  for (let i0 = 0; i0 < n; i0 += TILE_ROWS) {
    const i1 = Math.min(n, i0 + TILE_ROWS);
    for (let j = i0 + 1; j < n; j++) {
      const vj = vectors[j] as Float32Array;
      const iEnd = Math.min(i1, j);
      for (let i = i0; i < iEnd; i++) data[condensedIndex(n, i, j)] = 1 - dot(vectors[i] as Float32Array, vj);
    }
  }
  return { n, data };
}

/**
 * Cluster labels (0..k-1, numbered by first member index) of the average-linkage dendrogram cut
 * so that no merge above `threshold` happens: clusters are merged while their mean pairwise
 * distance is ≤ threshold. Points that merge with nothing get a label of their own.
 * `initialGroups` (disjoint index lists) start out as clusters, as if merged below the threshold.
 * `weights` gives each point the number of items it stands for (default 1), so that the points
 * can be groups whose matrix entries are mean distances between their items: merges then weigh
 * each side by its item count, exactly as if the items had been merged one by one.
 *
 * The matrix is overwritten (Lance–Williams updates happen in place) so that 10k points need
 * one 200 MB buffer, not two; pass a copy if the distances are needed afterwards.
 * Deterministic: ties go to the current chain predecessor, then to the earliest active cluster.
 */
export function averageLinkageLabels(
  matrix: DistanceMatrix,
  threshold: number,
  initialGroups: readonly (readonly number[])[] = [],
  weights?: ArrayLike<number>,
): number[] {
  const { n, data } = matrix;
  if (data.length !== (n * (n - 1)) / 2) throw new RangeError(`condensed matrix of ${n} points needs ${(n * (n - 1)) / 2} entries, got ${data.length}`);
  if (weights !== undefined && weights.length !== n) throw new RangeError(`${n} points need ${n} weights, got ${weights.length}`);
  const size = weights === undefined ? new Float64Array(n).fill(1) : Float64Array.from(weights);
  // Active clusters in a dense list (swap-remove) so each nearest-neighbour scan touches only live ones.
  const activeList = new Int32Array(n);
  const position = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    activeList[i] = i;
    position[i] = i;
  }
  let activeCount = n;
  const deactivate = (c: number): void => {
    const p = position[c] as number;
    const last = activeList[activeCount - 1] as number;
    activeList[p] = last;
    position[last] = p;
    position[c] = -1;
    activeCount--;
  };

  // Union–find over original points; merges below the threshold are the only ones recorded.
  const parent = new Int32Array(n);
  for (let i = 0; i < n; i++) parent[i] = i;
  const find = (x: number): number => {
    let r = x;
    while (parent[r] !== r) r = parent[r] as number;
    while (parent[x] !== r) {
      const next = parent[x] as number;
      parent[x] = r;
      x = next;
    }
    return r;
  };

  // Groups given up front (the members of trends from earlier runs) are merged first, whatever their
  // distances: they are one cluster already. Average linkage then goes on from that partition, so a
  // new point joins a group when its mean distance to the group's members is within the threshold.
  const merge = (a: number, into: number): void => {
    const sa = size[a] as number;
    const sp = size[into] as number;
    const wa = sa / (sa + sp);
    const wp = sp / (sa + sp);
    for (let p = 0; p < activeCount; p++) {
      const c = activeList[p] as number;
      if (c === a || c === into) continue;
      const ip = condensedIndex(n, into, c);
      data[ip] = wa * (data[condensedIndex(n, a, c)] as number) + wp * (data[ip] as number);
    }
    size[into] = sa + sp;
    deactivate(a);
    parent[find(a)] = find(into);
  };
  const grouped = new Uint8Array(n);
  for (const group of initialGroups) {
    const head = group[0];
    if (head === undefined) continue;
    for (const m of group) {
      if (!(m >= 0 && m < n) || grouped[m]) throw new RangeError(`initial groups must be disjoint indexes below ${n}; bad ${m}`);
      grouped[m] = 1;
      if (m !== head) merge(m, head);
    }
  }

  const chain = new Int32Array(n);
  let chainLength = 0;
  while (activeCount > 1) {
    if (chainLength === 0) chain[chainLength++] = activeList[0] as number;
    const a = chain[chainLength - 1] as number;
    const prev = chainLength >= 2 ? (chain[chainLength - 2] as number) : -1;
    // Starting from the predecessor and replacing only on strictly smaller distances is what
    // guarantees the chain ends in a reciprocal pair even with ties.
    let best = prev >= 0 ? (data[condensedIndex(n, a, prev)] as number) : Infinity;
    let bestC = prev;
    for (let p = 0; p < activeCount; p++) {
      const c = activeList[p] as number;
      if (c === a) continue;
      const d = data[condensedIndex(n, a, c)] as number;
      if (d < best) {
        best = d;
        bestC = c;
      }
    }
    if (!(best <= threshold)) {
      // Under average linkage a cluster's distance to a merged pair is a weighted mean of its
      // distances to the parts, so the nearest distance never shrinks: `a` will never merge
      // below the threshold. Chain distances only decrease towards the top, so the same holds
      // for every cluster on the chain; retire them all (this is what makes a cut run fast).
      for (let k = 0; k < chainLength; k++) deactivate(chain[k] as number);
      chainLength = 0;
      continue;
    }
    if (bestC !== prev) {
      chain[chainLength++] = bestC;
      continue;
    }
    // Reciprocal nearest neighbours: merge `a` into `prev`, updating prev's row by Lance–Williams.
    merge(a, prev);
    chainLength -= 2;
  }

  const labelOfRoot = new Map<number, number>();
  const labels = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const root = find(i);
    let label = labelOfRoot.get(root);
    if (label === undefined) {
      label = labelOfRoot.size;
      labelOfRoot.set(root, label);
    }
    labels[i] = label;
  }
  return labels;
}
