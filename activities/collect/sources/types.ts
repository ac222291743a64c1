/** One item as a source reports it, before canonicalisation and hashing. */
export interface RawItem {
  /** The source's own id for the item, when it has one (feed guid, CSV id column). */
  externalId?: string;
  url: string;
  title: string;
  text?: string;
  author?: string;
  publishedAt?: Date;
  /** Source-specific fields worth keeping (publisher, category, engagement…); must be JSON-serialisable. */
  metadata?: Record<string, unknown>;
}

/** A configured source: turns a spec such as `rss:https://…` or `csv:./file.csv` into pages of raw items. */
export interface Source {
  /** The spec exactly as the user wrote it; the key the source is stored under. */
  readonly spec: string;
  /** `csv`, `jsonl`, `rss`, … */
  readonly kind: string;
  /** Yields pages of items; throws a SourceError subclass on failure. */
  fetchPages(options?: FetchOptions): AsyncIterable<RawItem[]>;
}

export interface FetchOptions {
  signal?: AbortSignal;
  /** Items per yielded page (a hint; sources with natural pages may ignore it). */
  pageSize?: number;
}
