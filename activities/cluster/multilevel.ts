/**
 * Average linkage for windows too big for one distance matrix (10k items = 200 MB and ~20 s;
 * 100k items would need 20 GB).
 *
 * Level by level: split the current groups into blocks of at most `blockSize` similar groups
 * (recursive spherical 2-means on their mean embeddings), run exact average linkage inside each
 * block at the usual threshold, and carry the groups that merged to the next level, where blocks
 * are formed again from the new centroids, so parts of one story that fell into different blocks
 * meet and merge there. A group's summed embedding and TF-IDF vectors give its exact mean pairwise
 * similarity to another group, so a merge across blocks weighs all items, not a representative;
 * only the time penalty is approximated (from mean times). Items that merge with nothing in their
 * block stop there: they are noise candidates, and the noise reassignment step afterwards compares
 * each with every cluster's centroid.
 *
 * Cost: each level is O(n·blockSize) for the blocks plus O(n·log(n/blockSize)) for the split, and
 * every level after the first works on merged groups only, which are far fewer than items.
 */
import { averageLinkageLabels, dot } from './agglomerative';
import { blendedDistances, type BlendOptions, type DistanceSignals } from './distances';
import type { SparseVector } from './keywords';

export interface MultilevelOptions extends BlendOptions {
  distanceThreshold: number;
  /** Most groups one exact average-linkage block may hold (its matrix has blockSize²/2 entries). */
  blockSize: number;
}

interface Group {
  /** Item indexes (into the caller's arrays). */
  members: number[];
  /** Sum of the members' embeddings (the item's own array for a single item: never written to). */
  sum: Float32Array;
  /** Sum of the members' TF-IDF vectors: the item's own vector, or term id → weight once merged. */
  lex: SparseVector | Map<number, number>;
  timeSum: number;
  /** Holds an earlier trend: carried to every level whatever its size. */
  seeded: boolean;
  /** Mean vectors, computed once: a group never changes, merging makes a new one. */
  mean?: Mean;
}

interface Mean {
  vector: Float32Array;
  unit: Float32Array;
  lex: SparseVector;
  time: number;
}

// When a level merges too little, blocks double (up to this many groups, a 128 MB matrix) so that
// the next level sees wider neighbourhoods instead of the same ones again.
const MAX_BLOCK = 8000;
const MIN_PROGRESS = 0.8;
// 2-means converges in a handful of rounds; blocks need similar items together, not the optimum.
const BISECT_ITERATIONS = 6;
const NO_TERMS: SparseVector = { ids: new Int32Array(0), weights: new Float32Array(0) };

function addInto(target: Float32Array, v: Float32Array, scale = 1): void {
  for (let k = 0; k < target.length; k++) target[k] = (target[k] as number) + scale * (v[k] as number);
}

function normalized(v: Float32Array): Float32Array {
  const norm = Math.sqrt(dot(v, v));
  return norm > 0 ? v.map((x) => x / norm) : v.slice();
}

function addTerms(into: Map<number, number>, lex: SparseVector | Map<number, number>): void {
  if (lex instanceof Map) for (const [id, w] of lex) into.set(id, (into.get(id) ?? 0) + w);
  else lex.ids.forEach((id, k) => into.set(id, (into.get(id) ?? 0) + (lex.weights[k] as number)));
}

function mergeGroups(parts: Group[]): Group {
  const first = parts[0] as Group;
  if (parts.length === 1) return first;
  const g: Group = { members: [], sum: new Float32Array(first.sum.length), lex: new Map(), timeSum: 0, seeded: false };
  for (const p of parts) {
    g.members.push(...p.members);
    addInto(g.sum, p.sum);
    addTerms(g.lex as Map<number, number>, p.lex);
    g.timeSum += p.timeSum;
    g.seeded ||= p.seeded;
  }
  return g;
}

function singleItem(i: number, vectors: readonly Float32Array[], signals: DistanceSignals): Group {
  return { members: [i], sum: vectors[i] as Float32Array, lex: signals.lexical[i] ?? NO_TERMS, timeSum: signals.times?.[i] ?? 0, seeded: false };
}

