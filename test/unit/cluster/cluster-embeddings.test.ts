import { clusterEmbeddings, DEFAULT_CLUSTER_OPTIONS } from '../../../activities/cluster/cluster-embeddings';
import { adjustedRandIndex, noiseAsSingletons } from '../../../activities/cluster/metrics';
import type { ClusterInput } from '../../../activities/cluster/types';
import { seededRandom as rng } from '../../../bench/lib/random';

const gaussian = (random: () => number): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());

function unit(v: number[]): Float32Array {
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return Float32Array.from(v, (x) => x / norm);
}

const DIM = 48;
const TOPICS = ['snowden', 'marijuana', 'carney', 'zimmerman', 'cosmos'];

/**
 * Blobs of unit vectors with headlines that share the blob's topic word, followed by `noise`
 * random vectors with unrelated one-off words. Truth labels: blob index, -1 for noise.
 */
function fixture(sizes: number[], noise: number, seed: number): { input: ClusterInput; truth: number[]; centres: number[][] } {
  const random = rng(seed);
  const vectors: Float32Array[] = [];
  const texts: string[] = [];
  const truth: number[] = [];
  const centres = sizes.map(() => Array.from({ length: DIM }, () => gaussian(random)));
  sizes.forEach((size, b) => {
    for (let i = 0; i < size; i++) {
      vectors.push(unit((centres[b] as number[]).map((x) => x + 0.35 * gaussian(random))));
      texts.push(`${TOPICS[b % TOPICS.length]} report number ${b}${i} word${b}x${i}`);
      truth.push(b);
    }
  });
  for (let i = 0; i < noise; i++) {
    vectors.push(unit(Array.from({ length: DIM }, () => gaussian(random))));
    texts.push(`unrelated${i} happening${i}`);
    truth.push(-1);
  }
  return { input: { vectors, texts }, truth, centres };
}

