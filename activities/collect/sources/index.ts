import { CsvSource } from './csv-source';
import { JsonlSource } from './jsonl-source';
import { DEFAULT_FEED_HTTP_OPTIONS, RssSource } from './rss-source';
import { parseSourceSpec, type SourceStats } from './spec';
import type { Source } from './types';

export { SOURCE_KINDS, parseSourceSpec } from './spec';
export type { SourceConfig, SourceKind, SourceStats } from './spec';
export type { FetchOptions, RawItem, Source } from './types';

/** Options for sources that use the network; file sources ignore them. */
export interface CreateSourceOptions {
  /** Whole feed request, body included; default 20 000 ms. */
  fetchTimeoutMs?: number;
  /** Largest feed body read; default 10 MB. */
  maxBytes?: number;
  userAgent?: string;
}

/** A Source that also reports counters (rows read, items emitted, rows skipped) of its latest run. */
export interface CountingSource extends Source {
  readonly stats: SourceStats;
}

/** Builds the source a spec names (`csv:`, `jsonl:`, `rss:`, `atom:`); throws SourceSpecError for a bad spec. */
export function createSource(spec: string, options: CreateSourceOptions = {}): CountingSource {
  const config = parseSourceSpec(spec);
  switch (config.kind) {
    case 'csv':
      return new CsvSource(spec, config);
    case 'jsonl':
      return new JsonlSource(spec, config);
    case 'rss':
    case 'atom':
      return new RssSource(spec, config, {
        timeoutMs: positiveOr(options.fetchTimeoutMs, DEFAULT_FEED_HTTP_OPTIONS.timeoutMs, 'fetchTimeoutMs'),
        maxBytes: positiveOr(options.maxBytes, DEFAULT_FEED_HTTP_OPTIONS.maxBytes, 'maxBytes'),
        userAgent: options.userAgent?.trim() || DEFAULT_FEED_HTTP_OPTIONS.userAgent,
      });
  }
}

// Options come from config code, not users: a bad value is a programming error, hence TypeError.
function positiveOr(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) throw new TypeError(`${name} must be a positive number, got ${value}`);
  return value;
}
