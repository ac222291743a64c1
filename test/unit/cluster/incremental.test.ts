import { averageLinkageLabels, cosineDistanceMatrix } from '../../../activities/cluster/agglomerative';
import { clusterEmbeddings, DEFAULT_CLUSTER_OPTIONS } from '../../../activities/cluster/cluster-embeddings';
import { planIdentity } from '../../../activities/cluster/identity';
import { adjustedRandIndex, NOISE_LABEL } from '../../../activities/cluster/metrics';
import { seededRandom as rng } from '../../../bench/lib/random';

const gaussian = (random: () => number): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
const unit = (v: number[]): Float32Array => {
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return Float32Array.from(v, (x) => x / norm);
};
const DIM = 48;
const WORDS = ['snowden', 'marijuana', 'carney', 'zimmerman', 'cosmos', 'plosser'];

/** `sizes[b]` points around blob b, in blob order; texts share the blob's word. */
function blobs(sizes: number[], seed: number) {
  const random = rng(seed);
  const centres = sizes.map(() => Array.from({ length: DIM }, () => gaussian(random)));
  const vectors: Float32Array[] = [];
  const texts: string[] = [];
  const truth: number[] = [];
  sizes.forEach((size, b) => {
    for (let i = 0; i < size; i++) {
      vectors.push(unit((centres[b] as number[]).map((x) => x + 0.35 * gaussian(random))));
      texts.push(`${WORDS[b % WORDS.length]} report ${b}x${i}`);
      truth.push(b);
    }
  });
  return { vectors, texts, truth };
}

describe('averageLinkageLabels with initial groups', () => {
  const line = [unit([1, 0]), unit([1, 0.05]), unit([0, 1]), unit([0.05, 1]), unit([0.8, 0.6])];

  it('keeps an initial group together however far apart its members are', () => {
    expect(new Set(averageLinkageLabels(cosineDistanceMatrix(line), 0.0001)).size).toBe(5);
    const labels = averageLinkageLabels(cosineDistanceMatrix(line), 0.0001, [[0, 2]]);
    expect(labels[0]).toBe(labels[2]);
    expect(new Set(labels).size).toBe(4);
  });

  it('lets a point join a group only when its mean distance to the members is within the threshold', () => {
    // Point 4 is 0.19 from group {0,1} on average and 0.38 from {2,3}.
    const labels = averageLinkageLabels(cosineDistanceMatrix(line), 0.3, [[0, 1], [2, 3]]);
    expect(labels[0]).toBe(labels[1]);
    expect(labels[4]).toBe(labels[0]);
    expect(labels[2]).toBe(labels[3]);
    expect(labels[0]).not.toBe(labels[2]);
    const strict = averageLinkageLabels(cosineDistanceMatrix(line), 0.15, [[0, 1], [2, 3]]);
    expect(new Set(strict).size).toBe(3);
  });

  it('rejects overlapping or out-of-range groups', () => {
    expect(() => averageLinkageLabels(cosineDistanceMatrix(line), 0.3, [[0, 1], [1, 2]])).toThrow(RangeError);
    expect(() => averageLinkageLabels(cosineDistanceMatrix(line), 0.3, [[0, 9]])).toThrow(RangeError);
  });
});

describe('clusterEmbeddings with seeds (the trends of earlier runs)', () => {
  it('gives the unseeded result when no item has a seed', () => {
    const { vectors, texts } = blobs([8, 6, 5], 1);
    const plain = clusterEmbeddings({ vectors, texts });
    expect(clusterEmbeddings({ vectors, texts, seeds: vectors.map(() => null) })).toEqual(plain);
  });

  it('adds new items of a known story to its seed, makes a new story a new cluster, and never drops a small seed', () => {
    const { vectors, texts } = blobs([8, 6, 2], 2);
    // Items 0-3 were trend 7 and items 14-15 (a pair, below minClusterSize) trend 9; the rest is new.
    const seeds = vectors.map((_, i) => (i < 4 ? 7 : i >= 14 ? 9 : null));
    const result = clusterEmbeddings({ vectors, texts, seeds }, { ...DEFAULT_CLUSTER_OPTIONS, reassignQuantile: -1 });
    const label = (i: number) => result.labels[i] as number;
    for (let i = 0; i < 8; i++) expect(label(i)).toBe(label(0));
    for (let i = 8; i < 14; i++) expect(label(i)).toBe(label(8));
    expect(label(8)).not.toBe(label(0));
    expect(label(14)).not.toBe(NOISE_LABEL);
    expect(label(15)).toBe(label(14));
    const unseeded = clusterEmbeddings({ vectors, texts }, { ...DEFAULT_CLUSTER_OPTIONS, reassignQuantile: -1 });
    expect(unseeded.labels.slice(14)).toEqual([NOISE_LABEL, NOISE_LABEL]);
  });

  it('splits a seeded cluster whose members form two stories, unless told not to', () => {
    const { vectors, texts } = blobs([6, 6], 3);
    const seeds = vectors.map(() => 4);
    const split = clusterEmbeddings({ vectors, texts, seeds });
    expect(adjustedRandIndex([0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1], split.labels)).toBe(1);
    const kept = clusterEmbeddings({ vectors, texts, seeds }, { ...DEFAULT_CLUSTER_OPTIONS, splitSeeded: false });
    expect(new Set(kept.labels)).toEqual(new Set([0]));
  });

  it('rejects seeds that do not match the vectors', () => {
    const { vectors, texts } = blobs([3], 4);
    expect(() => clusterEmbeddings({ vectors, texts, seeds: [1] })).toThrow(TypeError);
  });
});

