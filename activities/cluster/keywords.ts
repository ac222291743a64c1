/**
 * Tokenising and class-based TF-IDF (c-TF-IDF, as BERTopic defines it) for cluster keywords,
 * plus plain document TF-IDF vectors used as a lexical similarity signal when clustering.
 */
import type { KeywordScore } from './types';

// `stopword` ships no type declarations, so `import { eng } from 'stopword'` fails under strict
// mode; load it untyped and check the shape of the one list used. (A `declare module 'stopword'`
// file would allow the import form.)
// eslint-disable-next-line @typescript-eslint/no-require-imports
const stopwordModule: unknown = require('stopword');

function loadEnglishStopWords(mod: unknown): ReadonlySet<string> {
  const eng = typeof mod === 'object' && mod !== null ? (mod as { eng?: unknown }).eng : undefined;
  if (!Array.isArray(eng) || !eng.every((w): w is string => typeof w === 'string')) {
    throw new TypeError('stopword package has no string[] export `eng`');
  }
  return new Set(eng);
}

/** English stop words (the `stopword` package's list). */
export const ENGLISH_STOP_WORDS = loadEnglishStopWords(stopwordModule);

export interface TokenizeOptions {
  /** Also emit adjacent-pair bigrams ("mark carney") after stop-word removal. */
  bigrams?: boolean;
  stopWords?: ReadonlySet<string>;
}

