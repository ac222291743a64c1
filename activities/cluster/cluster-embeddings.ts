/**
 * The clustering stage's pure logic: one window of embedded items in, labelled clusters with
 * keywords and representatives out. No I/O, no randomness: the same input gives the same result.
 *
 * Pipeline: blended cosine distance (sentence embedding and TF-IDF of the text, half each, plus a
 * small penalty for items far apart in time) → average-linkage agglomerative cut at a distance
 * threshold, starting from the trends of earlier runs (`seeds`) as ready-made clusters → small new
 * clusters become noise → seeded clusters whose members no longer hold together split → noise
 * points close enough to a cluster centroid rejoin it → renumber largest first → c-TF-IDF
 * keywords, representatives and cohesion.
 */
import { averageLinkageLabels, dot } from './agglomerative';
import { blendedDistances, type DistanceSignals } from './distances';
import { classTfIdf, tfidfVectors, tokenize } from './keywords';
import { multilevelLabels } from './multilevel';
import type { ClusterInput, ClusterOptions, ClusterResult, KeywordScore } from './types';
import { NOISE_LABEL } from './metrics';

/**
 * Defaults measured on the dev news split (bench/cluster-quality.ts; results in
 * bench/results/cluster-quality.json). The threshold is the low end of the measured optimum
 * (0.72–0.74): below it stories only split, above it unrelated stories merge, which costs more;
 * 0.72 was also at or near the best on each half and quarter of the data.
 */
export const DEFAULT_CLUSTER_OPTIONS: Required<ClusterOptions> = {
  // Three headlines already make a story worth tracking in a live feed.
  minClusterSize: 3,
  topKeywords: 10,
  topRepresentatives: 5,
  distanceThreshold: 0.72,
  // Embeddings alone: NMI 0.86 / ARI 0.72 at their best threshold; blended half and half: 0.90 / 0.83.
  lexicalWeight: 0.5,
  // The 5% quantile rather than the minimum, so one odd member does not open a cluster to everything.
  reassignQuantile: 0.05,
  keywordBigrams: false,
  splitSeeded: true,
  // Headlines a day or more apart need 0.1 more similarity to count as one story: news comes in
  // bursts. Measured on the dev split (bench/cluster-quality.ts, "time proximity"): NMI 0.899 → 0.912,
  // ARI 0.829 → 0.855 at the same threshold, and better on every half of the data too.
  timeWeight: 0.1,
  timeScaleMs: 24 * 3_600_000,
  // Windows up to this size get one exact matrix; bigger ones are clustered in blocks of this size,
  // level by level (multilevel.ts). Measured (bench/cluster-scaling.ts): on the dev split blocks of
  // 1,000 score NMI 0.911 / ARI 0.864 against 0.912 / 0.857 exact; at 10k resampled items 2.8 s
  // against 7.2 s with blocks of 3,000, same scores, and time grows about linearly with n.
  blockSize: 1000,
};

function compileOptions(options: Partial<ClusterOptions>): Required<ClusterOptions> {
  // Keys present but undefined (typical of parsed config) fall back to the default too.
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  const o: Required<ClusterOptions> = { ...DEFAULT_CLUSTER_OPTIONS, ...given };
  const check = (ok: boolean, what: string): void => {
    if (!ok) throw new TypeError(`invalid cluster option: ${what}`);
  };
  check(Number.isInteger(o.minClusterSize) && o.minClusterSize >= 1, `minClusterSize ${o.minClusterSize} must be an integer ≥ 1`);
  check(Number.isInteger(o.topKeywords) && o.topKeywords >= 0, `topKeywords ${o.topKeywords} must be an integer ≥ 0`);
  check(Number.isInteger(o.topRepresentatives) && o.topRepresentatives >= 0, `topRepresentatives ${o.topRepresentatives} must be an integer ≥ 0`);
  check(o.distanceThreshold >= 0 && o.distanceThreshold <= 2, `distanceThreshold ${o.distanceThreshold} must be in [0, 2]`);
  check(o.lexicalWeight >= 0 && o.lexicalWeight <= 1, `lexicalWeight ${o.lexicalWeight} must be in [0, 1]`);
  check(o.reassignQuantile <= 1 && !Number.isNaN(o.reassignQuantile), `reassignQuantile ${o.reassignQuantile} must be ≤ 1`);
  check(o.timeWeight >= 0 && o.timeWeight <= 1, `timeWeight ${o.timeWeight} must be in [0, 1]`);
  check(o.timeScaleMs > 0, `timeScaleMs ${o.timeScaleMs} must be positive`);
  check(Number.isInteger(o.blockSize) && o.blockSize >= 2, `blockSize ${o.blockSize} must be an integer ≥ 2`);
  return o;
}

