/**
 * External clustering quality scores against ground-truth labels, matching scikit-learn's
 * definitions (natural logarithms; NMI normalised by the arithmetic mean of the entropies, which
 * is sklearn's default and makes NMI equal to the V-measure with beta = 1).
 */

export type Label = string | number;

/** The label the clusterer gives to points that belong to no cluster. */
export const NOISE_LABEL = -1;

interface Contingency {
  n: number;
  /** Row sums: sizes of the true classes. */
  rows: number[];
  /** Column sums: sizes of the predicted clusters. */
  cols: number[];
  /** Non-zero cells only; the sparse form keeps 10k singletons from building a 10k×10k table. */
  cells: number[];
}

function contingency(truth: readonly Label[], predicted: readonly Label[]): Contingency {
  if (truth.length !== predicted.length) {
    throw new RangeError(`label arrays differ in length: ${truth.length} vs ${predicted.length}`);
  }
  const rowIndex = new Map<Label, number>();
  const colIndex = new Map<Label, number>();
  const rows: number[] = [];
  const cols: number[] = [];
  const cellIndex = new Map<string, number>();
  const cells: number[] = [];
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i] as Label;
    const p = predicted[i] as Label;
    let r = rowIndex.get(t);
    if (r === undefined) {
      r = rows.length;
      rowIndex.set(t, r);
      rows.push(0);
    }
    // Noise never shares a column: each noise point is its own singleton (see noiseAsSingletons).
    let c = p === NOISE_LABEL ? undefined : colIndex.get(p);
    if (c === undefined) {
      c = cols.length;
      if (p !== NOISE_LABEL) colIndex.set(p, c);
      cols.push(0);
    }
    rows[r] = (rows[r] as number) + 1;
    cols[c] = (cols[c] as number) + 1;
    const key = `${r}:${c}`;
    const k = cellIndex.get(key);
    if (k === undefined) {
      cellIndex.set(key, cells.length);
      cells.push(1);
    } else {
      cells[k] = (cells[k] as number) + 1;
    }
  }
  return { n: truth.length, rows, cols, cells };
}

const pairs = (x: number): number => (x * (x - 1)) / 2;

function entropy(counts: readonly number[], n: number): number {
  let h = 0;
  for (const c of counts) if (c > 0) h -= (c / n) * Math.log(c / n);
  return h;
}

/** Mutual information from a contingency table: H(U) + H(V) − H(U, V). */
function mutualInformation(t: Contingency): number {
  return Math.max(0, entropy(t.rows, t.n) + entropy(t.cols, t.n) - entropy(t.cells, t.n));
}

/**
 * The noise convention every score here applies to predictions, exported as labels for use
 * elsewhere: each noise point (-1) becomes a singleton cluster of its own, so noise counts as
 * "put alone", not as one big cluster of unrelated points. It penalises noise (a noise point
 * that belongs to a story loses all its pairs) without rewarding it.
 */
export function noiseAsSingletons(predicted: readonly Label[]): Label[] {
  return predicted.map((label, i) => (label === NOISE_LABEL ? `\u0000noise:${i}` : label));
}

/** Adjusted Rand index in [-1, 1]: 1 for identical partitions, about 0 for random ones. */
export function adjustedRandIndex(truth: readonly Label[], predicted: readonly Label[]): number {
  const t = contingency(truth, predicted);
  if (t.n === 0) return 1;
  const sumCells = t.cells.reduce((s, c) => s + pairs(c), 0);
  const sumRows = t.rows.reduce((s, c) => s + pairs(c), 0);
  const sumCols = t.cols.reduce((s, c) => s + pairs(c), 0);
  const expected = (sumRows * sumCols) / pairs(t.n);
  const max = (sumRows + sumCols) / 2;
  // sklearn's special case: both partitions trivial (all one cluster, or all singletons) and equal.
  if (max === expected) return 1;
  return (sumCells - expected) / (max - expected);
}

/** Normalised mutual information with arithmetic-mean normalisation (sklearn's default). */
export function normalizedMutualInfo(truth: readonly Label[], predicted: readonly Label[]): number {
  const t = contingency(truth, predicted);
  // sklearn returns 1 when both sides are a single cluster (0/0 otherwise).
  if (t.rows.length === t.cols.length && t.rows.length <= 1) return 1;
  const hTruth = entropy(t.rows, t.n);
  const hPred = entropy(t.cols, t.n);
  const normaliser = (hTruth + hPred) / 2;
  return normaliser > 0 ? mutualInformation(t) / normaliser : 0;
}

export interface VMeasure {
  /** Each predicted cluster holds members of one class only. */
  homogeneity: number;
  /** All members of a class land in the same cluster. */
  completeness: number;
  /** Harmonic mean of the two (beta = 1). */
  vMeasure: number;
}

/** Homogeneity, completeness and V-measure (Rosenberg & Hirschberg 2007), as sklearn computes them. */
export function vMeasure(truth: readonly Label[], predicted: readonly Label[]): VMeasure {
  const t = contingency(truth, predicted);
  if (t.n === 0) return { homogeneity: 1, completeness: 1, vMeasure: 1 };
  const mi = mutualInformation(t);
  const hTruth = entropy(t.rows, t.n);
  const hPred = entropy(t.cols, t.n);
  const homogeneity = hTruth > 0 ? mi / hTruth : 1;
  const completeness = hPred > 0 ? mi / hPred : 1;
  const sum = homogeneity + completeness;
  return { homogeneity, completeness, vMeasure: sum > 0 ? (2 * homogeneity * completeness) / sum : 0 };
}

/** Share of points labelled noise (-1). */
export function noiseFraction(predicted: readonly Label[]): number {
  if (predicted.length === 0) return 0;
  return predicted.filter((l) => l === NOISE_LABEL).length / predicted.length;
}

export interface ClusteringScores extends VMeasure {
  nmi: number;
  ari: number;
  noiseFraction: number;
  /** Predicted clusters, noise not counted. */
  clusterCount: number;
}

/** All scores at once, noise as singletons (see `noiseAsSingletons`). */
export function scoreClustering(truth: readonly Label[], predicted: readonly Label[]): ClusteringScores {
  return {
    nmi: normalizedMutualInfo(truth, predicted),
    ari: adjustedRandIndex(truth, predicted),
    ...vMeasure(truth, predicted),
    noiseFraction: noiseFraction(predicted),
    clusterCount: new Set(predicted.filter((l) => l !== NOISE_LABEL)).size,
  };
}