/** The group's mean embedding, mean TF-IDF vector and mean time: distances between means are mean pairwise distances. */
function meanOf(g: Group): Mean {
  if (g.mean) return g.mean;
  const n = g.members.length;
  let lex: SparseVector;
  if (g.lex instanceof Map) {
    const terms = g.lex;
    const ids = Int32Array.from([...terms.keys()].sort((a, b) => a - b));
    lex = { ids, weights: Float32Array.from(ids, (id) => (terms.get(id) as number) / n) };
  } else {
    lex = n === 1 ? g.lex : { ids: g.lex.ids, weights: g.lex.weights.map((w) => w / n) };
  }
  const vector = n === 1 ? g.sum : g.sum.map((x) => x / n);
  g.mean = { vector, unit: n === 1 ? vector : normalized(vector), lex, time: g.timeSum / n };
  return g.mean;
}

/**
 * Splits `part` (indexes into `units`) in two by spherical 2-means, seeded deterministically with
 * the point least like the mean and then the point least like that one.
 */
function bisect(part: readonly number[], units: readonly Float32Array[], weights: readonly number[]): [number[], number[]] {
  const dim = units[0]?.length ?? 0;
  const mean = new Float32Array(dim);
  for (const i of part) addInto(mean, units[i] as Float32Array, weights[i] as number);
  const farthestFrom = (v: Float32Array): number => {
    let best = part[0] as number;
    let bestDot = Infinity;
    for (const i of part) {
      const d = dot(units[i] as Float32Array, v);
      if (d < bestDot) [best, bestDot] = [i, d];
    }
    return best;
  };
  const a = farthestFrom(mean);
  const b = farthestFrom(units[a] as Float32Array);
  // A point goes to side 0 when it is closer to centre 0: dot(u, c0 − c1) ≥ 0, one dot product per
  // point. Side sums are kept up to date by moving only the points that changed side.
  const side = new Uint8Array(part.length);
  const sums = [new Float32Array(dim), new Float32Array(dim)] as const;
  let direction = (units[a] as Float32Array).map((x, d) => x - ((units[b] as Float32Array)[d] as number));
  for (let iteration = 0; iteration < BISECT_ITERATIONS; iteration++) {
    let moved = 0;
    part.forEach((i, k) => {
      const u = units[i] as Float32Array;
      const s = dot(u, direction) >= 0 ? 0 : 1;
      if (iteration > 0 && s === side[k]) return;
      if (iteration > 0) addInto(sums[side[k] as 0 | 1], u, -(weights[i] as number));
      addInto(sums[s], u, weights[i] as number);
      side[k] = s;
      moved++;
    });
    if (moved === 0) break;
    const c0 = normalized(sums[0]);
    const c1 = normalized(sums[1]);
    direction = c0.map((x, d) => x - (c1[d] as number));
  }
  const halves: [number[], number[]] = [[], []];
  part.forEach((i, k) => (halves[side[k] as number] as number[]).push(i));
  // Identical points cannot be told apart: halve by position instead so that recursion ends.
  if (halves[0].length === 0 || halves[1].length === 0) return [part.slice(0, part.length >> 1), part.slice(part.length >> 1)];
  return halves;
}

/** Blocks of at most `maxSize` indexes into `units`, similar points together. */
export function splitIntoBlocks(units: readonly Float32Array[], weights: readonly number[], maxSize: number): number[][] {
  const blocks: number[][] = [];
  const pending: number[][] = [units.map((_, i) => i)];
  while (pending.length > 0) {
    const part = pending.pop() as number[];
    if (part.length <= maxSize) blocks.push(part);
    else pending.push(...bisect(part, units, weights));
  }
  return blocks;
}

/** Exact average linkage over `groups`; returns the merged groups. */
function linkBlock(groups: readonly Group[], o: MultilevelOptions, withTimes: boolean): Group[] {
  if (groups.length < 2) return groups.slice();
  const means = groups.map(meanOf);
  const signals: DistanceSignals = { lexical: means.map((m) => m.lex), times: withTimes ? means.map((m) => m.time) : undefined };
  const matrix = blendedDistances(means.map((m) => m.vector), signals, o);
  const labels = averageLinkageLabels(matrix, o.distanceThreshold, [], groups.map((g) => g.members.length));
  const byLabel = new Map<number, Group[]>();
  labels.forEach((label, k) => {
    let list = byLabel.get(label);
    if (list === undefined) byLabel.set(label, (list = []));
    list.push(groups[k] as Group);
  });
  return [...byLabel.values()].map(mergeGroups);
}

// Candidate groups per single item scored in full (words and time too) after the embedding pass.
const ATTACH_CANDIDATES = 5;