function validateInput(input: ClusterInput): void {
  if (input.vectors.length !== input.texts.length) {
    throw new TypeError(`ClusterInput has ${input.vectors.length} vectors but ${input.texts.length} texts`);
  }
  if (input.times !== undefined && (input.times.length !== input.vectors.length || !input.times.every(Number.isFinite))) {
    throw new TypeError(`ClusterInput needs one finite time per vector (${input.vectors.length}), got ${input.times.length}`);
  }
  if (input.seeds !== undefined && input.seeds.length !== input.vectors.length) {
    throw new TypeError(`ClusterInput has ${input.vectors.length} vectors but ${input.seeds.length} seeds`);
  }
  const dim = input.vectors[0]?.length ?? 0;
  input.vectors.forEach((v, i) => {
    if (v.length !== dim) throw new TypeError(`vector ${i} has ${v.length} dimensions, expected ${dim}`);
  });
}

/**
 * Average-linkage labels over `subset` (all points when omitted): one exact matrix when it fits in
 * a block, else the multilevel approximation. `seeded` groups are only given for the whole window.
 */
function linkageLabels(
  vectors: readonly Float32Array[],
  signals: DistanceSignals,
  o: Required<ClusterOptions>,
  seeded: readonly (readonly number[])[],
  subset?: readonly number[],
): number[] {
  const size = subset?.length ?? vectors.length;
  if (size <= o.blockSize) return averageLinkageLabels(blendedDistances(vectors, signals, o, subset), o.distanceThreshold, seeded);
  return multilevelLabels(vectors, signals, o, seeded, subset);
}

/** Index lists of the items that share a seed, in order of first appearance. */
function seedGroups(seeds: ClusterInput['seeds']): number[][] {
  const byKey = new Map<number, number[]>();
  seeds?.forEach((key, i) => {
    if (key === null || key === undefined) return;
    let g = byKey.get(key);
    if (g === undefined) byKey.set(key, (g = []));
    g.push(i);
  });
  return [...byKey.values()];
}

/**
 * Splits a cluster that holds earlier trends when its own members, clustered alone at the same
 * threshold, fall into two or more groups of at least `minSize`: seeding keeps old members
 * together unconditionally, so this is where a story that has since diverged comes apart.
 * Parts below `minSize` stay with the largest part. Returns the parts, largest first.
 */
function splitParts(
  members: readonly number[],
  vectors: readonly Float32Array[],
  signals: DistanceSignals,
  o: Required<ClusterOptions>,
): number[][] {
  if (members.length < 2 * o.minClusterSize) return [members.slice()];
  const local = linkageLabels(vectors, signals, o, [], members);
  const parts = groupsLargestFirst(local).map((g) => g.map((k) => members[k] as number));
  const big = parts.filter((g) => g.length >= o.minClusterSize);
  if (big.length < 2) return [members.slice()];
  const rest = parts.filter((g) => g.length < o.minClusterSize).flat();
  (big[0] as number[]).push(...rest);
  return big;
}

/** Normalised mean vector of the members (zero vector if they cancel out). */
function centroidOf(vectors: readonly Float32Array[], members: readonly number[]): Float32Array {
  const dim = vectors[0]?.length ?? 0;
  const c = new Float32Array(dim);
  for (const m of members) {
    const v = vectors[m] as Float32Array;
    for (let k = 0; k < dim; k++) c[k] = (c[k] as number) + (v[k] as number);
  }
  const norm = Math.sqrt(dot(c, c));
  if (norm > 0) for (let k = 0; k < dim; k++) c[k] = (c[k] as number) / norm;
  return c;
}

/** Value at quantile q of ascending-sorted values (nearest rank, so it is a real member's value). */
function quantileOfSorted(sorted: readonly number[], q: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.floor(q * (sorted.length - 1))));
  return sorted[i] as number;
}

/** Groups indexes by label, dropping noise; groups ordered largest first, ties by first member. */
function groupsLargestFirst(labels: readonly number[]): number[][] {
  const byLabel = new Map<number, number[]>();
  labels.forEach((label, i) => {
    if (label === NOISE_LABEL) return;
    let g = byLabel.get(label);
    if (g === undefined) byLabel.set(label, (g = []));
    g.push(i);
  });
  return [...byLabel.values()].sort((a, b) => b.length - a.length || (a[0] as number) - (b[0] as number));
}

