/** What a summarizer sees of one trend: its keywords and members, most central first. */
export interface TrendForSummary {
  keywords: string[];
  items: Array<{ title: string; text?: string; source: string; url: string }>;
  /** The whole trend's size and distinct sources, when `items` is only its most central part. */
  totals?: { items: number; sources: number };
}

export interface TrendSummary {
  title: string;
  summary: string;
  keyPoints: string[];
  /** Named people, organisations, places and products; only LLM summaries fill it. */
  entities?: string[];
  method: 'extractive' | 'llm';
  /** Model id for LLM summaries; `extractive-v1` style id otherwise. */
  model: string;
  promptVersion: string;
  tokens?: { prompt: number; completion: number };
}

/** Produces a summary for one trend. */
export interface Summarizer {
  readonly id: string;
  summarize(trend: TrendForSummary, signal?: AbortSignal): Promise<TrendSummary>;
}
