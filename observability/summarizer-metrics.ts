import type { Summarizer } from '../activities/summarize/types';
import type { PipelineMetrics } from './pipeline-metrics';

/** The same summarizer, reporting each LLM answer's token usage (and its price) to the metrics. */
export function instrumentSummarizer(summarizer: Summarizer, metrics: PipelineMetrics): Summarizer {
  return {
    ...summarizer,
    id: summarizer.id,
    async summarize(trend, signal) {
      const summary = await summarizer.summarize(trend, signal);
      if (summary.tokens) metrics.llmUsage(summary.model, summary.tokens);
      return summary;
    },
  };
}
