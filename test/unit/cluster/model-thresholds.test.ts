import { measuredThresholdFor } from '../../../activities/cluster/model-thresholds';

describe('measuredThresholdFor', () => {
  it('gives MiniLM (fp32 and int8) its measured cut and leaves other models on the default', () => {
    expect(measuredThresholdFor('transformers:minilm@24366b0d62')).toBe(0.86);
    expect(measuredThresholdFor('transformers:minilm-q@0a1b2c3d4e')).toBe(0.86);
    expect(measuredThresholdFor('use-lite-512')).toBeUndefined();
    expect(measuredThresholdFor('transformers:bge-small@0a1b2c3d4e')).toBeUndefined();
    expect(measuredThresholdFor('openai:text-embedding-3-small')).toBeUndefined();
  });
});