describe('clusterEmbeddings', () => {
  it('recovers the blobs, leaves random points as noise and numbers clusters largest first', () => {
    const { input, truth } = fixture([10, 30, 20], 8, 1);
    const result = clusterEmbeddings(input, DEFAULT_CLUSTER_OPTIONS);
    expect(result.labels.slice(60)).toEqual(new Array(8).fill(-1));
    expect(adjustedRandIndex(truth.slice(0, 60), result.labels.slice(0, 60))).toBe(1);
    expect(result.clusters.map((c) => c.members.length)).toEqual([30, 20, 10]);
    expect(result.clusters.map((c) => c.label)).toEqual([0, 1, 2]);
    result.clusters.forEach((c) => c.members.forEach((m) => expect(result.labels[m]).toBe(c.label)));
  });

  it('names each cluster by its distinguishing word and orders representatives by centrality', () => {
    const { input } = fixture([10, 30, 20], 0, 2);
    const result = clusterEmbeddings(input, { ...DEFAULT_CLUSTER_OPTIONS, topKeywords: 3, topRepresentatives: 4 });
    expect(result.clusters.map((c) => c.keywords[0]?.term)).toEqual(['marijuana', 'carney', 'snowden']);
    for (const c of result.clusters) {
      expect(c.keywords).toHaveLength(3);
      expect(c.representatives).toHaveLength(4);
      const centroid = new Float32Array(DIM);
      for (const m of c.members) (input.vectors[m] as Float32Array).forEach((x, k) => (centroid[k] = (centroid[k] as number) + x));
      const norm = Math.hypot(...centroid);
      const cos = (m: number): number => (input.vectors[m] as Float32Array).reduce((s, x, k) => s + (x * (centroid[k] as number)) / norm, 0);
      const sims = c.representatives.map(cos);
      expect([...sims].sort((a, b) => b - a)).toEqual(sims);
      expect(Math.max(...c.members.map(cos))).toBeCloseTo(sims[0] as number, 5);
      expect(c.cohesion).toBeCloseTo(c.members.reduce((s, m) => s + cos(m), 0) / c.members.length, 5);
    }
  });

  it('turns clusters smaller than minClusterSize into noise', () => {
    const { input } = fixture([12, 2], 0, 3);
    const small = clusterEmbeddings(input, { ...DEFAULT_CLUSTER_OPTIONS, minClusterSize: 3, reassignQuantile: -1 });
    expect(small.labels.slice(12)).toEqual([-1, -1]);
    expect(small.clusters).toHaveLength(1);
    const pairsAllowed = clusterEmbeddings(input, { ...DEFAULT_CLUSTER_OPTIONS, minClusterSize: 2 });
    expect(pairsAllowed.labels.slice(12)).toEqual([1, 1]);
  });

  it('lets a noise point rejoin the cluster whose centroid it matches in embedding space', () => {
    // Clustered on words alone (lexicalWeight 1), the reworded headline shares nothing with its
    // story and is left out; its embedding is the story's centroid, so reassignment brings it back.
    const { input, centres } = fixture([10], 1, 4);
    input.vectors.push(unit(centres[0] as number[]));
    input.texts.push('completely different wording');
    const options = { ...DEFAULT_CLUSTER_OPTIONS, lexicalWeight: 1, distanceThreshold: 0.9 };
    const without = clusterEmbeddings(input, { ...options, reassignQuantile: -1 });
    const withReassign = clusterEmbeddings(input, options);
    expect(without.labels.slice(10)).toEqual([-1, -1]);
    // The random point stays noise; the reworded one rejoins.
    expect(withReassign.labels.slice(10)).toEqual([-1, 0]);
    expect(withReassign.clusters[0]?.members).toHaveLength(11);
  });

  it('is deterministic and finds the same partition whatever the input order', () => {
    const { input } = fixture([15, 15, 8], 6, 5);
    const first = clusterEmbeddings(input, DEFAULT_CLUSTER_OPTIONS);
    expect(clusterEmbeddings(input, DEFAULT_CLUSTER_OPTIONS)).toEqual(first);
    const order = input.vectors.map((_, i) => i).reverse();
    const reversed = clusterEmbeddings(
      { vectors: order.map((i) => input.vectors[i] as Float32Array), texts: order.map((i) => input.texts[i] as string) },
      DEFAULT_CLUSTER_OPTIONS,
    );
    const back = order.map((_, k) => reversed.labels[order.indexOf(k)] as number);
    // Equal-sized clusters are numbered by first member, so only the names may differ.
    expect(adjustedRandIndex(noiseAsSingletons(first.labels), back)).toBe(1);
    expect(back.map((l) => l === -1)).toEqual(first.labels.map((l) => l === -1));
  });

  it('handles empty and one-item windows', () => {
    expect(clusterEmbeddings({ vectors: [], texts: [] }, DEFAULT_CLUSTER_OPTIONS)).toEqual({ labels: [], clusters: [] });
    const one = clusterEmbeddings({ vectors: [unit([1, 0])], texts: ['alone'] }, DEFAULT_CLUSTER_OPTIONS);
    expect(one.labels).toEqual([-1]);
    const kept = clusterEmbeddings({ vectors: [unit([1, 0])], texts: ['alone'] }, { ...DEFAULT_CLUSTER_OPTIONS, minClusterSize: 1 });
    expect(kept.clusters[0]?.members).toEqual([0]);
  });

  it('rejects mismatched input and invalid options with a TypeError', () => {
    const vectors = [unit([1, 0]), unit([0, 1])];
    expect(() => clusterEmbeddings({ vectors, texts: ['one'] }, DEFAULT_CLUSTER_OPTIONS)).toThrow(TypeError);
    expect(() => clusterEmbeddings({ vectors: [unit([1, 0]), unit([1, 0, 0])], texts: ['a', 'b'] }, DEFAULT_CLUSTER_OPTIONS)).toThrow(TypeError);
    expect(() => clusterEmbeddings({ vectors, texts: ['a', 'b'] }, { ...DEFAULT_CLUSTER_OPTIONS, minClusterSize: 0 })).toThrow(/minClusterSize/);
    expect(() => clusterEmbeddings({ vectors, texts: ['a', 'b'] }, { ...DEFAULT_CLUSTER_OPTIONS, lexicalWeight: 2 })).toThrow(/lexicalWeight/);
  });

  it('falls back to the default for options given as undefined', () => {
    const { input } = fixture([6, 6], 0, 6);
    const fromConfig = { minClusterSize: 3, topKeywords: 5, topRepresentatives: 2, distanceThreshold: undefined, lexicalWeight: undefined };
    expect(clusterEmbeddings(input, fromConfig)).toEqual(clusterEmbeddings(input, { ...DEFAULT_CLUSTER_OPTIONS, topKeywords: 5, topRepresentatives: 2 }));
  });
});
