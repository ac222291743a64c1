import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { SourceSpecError } from '../errors';
import { parseDate } from '../normalize';
import {
  parseGithubSpec,
  parseHnSpec,
  parseRedditSpec,
  type GithubReleasesConfig,
  type GithubSearchConfig,
  type HnListConfig,
  type HnSearchConfig,
  type RedditConfig,
} from './api-specs';
import {
  parseNamedFeedSpec,
  parseSitemapSpec,
  parseUrlFeedSpec,
  parseWebSpec,
  type FeedSourceConfig,
  type SitemapSourceConfig,
  type WebSourceConfig,
} from './feed-specs';
import { parseOptions, splitQuery } from './spec-options';
import type { RawItem } from './types';

export type { FeedSourceConfig, SitemapSourceConfig, WebSourceConfig } from './feed-specs';
export type { GithubReleasesConfig, GithubSearchConfig, HnListConfig, HnSearchConfig, RedditConfig } from './api-specs';
export type { SourceStats } from './types';

/**
 * Source kinds a spec may start with. `atom` is an alias of `rss` (one parser reads RSS 1.0/2.0 and
 * Atom); youtube, medium, devto, producthunt, arxiv and lobsters are feeds found by name.
 */
export const SOURCE_KINDS = [
  'csv', 'jsonl', 'rss', 'atom', 'hn', 'reddit', 'github', 'youtube', 'medium', 'devto', 'producthunt', 'arxiv', 'lobsters', 'web', 'sitemap',
] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

/** Kinds whose target may be empty (`hn:` = top stories, `producthunt:`, `lobsters:`, `devto:`). */
const EMPTY_TARGET_OK: ReadonlySet<SourceKind> = new Set(['hn', 'producthunt', 'lobsters', 'devto']);

/** How `published` values are read: epoch milliseconds, epoch seconds, date strings, or numbers as ms and strings as dates. */
export type TimeUnit = 'ms' | 's' | 'iso' | 'auto';

/** A column (CSV) or key (JSONL); `required` when the user named it or it is title/url, so its absence is an error. */
export interface ColumnRef {
  name: string;
  required: boolean;
}

/** Which column feeds which RawItem field; `source` (the publisher) lands in `metadata.publisher`. */
export interface FieldMapping {
  title: ColumnRef;
  url: ColumnRef;
  id?: ColumnRef;
  published?: ColumnRef;
  text?: ColumnRef;
  author?: ColumnRef;
  source?: ColumnRef;
}

/** A parsed `csv:` or `jsonl:` spec. */
export interface FileSourceConfig {
  kind: 'csv' | 'jsonl';
  /** Absolute path (relative specs are resolved against process.cwd()). */
  path: string;
  mapping: FieldMapping;
  timeUnit: TimeUnit;
  /** CSV only. */
  delimiter: string;
}

export type SourceConfig =
  | FileSourceConfig
  | FeedSourceConfig
  | WebSourceConfig
  | SitemapSourceConfig
  | HnListConfig
  | HnSearchConfig
  | RedditConfig
  | GithubSearchConfig
  | GithubReleasesConfig;

type MappedField = keyof FieldMapping;
const MAPPED_FIELDS: readonly MappedField[] = ['title', 'url', 'id', 'published', 'text', 'author', 'source'];

// Defaults fit the dev data (news-stories-dev.csv: ID,TITLE,URL,PUBLISHER,CATEGORY,STORY,HOSTNAME,TIMESTAMP).
const CSV_DEFAULTS: Partial<Record<MappedField, string>> = {
  title: 'TITLE', url: 'URL', id: 'ID', published: 'TIMESTAMP', source: 'PUBLISHER',
};
const JSONL_DEFAULTS: Partial<Record<MappedField, string>> = {
  title: 'title', url: 'url', id: 'id', published: 'publishedAt', text: 'text', author: 'author', source: 'source',
};

const column = z.string().max(200, 'column names are at most 200 characters');
const fileOptionsShape = {
  title: column.min(1, 'title cannot be empty'),
  url: column.min(1, 'url cannot be empty'),
  id: column,
  published: column,
  text: column,
  author: column,
  source: column,
  timeUnit: z.enum(['ms', 's', 'iso', 'auto']),
};
const jsonlOptions = z.object(fileOptionsShape).partial();
const csvOptions = z
  .object({
    ...fileOptionsShape,
    // `tab` because a literal tab is awkward to type in a spec.
    delimiter: z.union([z.literal('tab'), z.string().length(1, 'delimiter must be one character or "tab"')]),
  })
  .partial();

/**
 * Parses any source spec (`<kind>:<target>`, see SOURCE_KINDS and the README's table) into its
 * config; throws SourceSpecError saying what is wrong and what was expected.
 */
