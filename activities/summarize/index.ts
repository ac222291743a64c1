import { createExtractiveSummarizer } from './extractive';
import { createLlmSummarizer } from './llm';
import type { Summarizer } from './types';

export { createExtractiveSummarizer } from './extractive';
export { createLlmSummarizer, PROMPT_VERSION, type LlmSummarizerOptions } from './llm';
export { LlmRequestError, LlmResponseError, SummarizeError } from './errors';
export { summaryKeyOf, type Summarizer, type TrendForSummary, type TrendSummary } from './types';

/** The summarize slice of the parsed config: an LLM when one is configured, else the model-free summarizer. */
export interface SummarizerConfig {
  llm?: { baseUrl: string; model: string; apiKey?: string; timeoutMs?: number };
}

/** Picks the summarizer for this deployment; works with no model at all. */
export function createSummarizer(config: SummarizerConfig): Summarizer {
  return config.llm ? createLlmSummarizer(config.llm) : createExtractiveSummarizer();
}
