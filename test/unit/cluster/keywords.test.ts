import { classTfIdf, forEachLexicalPair, tfidfVectors, tokenize } from '../../../activities/cluster/keywords';

describe('tokenize', () => {
  it('lower-cases and drops stop words, numbers, contractions and one-character tokens', () => {
    expect(tokenize("McDonald's profit fell 5% in 2014 and isn't a U.S. record, x says")).toEqual([
      'mcdonald',
      'profit',
      'fell',
      'u.s',
      'record',
      'says',
    ]);
  });

  it('keeps accented words and alphanumeric names', () => {
    expect(tokenize('Émilie in Montréal: MH370 search')).toEqual(['émilie', 'montréal', 'mh370', 'search']);
  });

  it('adds adjacent bigrams after stop-word removal when asked', () => {
    expect(tokenize('Bank of England governor', { bigrams: true })).toEqual([
      'bank',
      'england',
      'governor',
      'bank england',
      'england governor',
    ]);
  });
});

describe('classTfIdf', () => {
  it('computes BERTopic c-TF-IDF: L1-normalised counts × log(1 + mean tokens per class / term total)', () => {
    const [a, b] = classTfIdf(
      [
        [['apple', 'fruit'], ['apple', 'pie']],
        [['car', 'fruit']],
      ],
      10,
    );
    // 6 tokens over 2 classes: A = 3. apple: 2/4 × ln(1 + 3/2); pie: 1/4 × ln(1 + 3/1).
    expect(a).toEqual([
      { term: 'apple', score: expect.closeTo(0.5 * Math.log(2.5), 12) },
      { term: 'pie', score: expect.closeTo(0.25 * Math.log(4), 12) },
      { term: 'fruit', score: expect.closeTo(0.25 * Math.log(2.5), 12) },
    ]);
    expect(b?.map((k) => k.term)).toEqual(['car', 'fruit']);
  });

  it('ranks the distinguishing term above a more frequent word every cluster uses', () => {
    const fed = [['fed', 'says'], ['fed', 'says'], ['says', 'taper']];
    const snowden = [['snowden', 'says'], ['snowden', 'says'], ['says', 'nsa']];
    const [k1, k2] = classTfIdf([fed, snowden], 2);
    expect(k1?.[0]?.term).toBe('fed');
    expect(k2?.[0]?.term).toBe('snowden');
  });

  it('keeps only the top N and breaks score ties by term', () => {
    const [k] = classTfIdf([[['b', 'a', 'c']], [['z']]], 2);
    expect(k?.map((x) => x.term)).toEqual(['a', 'b']);
  });
});

describe('tfidfVectors and forEachLexicalPair', () => {
  it('gives unit vectors whose pairwise cosines are visited once per overlapping pair', () => {
    const docs = [['fed', 'taper'], ['fed', 'taper'], ['fed', 'snowden'], ['cosmos']];
    const vectors = tfidfVectors(docs);
    for (const v of vectors) expect(v.weights.reduce((s, w) => s + w * w, 0)).toBeCloseTo(1, 6);
    const pairs: Array<[number, number, number]> = [];
    forEachLexicalPair(vectors, (i, j, c) => pairs.push([i, j, c]));
    expect(pairs.map(([i, j]) => [i, j])).toEqual([
      [0, 1],
      [0, 2],
      [1, 2],
    ]);
    expect(pairs[0]?.[2]).toBeCloseTo(1, 6);
    expect(pairs[1]?.[2]).toBeGreaterThan(0);
    expect(pairs[1]?.[2]).toBeLessThan(0.5);
  });
});
