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
  /** `llm:<model>` for LLM summarizers; anything else is taken as model-free. */
  readonly id: string;
  /**
   * With `promptVersion`, what a stored summary must match to be reused (the summary cache key, beside
   * the membership hash). Optional so wrappers and fakes may omit them; see `summaryKeyOf` for defaults.
   */
  readonly model?: string;
  readonly promptVersion?: string;
  /** Whether calls spend LLM tokens (and so count against the run's token budget). */
  readonly usesTokens?: boolean;
  summarize(trend: TrendForSummary, signal?: AbortSignal): Promise<TrendSummary>;
}

/** The cache key parts and budget flag of a summarizer, defaulted from its id when it does not say. */
export function summaryKeyOf(s: Summarizer): { model: string; promptVersion: string; usesTokens: boolean } {
  const llm = s.id.startsWith('llm:');
  return {
    model: s.model ?? (llm ? s.id.slice(4) : s.id),
    promptVersion: s.promptVersion ?? s.id,
    usesTokens: s.usesTokens ?? llm,
  };
}
