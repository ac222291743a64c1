import {
  averageLinkageLabels,
  condensedIndex,
  cosineDistanceMatrix,
  type DistanceMatrix,
} from '../../../activities/cluster/agglomerative';
import { adjustedRandIndex } from '../../../activities/cluster/metrics';
import { seededRandom as rng } from '../../../bench/lib/random';

function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

function unit(v: number[]): Float32Array {
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return Float32Array.from(v, (x) => x / norm);
}

/** `sizes.length` blobs of unit vectors around random centres; labels are the blob index. */
function blobs(sizes: number[], dim: number, spread: number, seed: number): { vectors: Float32Array[]; truth: number[] } {
  const random = rng(seed);
  const vectors: Float32Array[] = [];
  const truth: number[] = [];
  sizes.forEach((size, b) => {
    const centre = Array.from({ length: dim }, () => gaussian(random));
    for (let i = 0; i < size; i++) {
      vectors.push(unit(centre.map((x) => x + spread * gaussian(random))));
      truth.push(b);
    }
  });
  return { vectors, truth };
}

/**
 * Textbook average linkage (repeatedly merge the globally closest pair, O(n³)) as an oracle for
 * the nearest-neighbour-chain implementation.
 */
function naiveAverageLinkage(vectors: Float32Array[], threshold: number): number[] {
  const n = vectors.length;
  const full = cosineDistanceMatrix(vectors);
  const d = (i: number, j: number): number => full.data[condensedIndex(n, i, j)] as number;
  let clusters: number[][] = vectors.map((_, i) => [i]);
  for (;;) {
    let best = Infinity;
    let pair: [number, number] = [-1, -1];
    for (let a = 0; a < clusters.length; a++) {
      for (let b = a + 1; b < clusters.length; b++) {
        let sum = 0;
        for (const i of clusters[a] as number[]) for (const j of clusters[b] as number[]) sum += d(i, j);
        const avg = sum / ((clusters[a] as number[]).length * (clusters[b] as number[]).length);
        if (avg < best) {
          best = avg;
          pair = [a, b];
        }
      }
    }
    if (!(best <= threshold)) break;
    const [a, b] = pair;
    const merged = [...(clusters[a] as number[]), ...(clusters[b] as number[])];
    clusters = clusters.filter((_, k) => k !== a && k !== b).concat([merged]);
  }
  const labels = new Array<number>(n).fill(-1);
  clusters.forEach((c, k) => c.forEach((i) => (labels[i] = k)));
  return labels;
}

describe('condensedIndex', () => {
  it('enumerates the upper triangle row by row, symmetric in its arguments', () => {
    const n = 5;
    const seen: number[] = [];
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) seen.push(condensedIndex(n, i, j));
    expect(seen).toEqual(Array.from({ length: (n * (n - 1)) / 2 }, (_, k) => k));
    expect(condensedIndex(n, 3, 1)).toBe(condensedIndex(n, 1, 3));
  });
});

describe('cosineDistanceMatrix', () => {
  it('holds 1 − cosine for every pair', () => {
    const vectors = [unit([1, 0]), unit([0, 1]), unit([1, 1]), unit([-1, 0])];
    const m = cosineDistanceMatrix(vectors);
    expect(m.data[condensedIndex(4, 0, 1)]).toBeCloseTo(1, 6);
    expect(m.data[condensedIndex(4, 0, 2)]).toBeCloseTo(1 - Math.SQRT1_2, 6);
    expect(m.data[condensedIndex(4, 0, 3)]).toBeCloseTo(2, 6);
  });

  it('fills every entry when n spans several tiles', () => {
    const { vectors } = blobs([70, 70], 8, 0.5, 3);
    const m = cosineDistanceMatrix(vectors);
    expect(m.data.every((x) => x !== 0)).toBe(true);
  });
});

describe('averageLinkageLabels', () => {
  it('recovers well separated blobs of unit vectors', () => {
    const { vectors, truth } = blobs([40, 25, 10, 5], 64, 0.3, 1);
    const labels = averageLinkageLabels(cosineDistanceMatrix(vectors), 0.5);
    expect(adjustedRandIndex(truth, labels)).toBe(1);
  });

  it('gives the same partition as the textbook O(n³) algorithm at every cut', () => {
    // Overlapping blobs, so that merges happen at many different heights.
    const { vectors } = blobs([12, 10, 8, 6, 4], 6, 1.2, 7);
    for (const threshold of [0.05, 0.2, 0.4, 0.6, 0.8, 1.0, 1.5]) {
      const expected = naiveAverageLinkage(vectors, threshold);
      const actual = averageLinkageLabels(cosineDistanceMatrix(vectors), threshold);
      expect({ threshold, ari: adjustedRandIndex(expected, actual) }).toEqual({ threshold, ari: 1 });
    }
  });

  it('keeps every point alone below the smallest distance and merges all above the largest', () => {
    const { vectors } = blobs([5, 5], 16, 0.3, 2);
    expect(new Set(averageLinkageLabels(cosineDistanceMatrix(vectors), 0)).size).toBe(10);
    expect(new Set(averageLinkageLabels(cosineDistanceMatrix(vectors), 2)).size).toBe(1);
  });

  it('handles 0, 1 and 2 points', () => {
    expect(averageLinkageLabels({ n: 0, data: new Float32Array(0) }, 0.5)).toEqual([]);
    expect(averageLinkageLabels({ n: 1, data: new Float32Array(0) }, 0.5)).toEqual([0]);
    expect(averageLinkageLabels({ n: 2, data: Float32Array.of(0.4) }, 0.5)).toEqual([0, 0]);
    expect(averageLinkageLabels({ n: 2, data: Float32Array.of(0.6) }, 0.5)).toEqual([0, 1]);
  });

  it('rejects a matrix of the wrong size', () => {
    const bad: DistanceMatrix = { n: 4, data: new Float32Array(5) };
    expect(() => averageLinkageLabels(bad, 0.5)).toThrow(RangeError);
  });

  it('clusters 2,000 points in well under a few seconds', () => {
    const { vectors, truth } = blobs(Array.from({ length: 40 }, () => 50), 128, 0.4, 5);
    const start = Date.now();
    const labels = averageLinkageLabels(cosineDistanceMatrix(vectors), 0.5);
    expect(Date.now() - start).toBeLessThan(5000);
    expect(adjustedRandIndex(truth, labels)).toBe(1);
  });
});
