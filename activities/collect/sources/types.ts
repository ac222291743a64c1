import type { SourceCursor } from '../cursor';

/**
 * Engagement signals a platform reports for an item, kept as top-level metadata keys (`score`,
 * `comments`, `views`) so SQL readers (trend lifecycle) find them without knowing the source.
 */
export interface Engagement {
  /** Points, upvotes, stars. */
  score?: number;
  comments?: number;
  views?: number;
}

/** One item as a source reports it, before canonicalisation and hashing. */
export interface RawItem {
  /** The source's own id for the item, when it has one (feed guid, CSV id column, HN id). */
  externalId?: string;
  url: string;
  title: string;
  text?: string;
  author?: string;
  publishedAt?: Date;
  /**
   * The language the source declares (feed `<language>`, page `lang`) or its platform is written in
   * (HN); only a tie-breaker when detection from the text itself is unsure.
   */
  language?: string;
  /**
   * Source-specific fields worth keeping (publisher, categories, Engagement keys, `discussionUrl`…);
   * must be JSON-serialisable.
   */
  metadata?: Record<string, unknown>;
}

/** Counters for the latest fetchPages run, for logs, heartbeats and `sources test`. */
export interface SourceStats {
  /** Records read (CSV rows after the header, non-blank JSONL lines, feed entries, API items). */
  rows: number;
  /** Items yielded. */
  emitted: number;
  /** Records dropped: malformed, deleted, or without title or url. */
  skipped: number;
  /** Records left out because the cursor says an earlier run collected them. */
  seen?: number;
  /** HTTP requests made, and how many of them were answered 304 Not Modified. */
  requests?: number;
  notModified?: number;
}

/**
 * A configured source: turns a spec such as `rss:https://…`, `hn:top` or `csv:./file.csv` into pages
 * of raw items, starting from the cursor of the previous successful run.
 */
export interface Source {
  /** The spec exactly as the user wrote it; the key the source is stored under. */
  readonly spec: string;
  /** `csv`, `jsonl`, `rss`, `hn`, … */
  readonly kind: string;
  /** Yields pages of items; throws a SourceError subclass on failure. */
  fetchPages(options?: FetchOptions): AsyncIterable<RawItem[]>;
  /**
   * The cursor to store once every page has been stored (read it after fetchPages finishes);
   * undefined for sources without one (file imports) = leave the stored cursor alone.
   */
  readonly cursor?: SourceCursor;
  /** Counters of the latest (or running) fetchPages call. */
  readonly stats?: SourceStats;
}

export interface FetchOptions {
  signal?: AbortSignal;
  /** Items per yielded page (a hint; sources with natural pages may ignore it). */
  pageSize?: number;
  /** What the previous successful run stored; absent on a first run or in `sources test`. */
  cursor?: SourceCursor;
}