export function parseSourceSpec(spec: string): SourceConfig {
  const colon = spec.indexOf(':');
  if (colon <= 0) {
    throw new SourceSpecError(spec, `source spec "${spec}" has no kind; expected <kind>:<target>, e.g. csv:./stories.csv, rss:https://example.com/feed.xml or hn:top`);
  }
  const kind = spec.slice(0, colon).trim().toLowerCase();
  const target = spec.slice(colon + 1).trim();
  if (!isSourceKind(kind)) {
    const hint = kind === 'http' || kind === 'https' ? ` (did you mean rss:${spec} or web:${spec}?)` : '';
    throw new SourceSpecError(spec, `unknown source kind "${kind}" in "${spec}"; expected one of ${SOURCE_KINDS.join(', ')}${hint}`);
  }
  if (target === '' && !EMPTY_TARGET_OK.has(kind)) {
    const what = kind === 'csv' || kind === 'jsonl' ? 'file path' : kind === 'rss' || kind === 'atom' ? 'feed URL' : 'target';
    throw new SourceSpecError(spec, `source spec "${spec}" is missing the ${what} after "${kind}:"`);
  }
  switch (kind) {
    case 'csv':
    case 'jsonl':
      return parseFileSpec(spec, kind, target);
    case 'rss':
    case 'atom':
      return parseUrlFeedSpec(spec, kind, target);
    case 'web':
      return parseWebSpec(spec, target);
    case 'sitemap':
      return parseSitemapSpec(spec, target);
    case 'hn':
      return parseHnSpec(spec, target);
    case 'reddit':
      return parseRedditSpec(spec, target);
    case 'github':
      return parseGithubSpec(spec, target);
    default:
      return parseNamedFeedSpec(spec, kind, target);
  }
}

function isSourceKind(kind: string): kind is SourceKind {
  return (SOURCE_KINDS as readonly string[]).includes(kind);
}

function parseFileSpec(spec: string, kind: 'csv' | 'jsonl', target: string): FileSourceConfig {
  const { path: rawPath, query } = splitQuery(target);
  if (rawPath.trim() === '') throw new SourceSpecError(spec, `source spec "${spec}" is missing the file path`);
  const data = kind === 'csv' ? parseOptions(spec, kind, query, csvOptions) : parseOptions(spec, kind, query, jsonlOptions);
  const values: Partial<Record<string, string>> = data;
  const defaults = kind === 'csv' ? CSV_DEFAULTS : JSONL_DEFAULTS;
  const ref = (field: MappedField): ColumnRef | undefined => {
    const explicit = values[field];
    // An empty value (`id=`) switches a defaulted field off.
    if (explicit !== undefined) return explicit === '' ? undefined : { name: explicit, required: true };
    const fallback = defaults[field];
    // Defaults for optional fields are used only when the column exists, so a CSV without ID still works.
    return fallback === undefined ? undefined : { name: fallback, required: field === 'title' || field === 'url' };
  };
  const title = ref('title');
  const url = ref('url');
  if (!title || !url) throw new SourceSpecError(spec, `title and url columns are required in "${spec}"`);
  const mapping: FieldMapping = { title, url };
  for (const field of MAPPED_FIELDS) {
    if (field === 'title' || field === 'url') continue;
    const found = ref(field);
    if (found) mapping[field] = found;
  }
  const delimiter = values['delimiter'] === 'tab' ? '\t' : values['delimiter'] ?? ',';
  const timeUnit: TimeUnit = data.timeUnit ?? (kind === 'csv' ? 'ms' : 'auto');
  const path = isAbsolute(rawPath) ? rawPath : resolve(process.cwd(), rawPath);
  return { kind, path, mapping, timeUnit, delimiter };
}

/** Mapped columns that must exist but are missing from `available` (CSV header or JSONL keys). */
export function missingColumns(mapping: FieldMapping, available: ReadonlySet<string>): string[] {
  return MAPPED_FIELDS.flatMap((field) => {
    const ref = mapping[field];
    return ref && ref.required && !available.has(ref.name) ? [ref.name] : [];
  });
}

/**
 * Turns one CSV row or JSONL object into a RawItem using the spec's mapping; null when title or url
 * is missing or blank. Unmapped fields are kept in metadata under their own names (empty ones dropped).
 */
export function mapRecord(record: Record<string, unknown>, config: FileSourceConfig): RawItem | null {
  const { mapping } = config;
  const pick = (ref: ColumnRef | undefined): string | undefined => (ref ? scalarText(record[ref.name]) : undefined);
  const title = pick(mapping.title);
  const url = pick(mapping.url);
  if (title === undefined || url === undefined) return null;

  const item: RawItem = { url, title };
  const externalId = pick(mapping.id);
  if (externalId !== undefined) item.externalId = externalId;
  const text = pick(mapping.text);
  if (text !== undefined) item.text = text;
  const author = pick(mapping.author);
  if (author !== undefined) item.author = author;
  const published = mapping.published ? parseTimestamp(record[mapping.published.name], config.timeUnit) : undefined;
  if (published !== undefined) item.publishedAt = published;

  const consumed = new Set(MAPPED_FIELDS.flatMap((field) => mapping[field]?.name ?? []));
  const metadata: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    if (!consumed.has(key) && value !== undefined && value !== null && value !== '') metadata[key] = value;
  }
  const publisher = pick(mapping.source);
  if (publisher !== undefined) metadata['publisher'] = publisher;
  item.metadata = metadata;
  return item;
}

/** Reads a timestamp cell; undefined (not an error) when it does not parse, so one bad date never drops an item. */
export function parseTimestamp(value: unknown, unit: TimeUnit): Date | undefined {
  let date: Date | undefined;
  const numeric =
    typeof value === 'number' ? value : typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : undefined;
  if (numeric !== undefined && unit !== 'iso') date = new Date(unit === 's' ? numeric * 1000 : numeric);
  else if (typeof value === 'string' && (unit === 'iso' || unit === 'auto')) date = parseDate(value);
  return date && !Number.isNaN(date.getTime()) ? date : undefined;
}

function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() === '' ? undefined : value.trim();
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}
