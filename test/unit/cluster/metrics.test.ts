import {
  adjustedRandIndex,
  noiseAsSingletons,
  noiseFraction,
  normalizedMutualInfo,
  scoreClustering,
  vMeasure,
} from '../../../activities/cluster/metrics';

// Expected values are scikit-learn's (user guide examples) and hand-computed from the definitions.
describe('adjustedRandIndex', () => {
  it('is 1 for identical partitions, whatever the label names', () => {
    expect(adjustedRandIndex([0, 0, 1, 1, 2], ['a', 'a', 'b', 'b', 'c'])).toBe(1);
  });

  it('matches sklearn on its user-guide example', () => {
    // sklearn: adjusted_rand_score([0,0,0,1,1,1], [0,0,1,1,2,2]) = 0.24242424242424246 (= 0.8 / 3.3)
    expect(adjustedRandIndex([0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 2, 2])).toBeCloseTo(0.24242424242424246, 12);
  });

  it('matches sklearn on a refinement and on an anti-correlated split', () => {
    expect(adjustedRandIndex([0, 0, 1, 1], [0, 0, 1, 2])).toBeCloseTo(4 / 7, 12);
    expect(adjustedRandIndex([0, 0, 1, 1], [0, 1, 0, 1])).toBeCloseTo(-0.5, 12);
  });

  it('is 0 for all-in-one against all-singletons, 1 for equal trivial partitions', () => {
    expect(adjustedRandIndex([0, 0, 0, 0], [0, 1, 2, 3])).toBe(0);
    expect(adjustedRandIndex([0, 1, 2], [5, 6, 7])).toBe(1);
  });
});

describe('normalizedMutualInfo (arithmetic mean)', () => {
  it('is 1 for identical partitions', () => {
    expect(normalizedMutualInfo(['x', 'x', 'y'], [3, 3, 7])).toBeCloseTo(1, 12);
  });

  it('matches the definition on a refinement: MI = ln2, mean entropy = 1.25 ln2', () => {
    expect(normalizedMutualInfo([0, 0, 1, 1], [0, 0, 1, 2])).toBeCloseTo(0.8, 12);
  });

  it('equals the V-measure, as with sklearn defaults', () => {
    const truth = [0, 0, 0, 1, 1, 1, 2, 2];
    const pred = [0, 0, 1, 1, 2, 2, 2, 0];
    expect(normalizedMutualInfo(truth, pred)).toBeCloseTo(vMeasure(truth, pred).vMeasure, 12);
  });

  it('is 0 when the prediction says nothing about the truth', () => {
    expect(normalizedMutualInfo([0, 0, 0, 0], [0, 1, 2, 3])).toBe(0);
  });
});

describe('vMeasure', () => {
  it('matches sklearn on its user-guide example', () => {
    // sklearn: homogeneity 0.66..., completeness 0.42..., v_measure 0.51...
    const v = vMeasure([0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 2, 2]);
    expect(v.homogeneity).toBeCloseTo(2 / 3, 12);
    expect(v.completeness).toBeCloseTo(1 - (Math.log(3) - (2 / 3) * Math.log(2)) / Math.log(3), 12);
    expect(v.completeness).toBeCloseTo(0.4206, 4);
    expect(v.vMeasure).toBeCloseTo(0.5158, 4);
  });

  it('scores a refinement as homogeneous but incomplete', () => {
    const v = vMeasure([0, 0, 1, 1], [0, 1, 2, 3]);
    expect(v.homogeneity).toBeCloseTo(1, 12);
    expect(v.completeness).toBeCloseTo(0.5, 12);
    expect(v.vMeasure).toBeCloseTo(2 / 3, 12);
  });
});

describe('noise (-1) in predictions', () => {
  it('counts each noise point as its own singleton, never as one shared cluster', () => {
    const truth = [0, 0, 1, 1];
    const withNoise = [-1, -1, 1, 1];
    // Same as predicting two singletons for the first story, not as predicting the pair.
    expect(adjustedRandIndex(truth, withNoise)).toBeCloseTo(adjustedRandIndex(truth, [8, 9, 1, 1]), 12);
    expect(adjustedRandIndex(truth, withNoise)).toBeLessThan(1);
    expect(normalizedMutualInfo(truth, withNoise)).toBeCloseTo(normalizedMutualInfo(truth, [8, 9, 1, 1]), 12);
  });

  it('matches sklearn 1.9 on mixed labels once noise is expanded into singletons', () => {
    // Values from sklearn with each -1 replaced by a unique label before scoring.
    const truth = [0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 3, 3, 3, 'x', 'x'];
    const pred = [5, 5, 5, 1, -1, 1, 1, 1, -1, 2, 2, 2, 7, 7, 7, 3, 3, -1, -1, 3];
    expect(adjustedRandIndex(truth, pred)).toBeCloseTo(0.4177071509648127, 12);
    expect(normalizedMutualInfo(truth, pred)).toBeCloseTo(0.741739678275766, 12);
    const v = vMeasure(truth, pred);
    expect(v.homogeneity).toBeCloseTo(0.8653629579883938, 12);
    expect(v.completeness).toBeCloseTo(0.6490222184912952, 12);
    expect(v.vMeasure).toBeCloseTo(0.7417396782757659, 12);
  });

  it('exports the singleton convention as labels', () => {
    const labels = noiseAsSingletons([-1, 0, -1, 0]);
    expect(new Set(labels).size).toBe(3);
    expect(labels[1]).toBe(0);
  });

  it('reports the noise fraction and cluster count', () => {
    expect(noiseFraction([-1, 0, 0, -1])).toBe(0.5);
    const s = scoreClustering([0, 0, 1, 1], [-1, 0, 0, -1]);
    expect(s.noiseFraction).toBe(0.5);
    expect(s.clusterCount).toBe(1);
  });

  it('rejects label arrays of different lengths', () => {
    expect(() => adjustedRandIndex([0, 1], [0])).toThrow(RangeError);
  });
});
