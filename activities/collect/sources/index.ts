import type { Config } from '../../../config/config';
import { HttpClient } from '../http';
import { endpointUrl, resolveBaseUrls, type BaseUrls } from './base-urls';
import { CsvSource } from './csv-source';
import { GithubSource } from './github-source';
import { HnSearchSource } from './hn-search-source';
import { HnListSource } from './hn-source';
import { JsonlSource } from './jsonl-source';
import { RedditSource } from './reddit-source';
import { RssSource } from './rss-source';
import { SitemapSource } from './sitemap-source';
import { parseSourceSpec } from './spec';
import type { Source, SourceStats } from './types';
import { WebSource } from './web-source';

export { SOURCE_KINDS, parseSourceSpec } from './spec';
export type { SourceConfig, SourceKind } from './spec';
export type { Engagement, FetchOptions, RawItem, Source, SourceStats } from './types';
export { DEFAULT_BASE_URLS, resolveBaseUrls, type BaseUrlName, type BaseUrls } from './base-urls';

/** What network sources need; file sources ignore it all. */
export interface CreateSourceOptions {
  /**
   * The process-wide polite client (its per-host limiters are what make limits hold across sources);
   * when absent, one is made from the options below for this source alone.
   */
  http?: HttpClient;
  /** Whole request, body included; default 20 000 ms. Ignored when `http` is given. */
  fetchTimeoutMs?: number;
  /** Largest body read; default 10 MB. Ignored when `http` is given. */
  maxBytes?: number;
  /** Ignored when `http` is given. */
  userAgent?: string;
  /** Overrides of the connectors' API/feed base URLs (tests, mirrors, GitHub Enterprise). */
  baseUrls?: Partial<BaseUrls>;
  /** Sent as a Bearer token to the GitHub API only. */
  githubToken?: string;
}

/** A Source that also reports counters (rows read, items emitted, rows skipped) of its latest run. */
export interface CountingSource extends Source {
  readonly stats: SourceStats;
}

/**
 * Builds the source a spec names (see SOURCE_KINDS); throws SourceSpecError for a bad spec and
 * TypeError for bad options (those come from configuration, not users).
 */
export function createSource(spec: string, options: CreateSourceOptions = {}): CountingSource {
  const config = parseSourceSpec(spec);
  if (config.kind === 'csv' || config.kind === 'jsonl') {
    return config.kind === 'csv' ? new CsvSource(spec, config) : new JsonlSource(spec, config);
  }

  const http =
    options.http ??
    new HttpClient({
      ...(options.fetchTimeoutMs !== undefined && { timeoutMs: positive(options.fetchTimeoutMs, 'fetchTimeoutMs') }),
      ...(options.maxBytes !== undefined && { maxBytes: positive(options.maxBytes, 'maxBytes') }),
      ...(options.userAgent?.trim() && { userAgent: options.userAgent.trim() }),
    });
  const bases: BaseUrls = resolveBaseUrls(options.baseUrls);
  switch (config.kind) {
    case 'hn':
      return config.mode === 'list' ? new HnListSource(spec, config, http, bases.hn) : new HnSearchSource(spec, config, http, bases['hn-search']);
    case 'reddit':
      return new RedditSource(spec, config, http, bases.reddit);
    case 'github':
      return new GithubSource(spec, config, http, bases.github, options.githubToken?.trim() || undefined);
    case 'web':
      return new WebSource(spec, config, http);
    case 'sitemap':
      return new SitemapSource(spec, config, http, http.options.maxBytes);
    case 'rss':
    case 'atom':
    case 'youtube':
    case 'medium':
    case 'devto':
    case 'producthunt':
    case 'arxiv':
    case 'lobsters': {
      const url = config.url ?? (config.endpoint ? endpointUrl(bases, config.endpoint) : undefined);
      if (url === undefined) throw new TypeError(`feed spec ${spec} parsed without a URL or endpoint`);
      return new RssSource(spec, config.kind, url, http);
    }
  }
}

/**
 * Source options for a process from its configuration: one HttpClient (so per-host limits hold
 * across every source and activity of the process), base URL overrides checked now, at start-up.
 */
export function sourceOptionsFromConfig(config: Config['collect']): CreateSourceOptions & { http: HttpClient } {
  const hostPolicies = Object.fromEntries(
    Object.entries(config.hostRates).map(([host, rate]) => [host, { minTimeMs: Math.round(1000 / rate), maxConcurrent: rate >= 2 ? 4 : 1 }]),
  );
  const http = new HttpClient({
    timeoutMs: config.fetchTimeoutMs,
    maxBytes: config.maxBytes,
    maxRedirects: config.maxRedirects,
    maxRetryAfterMs: config.maxRetryAfterMs,
    ...(config.userAgent && { userAgent: config.userAgent }),
    defaultHostPolicy: { minTimeMs: Math.round(1000 / config.hostRate), maxConcurrent: 2 },
    hostPolicies,
  });
  const baseUrls = resolveBaseUrls(config.baseUrls);
  return { http, baseUrls, ...(config.githubToken && { githubToken: config.githubToken }) };
}

// Options come from config code, not users: a bad value is a programming error, hence TypeError.
function positive(value: number, name: string): number {
  if (!Number.isFinite(value) || value <= 0) throw new TypeError(`${name} must be a positive number, got ${value}`);
  return value;
}
