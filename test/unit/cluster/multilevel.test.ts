import { averageLinkageLabels, cosineDistanceMatrix } from '../../../activities/cluster/agglomerative';
import { clusterEmbeddings, DEFAULT_CLUSTER_OPTIONS } from '../../../activities/cluster/cluster-embeddings';
import { adjustedRandIndex, noiseAsSingletons } from '../../../activities/cluster/metrics';
import { multilevelLabels, splitIntoBlocks } from '../../../activities/cluster/multilevel';
import { seededRandom as rng } from '../../../bench/lib/random';

const DIM = 32;
const gaussian = (r: () => number): number => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
const unit = (v: number[]): Float32Array => {
  const n = Math.hypot(...v);
  return Float32Array.from(v, (x) => x / n);
};

/** Blobs of unit vectors with a topic word each, then random points with one-off words. */
function blobs(sizes: number[], noise: number, seed: number) {
  const r = rng(seed);
  const vectors: Float32Array[] = [];
  const texts: string[] = [];
  const truth: number[] = [];
  sizes.forEach((size, b) => {
    const centre = Array.from({ length: DIM }, () => gaussian(r));
    for (let i = 0; i < size; i++) {
      vectors.push(unit(centre.map((x) => x + 0.3 * gaussian(r))));
      texts.push(`topic${b} headline ${i} extra${b}w${i}`);
      truth.push(b);
    }
  });
  for (let i = 0; i < noise; i++) {
    vectors.push(unit(Array.from({ length: DIM }, () => gaussian(r))));
    texts.push(`stray${i} event${i}`);
    truth.push(-1);
  }
  return { vectors, texts, truth };
}

type Labels = Parameters<typeof adjustedRandIndex>[0];
const sameGrouping = (a: Labels, b: Labels): void => expect(adjustedRandIndex(a, b)).toBe(1);

describe('average linkage over groups (weights)', () => {
  it('gives the same clusters from group means and sizes as from the items inside the groups', () => {
    const { vectors } = blobs([12, 9, 7], 6, 11);
    const groups = [[0, 1, 2, 3], [12, 13], [21, 22, 23], [28]];
    const grouped = new Set(groups.flat());
    const rest = vectors.map((_, i) => i).filter((i) => !grouped.has(i));
    const exact = averageLinkageLabels(cosineDistanceMatrix(vectors), 0.6, groups);
    // Each group becomes one point: its mean vector, weighted by its size.
    const parts = [...groups, ...rest.map((i) => [i])];
    const means = parts.map((p) => {
      const m = new Float32Array(DIM);
      for (const i of p) (vectors[i] as Float32Array).forEach((x, d) => (m[d] = (m[d] as number) + x / p.length));
      return m;
    });
    const byGroup = averageLinkageLabels(cosineDistanceMatrix(means), 0.6, [], parts.map((p) => p.length));
    const expanded = new Array<number>(vectors.length);
    parts.forEach((p, k) => p.forEach((i) => (expanded[i] = byGroup[k] as number)));
    sameGrouping(exact, expanded);
  });

  it('rejects a weight list of the wrong length', () => {
    expect(() => averageLinkageLabels(cosineDistanceMatrix(blobs([3], 0, 1).vectors), 0.5, [], [1, 1])).toThrow(RangeError);
  });
});

describe('splitIntoBlocks', () => {
  it('covers every point once, respects the size cap and keeps separated blobs apart', () => {
    const { vectors, truth } = blobs([30, 30, 30, 30], 0, 5);
    const blocks = splitIntoBlocks(vectors, vectors.map(() => 1), 40);
    expect(blocks.flat().sort((a, b) => a - b)).toEqual(vectors.map((_, i) => i));
    for (const block of blocks) {
      expect(block.length).toBeLessThanOrEqual(40);
      expect(new Set(block.map((i) => truth[i])).size).toBe(1);
    }
  });

  it('ends on identical points by halving', () => {
    const same = Array.from({ length: 50 }, () => unit([1, 2, 3]));
    const blocks = splitIntoBlocks(same, same.map(() => 1), 8);
    expect(blocks.every((b) => b.length <= 8)).toBe(true);
    expect(blocks.flat()).toHaveLength(50);
  });
});

describe('multilevel clustering (windows bigger than one block)', () => {
  it('finds the same stories as one exact matrix, over many small blocks', () => {
    const { vectors, texts, truth } = blobs([40, 30, 25, 12], 10, 7);
    const exact = clusterEmbeddings({ vectors, texts }, DEFAULT_CLUSTER_OPTIONS);
    const blocked = clusterEmbeddings({ vectors, texts }, { ...DEFAULT_CLUSTER_OPTIONS, blockSize: 16 });
    sameGrouping(noiseAsSingletons(exact.labels), noiseAsSingletons(blocked.labels));
    sameGrouping(truth.slice(0, 107), blocked.labels.slice(0, 107));
    expect(blocked.labels.slice(107)).toEqual(new Array(10).fill(-1));
  });

  it('merges parts of one story that start in different blocks', () => {
    // Blocks of 5 hold at most part of each 20-item blob: only a later level can join the parts, and
    // an item that shared its first block with the other story only joins through the final attach step.
    const { vectors, texts, truth } = blobs([20, 20], 0, 9);
    const labels = multilevelLabels(vectors, { lexical: [], times: undefined }, { ...DEFAULT_CLUSTER_OPTIONS, blockSize: 5 });
    sameGrouping(truth, labels);
    // The same through the whole clusterer.
    sameGrouping(truth, clusterEmbeddings({ vectors, texts }, { ...DEFAULT_CLUSTER_OPTIONS, blockSize: 5 }).labels);
  });

  it('starts from seeded trends exactly as the one-matrix path does, splitting a seed that holds two stories', () => {
    const { vectors, texts } = blobs([20, 20, 15], 0, 13);
    // Trend 1 held items of blobs 0 and 1 (two stories); trend 2 a few items of blob 2.
    const seeds = vectors.map((_, i) => (i < 3 || (i >= 20 && i < 23) ? 1 : i >= 40 && i < 44 ? 2 : null));
    const blocked = clusterEmbeddings({ vectors, texts, seeds }, { ...DEFAULT_CLUSTER_OPTIONS, blockSize: 8 });
    const exact = clusterEmbeddings({ vectors, texts, seeds }, DEFAULT_CLUSTER_OPTIONS);
    sameGrouping(noiseAsSingletons(exact.labels), noiseAsSingletons(blocked.labels));
    const label = (i: number): number => blocked.labels[i] as number;
    expect(label(0)).not.toBe(label(20));
    expect(new Set([20, 21, 22, 30, 39].map(label)).size).toBe(1);
    expect(new Set([40, 41, 43, 50, 54].map(label)).size).toBe(1);
  });

  it('is deterministic', () => {
    const { vectors, texts } = blobs([25, 25, 10], 8, 21);
    const o = { ...DEFAULT_CLUSTER_OPTIONS, blockSize: 12 };
    expect(clusterEmbeddings({ vectors, texts }, o)).toEqual(clusterEmbeddings({ vectors, texts }, o));
  });

  it('rejects a block size below 2', () => {
    expect(() => clusterEmbeddings(blobs([3], 0, 1), { blockSize: 1 })).toThrow(/blockSize/);
  });
});