const segmenter = new Intl.Segmenter('en', { granularity: 'word' });
// Numbers and quantities ("2014", "3.5bn", "4q") say little about a story; "mh370" or "g20" stay.
const NUMBER = /^\p{N}/u;
// "Carney's" and "Carney" are one term for keywords.
const POSSESSIVE = /['’]s$/u;
// Contractions ("isn't", "we'll") are function words the stop-word list does not spell out.
const CONTRACTION = /['’](t|re|ll|ve|d|m)$/u;

/** Lower-cased word tokens without stop words, numbers and one-character tokens. */
export function tokenize(text: string, options: TokenizeOptions = {}): string[] {
  const stopWords = options.stopWords ?? ENGLISH_STOP_WORDS;
  const words: string[] = [];
  for (const segment of segmenter.segment(text.toLowerCase())) {
    if (segment.isWordLike !== true) continue;
    const word = segment.segment.replace(POSSESSIVE, '');
    if (word.length < 2 || NUMBER.test(word) || CONTRACTION.test(word) || stopWords.has(word)) continue;
    words.push(word);
  }
  if (!options.bigrams) return words;
  const out = words.slice();
  for (let i = 0; i + 1 < words.length; i++) out.push(`${words[i]} ${words[i + 1]}`);
  return out;
}

/**
 * c-TF-IDF exactly as BERTopic: for each class, term counts normalised to sum 1 (L1), times
 * idf = log(1 + A / f_t) where A is the average number of tokens per class and f_t the term's
 * count over all classes. Returns the top `topN` terms per class, best first (ties by term, so
 * output is deterministic).
 *
 * `classes[c]` holds the tokenised documents of class c. Classes that should shape the idf but
 * whose keywords are not wanted (BERTopic keeps its outlier topic -1 in the matrix) can be passed
 * and their result ignored.
 */
export function classTfIdf(classes: readonly (readonly string[][])[], topN: number): KeywordScore[][] {
  const counts = classes.map((docs) => {
    const m = new Map<string, number>();
    for (const doc of docs) for (const t of doc) m.set(t, (m.get(t) ?? 0) + 1);
    return m;
  });
  const totalPerTerm = new Map<string, number>();
  let totalTokens = 0;
  for (const m of counts) {
    for (const [t, c] of m) {
      totalPerTerm.set(t, (totalPerTerm.get(t) ?? 0) + c);
      totalTokens += c;
    }
  }
  const averagePerClass = classes.length > 0 ? totalTokens / classes.length : 0;
  return counts.map((m) => {
    let classTokens = 0;
    for (const c of m.values()) classTokens += c;
    const scored: KeywordScore[] = [];
    for (const [term, c] of m) {
      const idf = Math.log(1 + averagePerClass / (totalPerTerm.get(term) as number));
      scored.push({ term, score: (c / classTokens) * idf });
    }
    scored.sort((a, b) => b.score - a.score || (a.term < b.term ? -1 : a.term > b.term ? 1 : 0));
    return scored.slice(0, topN);
  });
}

/** A sparse L2-normalised vector: parallel term ids and weights, ids ascending. */
export interface SparseVector {
  ids: Int32Array;
  weights: Float32Array;
}

/**
 * Document TF-IDF vectors (sublinear tf, sklearn's smooth idf = ln((1+n)/(1+df)) + 1),
 * L2-normalised so that dot products are cosines. Used as a lexical signal: headlines about one
 * event share rare names ("Plosser", "Zimmerman") that sentence embeddings partly wash out.
 */
export function tfidfVectors(documents: readonly string[][]): SparseVector[] {
  const vocabulary = new Map<string, number>();
  const documentFrequency: number[] = [];
  const termCounts = documents.map((tokens) => {
    const m = new Map<number, number>();
    for (const t of tokens) {
      let id = vocabulary.get(t);
      if (id === undefined) {
        id = vocabulary.size;
        vocabulary.set(t, id);
        documentFrequency.push(0);
      }
      m.set(id, (m.get(id) ?? 0) + 1);
    }
    for (const id of m.keys()) documentFrequency[id] = (documentFrequency[id] as number) + 1;
    return m;
  });
  const n = documents.length;
  return termCounts.map((m) => {
    const ids = Int32Array.from([...m.keys()].sort((a, b) => a - b));
    const weights = new Float32Array(ids.length);
    let norm = 0;
    ids.forEach((id, k) => {
      const w = (1 + Math.log(m.get(id) as number)) * (Math.log((1 + n) / (1 + (documentFrequency[id] as number))) + 1);
      weights[k] = w;
      norm += w * w;
    });
    if (norm > 0) for (let k = 0; k < weights.length; k++) weights[k] = (weights[k] as number) / Math.sqrt(norm);
    return { ids, weights };
  });
}

/**
 * Calls `visit(i, j, cosine)` for every pair i < j of documents sharing at least one term.
 * Uses an inverted index, so the cost is the sum of squared posting lengths, not n².
 */
export function forEachLexicalPair(vectors: readonly SparseVector[], visit: (i: number, j: number, cosine: number) => void): void {
  // Postings are filled in document order, so the documents after i in a term's list are exactly
  // those past i's own entry: remembering that position halves the scan and needs no j > i test.
  const postingDocs = new Map<number, number[]>();
  const postingWeights = new Map<number, number[]>();
  const positions = vectors.map((v, doc) =>
    Int32Array.from(v.ids, (id, k) => {
      let docs = postingDocs.get(id);
      let weights = postingWeights.get(id);
      if (docs === undefined || weights === undefined) {
        postingDocs.set(id, (docs = []));
        postingWeights.set(id, (weights = []));
      }
      docs.push(doc);
      weights.push(v.weights[k] as number);
      return docs.length - 1;
    }),
  );
  const accumulator = new Float64Array(vectors.length);
  const touched: number[] = [];
  vectors.forEach((v, i) => {
    const own = positions[i] as Int32Array;
    v.ids.forEach((id, k) => {
      const wi = v.weights[k] as number;
      const docs = postingDocs.get(id) as number[];
      const weights = postingWeights.get(id) as number[];
      for (let p = (own[k] as number) + 1; p < docs.length; p++) {
        const j = docs[p] as number;
        if (accumulator[j] === 0) touched.push(j);
        accumulator[j] = (accumulator[j] as number) + wi * (weights[p] as number);
      }
    });
    touched.sort((a, b) => a - b);
    for (const j of touched) {
      visit(i, j, accumulator[j] as number);
      accumulator[j] = 0;
    }
    touched.length = 0;
  });
}
