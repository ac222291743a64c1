/**
 * The distance cut depends on the embedding model: each model spreads cosine similarities over its
 * own range. Values measured on the dev news split with the default blend (bench/cluster-quality.ts,
 * bench/embed-transformers.ts → bench/results/embed-transformers.json).
 */
const MEASURED: ReadonlyArray<{ model: RegExp; threshold: number; why: string }> = [
  // all-MiniLM-L6-v2 (fp32 or int8): NMI 0.933 / ARI 0.905 at 0.86, against 0.859 / 0.733 at USE's 0.72.
  { model: /^transformers:minilm(-q)?@/, threshold: 0.86, why: 'all-MiniLM-L6-v2 on the dev split' },
];

/** The measured cut for `modelId`, or undefined to keep the default (tuned for USE lite). */
export function measuredThresholdFor(modelId: string): number | undefined {
  return MEASURED.find((m) => m.model.test(modelId))?.threshold;
}