/**
 * Noise points join the cluster whose centroid is nearest, when they are at least as similar to
 * it as that cluster's own members typically are (the member similarity at `quantile`). This
 * rescues headlines that average linkage left out, without pulling in unrelated items.
 * Centroids and thresholds come from the clusters before any reassignment, so the result does
 * not depend on the order in which noise points are visited.
 */
function reassignNoise(vectors: readonly Float32Array[], labels: number[], quantile: number): void {
  const groups = groupsLargestFirst(labels);
  const centroids = groups.map((g) => centroidOf(vectors, g));
  const thresholds = groups.map((g, c) => {
    const sims = g.map((m) => dot(vectors[m] as Float32Array, centroids[c] as Float32Array)).sort((a, b) => a - b);
    return quantileOfSorted(sims, quantile);
  });
  const clusterLabel = groups.map((g) => labels[g[0] as number] as number);
  const moves: Array<[number, number]> = [];
  labels.forEach((label, i) => {
    if (label !== NOISE_LABEL) return;
    let best = -Infinity;
    let bestC = -1;
    centroids.forEach((centroid, c) => {
      const s = dot(vectors[i] as Float32Array, centroid);
      if (s > best) {
        best = s;
        bestC = c;
      }
    });
    if (bestC >= 0 && best >= (thresholds[bestC] as number)) moves.push([i, clusterLabel[bestC] as number]);
  });
  for (const [i, label] of moves) labels[i] = label;
}

/** Clusters one window of unit-length embeddings; see the module comment for the steps. */
export function clusterEmbeddings(input: ClusterInput, options: Partial<ClusterOptions> = {}): ClusterResult {
  validateInput(input);
  const o = compileOptions(options);
  const { vectors, texts } = input;
  const n = vectors.length;
  const tokens = texts.map((t) => tokenize(t));

  const signals: DistanceSignals = { lexical: o.lexicalWeight > 0 ? tfidfVectors(tokens) : [], times: input.times };
  const seeded = seedGroups(input.seeds);
  let labels = n === 0 ? [] : n === 1 ? [0] : linkageLabels(vectors, signals, o, seeded);
  // A cluster holding an earlier trend is kept whatever its size: the trend exists already.
  const sizes = new Map<number, number>();
  const hasSeed = new Set<number>();
  labels.forEach((l, i) => {
    sizes.set(l, (sizes.get(l) ?? 0) + 1);
    const seed = input.seeds?.[i];
    if (seed !== null && seed !== undefined) hasSeed.add(l);
  });
  labels = labels.map((l) => ((sizes.get(l) as number) >= o.minClusterSize || hasSeed.has(l) ? l : NOISE_LABEL));
  if (o.splitSeeded && seeded.length > 0) {
    let nextLabel = n;
    for (const g of groupsLargestFirst(labels)) {
      if (!hasSeed.has(labels[g[0] as number] as number)) continue;
      for (const part of splitParts(g, vectors, signals, o).slice(1)) {
        const label = nextLabel++;
        for (const m of part) labels[m] = label;
      }
    }
  }
  if (o.reassignQuantile >= 0) reassignNoise(vectors, labels, o.reassignQuantile);

  // Renumber 0..k-1, largest first.
  const groups = groupsLargestFirst(labels);
  const finalLabels = new Array<number>(n).fill(NOISE_LABEL);
  groups.forEach((g, c) => g.forEach((m) => (finalLabels[m] = c)));

  // Noise stays in the c-TF-IDF matrix as one extra class, as BERTopic keeps topic -1: words
  // common in noise then lose idf instead of becoming keywords.
  const keywordTokens = o.keywordBigrams ? texts.map((t) => tokenize(t, { bigrams: true })) : tokens;
  const classes = groups.map((g) => g.map((m) => keywordTokens[m] as string[]));
  const noise = finalLabels.flatMap((l, i) => (l === NOISE_LABEL ? [keywordTokens[i] as string[]] : []));
  if (noise.length > 0) classes.push(noise);
  const keywords: KeywordScore[][] = classTfIdf(classes, o.topKeywords);

  return {
    labels: finalLabels,
    clusters: groups.map((members, label) => {
      const centroid = centroidOf(vectors, members);
      const sims = members.map((m) => ({ m, s: dot(vectors[m] as Float32Array, centroid) }));
      const cohesion = sims.reduce((sum, x) => sum + x.s, 0) / sims.length;
      sims.sort((a, b) => b.s - a.s || a.m - b.m);
      return {
        label,
        members,
        keywords: keywords[label] ?? [],
        representatives: sims.slice(0, o.topRepresentatives).map((x) => x.m),
        cohesion,
      };
    }),
  };
}