/** Dot product of two sparse vectors with ascending ids. */
function sparseDot(a: SparseVector, b: SparseVector): number {
  let s = 0;
  for (let i = 0, j = 0; i < a.ids.length && j < b.ids.length; ) {
    const x = a.ids[i] as number;
    const y = b.ids[j] as number;
    if (x === y) s += (a.weights[i++] as number) * (b.weights[j++] as number);
    else if (x < y) i++;
    else j++;
  }
  return s;
}

/**
 * Items left alone in their first block had no chance to join a story whose items all sat in other
 * blocks. Each now joins the group it is nearest to by the linkage distance (its mean distance to
 * the group's items), when that is within the threshold — the merge average linkage would make.
 * Distances are taken to the groups as they were before any joins, so the order does not matter.
 */
function attachSingles(singles: Group[], groups: Group[], o: MultilevelOptions, withTimes: boolean): Group[] {
  const targets = groups.filter((g) => g.members.length > 1);
  if (targets.length === 0 || singles.length === 0) return [...groups, ...singles];
  const means = targets.map(meanOf);
  const joined = targets.map(() => [] as Group[]);
  const alone: Group[] = [];
  const w = o.lexicalWeight;
  for (const single of singles) {
    const m = meanOf(single);
    const sims = means.map((t, k) => ({ k, s: dot(m.vector, t.vector) }));
    sims.sort((a, b) => b.s - a.s || a.k - b.k);
    let best = -1;
    let bestDistance = Infinity;
    for (const { k, s } of sims.slice(0, ATTACH_CANDIDATES)) {
      const t = means[k] as Mean;
      let d = 1 - (1 - w) * s - w * sparseDot(m.lex, t.lex);
      if (withTimes) d += o.timeWeight * Math.min(1, Math.abs(m.time - t.time) / o.timeScaleMs);
      if (d < bestDistance) [best, bestDistance] = [k, d];
    }
    if (best >= 0 && bestDistance <= o.distanceThreshold) (joined[best] as Group[]).push(single);
    else alone.push(single);
  }
  const merged = targets.map((t, k) => mergeGroups([t, ...(joined[k] as Group[])]));
  return [...merged, ...groups.filter((g) => g.members.length <= 1), ...alone];
}

/**
 * Cluster labels over `subset` (positions in the subset; all points when omitted), starting from
 * `seeded` groups (indexes into the full arrays, inside the subset), cut at the distance threshold.
 */
export function multilevelLabels(
  vectors: readonly Float32Array[],
  signals: DistanceSignals,
  o: MultilevelOptions,
  seeded: readonly (readonly number[])[] = [],
  subset?: readonly number[],
): number[] {
  const points = subset ?? vectors.map((_, i) => i);
  const withTimes = signals.times !== undefined && o.timeWeight > 0;
  const inSeed = new Set(seeded.flat());
  let active: Group[] = [
    ...seeded.filter((s) => s.length > 0).map((s) => ({ ...mergeGroups(s.map((i) => singleItem(i, vectors, signals))), seeded: true })),
    ...points.filter((i) => !inSeed.has(i)).map((i) => singleItem(i, vectors, signals)),
  ];
  const done: Group[] = [];
  const singles: Group[] = [];
  let blockSize = o.blockSize;
  for (;;) {
    const units = active.map((g) => meanOf(g).unit);
    const blocks = active.length <= blockSize ? [active.map((_, k) => k)] : splitIntoBlocks(units, active.map((g) => g.members.length), blockSize);
    const linked = blocks.flatMap((block) => linkBlock(block.map((k) => active[k] as Group), o, withTimes));
    if (blocks.length === 1) {
      done.push(...linked);
      break;
    }
    const carried = linked.filter((g) => g.members.length > 1 || g.seeded);
    singles.push(...linked.filter((g) => !(g.members.length > 1 || g.seeded)));
    if (carried.length > MIN_PROGRESS * active.length) {
      if (blockSize >= Math.max(MAX_BLOCK, o.blockSize)) {
        done.push(...carried); // no wider view is affordable: keep what the blocks found
        break;
      }
      blockSize = Math.min(blockSize * 2, Math.max(MAX_BLOCK, o.blockSize));
    }
    active = carried;
  }
  const groups = attachSingles(singles, done, o, withTimes);

  const position = new Map(points.map((p, k) => [p, k]));
  const labels = new Array<number>(points.length).fill(-1);
  groups.forEach((g, label) => g.members.forEach((m) => (labels[position.get(m) as number] = label)));
  return labels;
}
