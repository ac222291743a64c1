/**
 * The blended distance the clusterer cuts at, as a condensed matrix: sentence-embedding cosine and
 * TF-IDF cosine mixed by `lexicalWeight`, plus a penalty for items far apart in time.
 */
import { condensedIndex, cosineDistanceMatrix, type DistanceMatrix } from './agglomerative';
import { forEachLexicalPair, type SparseVector } from './keywords';
import type { ClusterOptions } from './types';

/** What the distance between two items is made of, besides their embeddings. */
export interface DistanceSignals {
  lexical: readonly SparseVector[];
  /** Item times in ms, or undefined when the input has none. */
  times: readonly number[] | undefined;
}

export type BlendOptions = Pick<Required<ClusterOptions>, 'lexicalWeight' | 'timeWeight' | 'timeScaleMs'>;

/**
 * Blended cosine distance (1 − [(1−w)·embedding dot + w·TF-IDF dot]) plus the time gap penalty
 * (timeWeight · min(1, |Δt| / timeScaleMs)) over `subset` (all points when omitted). TF-IDF
 * vectors come from the whole window, so a sub-matrix holds exactly the distances of the full one.
 *
 * Vectors need not be unit length: given the mean vectors of groups of items, the dot products are
 * the groups' mean pairwise similarities, which is what average linkage between groups compares.
 */
export function blendedDistances(
  vectors: readonly Float32Array[],
  signals: DistanceSignals,
  o: BlendOptions,
  subset?: readonly number[],
): DistanceMatrix {
  const pick = <T>(xs: readonly T[]): T[] => (subset ? subset.map((i) => xs[i] as T) : xs.slice());
  const matrix = cosineDistanceMatrix(pick(vectors));
  const { n, data } = matrix;
  const w = o.lexicalWeight;
  if (w > 0) {
    // First as if no pair shared a word (lexical cosine 0), then credit the pairs that do; the
    // inverted index visits only those, so the lexical part costs far less than n².
    for (let k = 0; k < data.length; k++) data[k] = (1 - w) * (data[k] as number) + w;
    forEachLexicalPair(pick(signals.lexical), (i, j, cosine) => {
      const k = condensedIndex(n, i, j);
      data[k] = (data[k] as number) - w * cosine;
    });
  }
  if (signals.times && o.timeWeight > 0) {
    const times = pick(signals.times);
    let k = 0;
    for (let i = 0; i < n; i++) {
      const ti = times[i] as number;
      for (let j = i + 1; j < n; j++, k++) {
        data[k] = (data[k] as number) + o.timeWeight * Math.min(1, Math.abs(ti - (times[j] as number)) / o.timeScaleMs);
      }
    }
  }
  return matrix;
}