describe('clusterEmbeddings with item times', () => {
  // Two groups of identical vectors at cosine 0.4 (distance 0.6), words unrelated, so only time separates them.
  const a = unit([1, 0]);
  const b = unit([0.4, Math.sqrt(1 - 0.16)]);
  const vectors = [a, a, a, b, b, b];
  const texts = ['one', 'two', 'three', 'four', 'five', 'six'];
  const options = { ...DEFAULT_CLUSTER_OPTIONS, lexicalWeight: 0, distanceThreshold: 0.65, reassignQuantile: -1 };
  const DAY = 86_400_000;

  it('keeps look-alike bursts a day or more apart as separate stories, and merges them when close in time', () => {
    const apart = clusterEmbeddings({ vectors, texts, times: [0, 0, 0, 2 * DAY, 2 * DAY, 2 * DAY] }, options);
    expect(new Set(apart.labels).size).toBe(2);
    const close = clusterEmbeddings({ vectors, texts, times: [0, 0, 0, DAY / 24, DAY / 24, DAY / 24] }, options);
    expect(new Set(close.labels).size).toBe(1);
    const ignored = clusterEmbeddings({ vectors, texts, times: [0, 0, 0, 2 * DAY, 2 * DAY, 2 * DAY] }, { ...options, timeWeight: 0 });
    expect(new Set(ignored.labels).size).toBe(1);
  });

  it('rejects times that do not match the vectors', () => {
    expect(() => clusterEmbeddings({ vectors, texts, times: [0] }, options)).toThrow(TypeError);
    expect(() => clusterEmbeddings({ vectors, texts, times: [0, 0, 0, 0, 0, Number.NaN] }, options)).toThrow(TypeError);
  });
});

describe('planIdentity', () => {
  it('continues, creates, merges and splits by where most of each trend went', () => {
    //            items: 0   1   2   3   4     5     6   7   8   9   10  11
    const previous = [10, 10, 10, 11, 11, null, null, 12, 12, 12, 12, 13];
    const labels = [0, 0, 0, 0, 0, 1, 1, 2, 2, 3, 3, NOISE_LABEL];
    const plan = planIdentity(previous, labels);
    expect(plan.clusters).toEqual([
      // 10 has 3 members here, 11 has 2: 10 continues and absorbs 11.
      { label: 0, continues: 10, absorbs: [11], splitFrom: null },
      { label: 1, continues: null, absorbs: [], splitFrom: null },
      // 12 is split 2/2: the tie goes to the smaller label (the larger cluster); the rest splits off.
      { label: 2, continues: 12, absorbs: [], splitFrom: null },
      { label: 3, continues: null, absorbs: [], splitFrom: 12 },
    ]);
    // 13's only window member is noise now.
    expect(plan.orphaned).toEqual([13]);
  });

  it('rejects arrays of different lengths', () => {
    expect(() => planIdentity([1], [0, 0])).toThrow(RangeError);
  });
});

describe('incremental runs over a stream of stories', () => {
  it('end with the partition of one run over everything and keep every trend id', () => {
    const { vectors, texts, truth } = blobs([9, 7, 8, 6, 10, 5], 5);
    // Arrival order interleaves stories; four runs each see everything so far (window "all").
    const order = vectors.map((_, i) => i).sort((a, b) => ((a * 7919) % 53) - ((b * 7919) % 53));
    const trendOf = new Map<number, number>();
    let nextId = 1;
    let alive: number[] = [];
    for (let k = 1; k <= 4; k++) {
      const window = order.slice(0, Math.round((k * order.length) / 4));
      const seeds = window.map((i) => trendOf.get(i) ?? null);
      const result = clusterEmbeddings({ vectors: window.map((i) => vectors[i] as Float32Array), texts: window.map((i) => texts[i] as string), seeds });
      const plan = planIdentity(seeds, result.labels);
      const idOf = new Map(plan.clusters.map((c) => [c.label, c.continues ?? nextId++]));
      const merged = plan.clusters.flatMap((c) => c.absorbs);
      window.forEach((item, w) => {
        const label = result.labels[w] as number;
        if (label === NOISE_LABEL) trendOf.delete(item);
        else trendOf.set(item, idOf.get(label) as number);
      });
      const now = [...new Set(trendOf.values())];
      expect(alive.filter((id) => !now.includes(id) && !merged.includes(id))).toEqual([]);
      alive = now;
    }
    const final = vectors.map((_, i) => trendOf.get(i) ?? NOISE_LABEL);
    const single = clusterEmbeddings({ vectors, texts });
    expect(adjustedRandIndex(truth, final)).toBe(adjustedRandIndex(truth, single.labels));
    expect(adjustedRandIndex(truth, final)).toBe(1);
  });
});
