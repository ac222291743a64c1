import Parser from 'rss-parser';
import { SeenSet, validatorsFrom } from '../cursor';
import { errorMessage, SourceFormatError } from '../errors';
import type { HttpClient } from '../http';
import { looksLikeHtml } from '../http-body';
import { htmlToText, parseDate } from '../normalize';
import { pageSizeOf } from './file-source';
import { applyFlavor, FLAVOR_FIELDS } from './feed-flavors';
import type { FeedKind } from './feed-specs';
import { TrackedSource } from './json-source';
import type { FetchOptions, RawItem } from './types';

const ACCEPT = 'application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, application/xml;q=0.8, text/xml;q=0.8, */*;q=0.5';

type FeedEntry = Parser.Item & Record<string, unknown>;

/** Platforms that publish in one language, for when a feed does not say and a headline is too short to tell. */
const PLATFORM_LANGUAGE: Partial<Record<FeedKind, string>> = { lobsters: 'en', devto: 'en', producthunt: 'en', arxiv: 'en' };

/**
 * Downloads one RSS 1.0/2.0 or Atom feed (any URL, or a named platform's feed) and yields its
 * entries. A conditional GET with the cursor's ETag/Last-Modified makes an unchanged feed cost one
 * 304 and nothing else; entries an earlier run collected (by guid, else link) are left out. The
 * feed is one natural page, split by pageSize only to keep page sizes uniform across sources.
 */
export class RssSource extends TrackedSource {
  constructor(
    spec: string,
    readonly kind: FeedKind,
    private readonly url: string,
    private readonly http: HttpClient,
  ) {
    super(spec);
  }

  protected async *pages(options: FetchOptions): AsyncGenerator<RawItem[]> {
    const stats = this.current;
    const seen = SeenSet.from(options.cursor);
    const response = await this.http.get({
      spec: this.spec,
      url: this.url,
      accept: ACCEPT,
      validators: validatorsFrom(options.cursor),
      signal: options.signal,
      stats,
    });
    if (response.notModified) {
      this.next = { ...response.validators, seen: seen.toJSON() };
      return;
    }
    const feed = await parseFeed(this.spec, response.url, response.text());
    const publisher = asText(feed.title);
    const language = asText(feed['language']) ?? PLATFORM_LANGUAGE[this.kind];
    const items: RawItem[] = [];
    for (const entry of feed.items) {
      stats.rows += 1;
      const raw = toRawItem(entry, response.url, publisher);
      const item = raw ? applyFlavor(this.kind, entry, language ? { ...raw, language } : raw) : null;
      if (!item) {
        stats.skipped += 1;
        continue;
      }
      const key = item.externalId ?? item.url;
      if (seen.has(key)) {
        stats.seen += 1;
        continue;
      }
      seen.add(key);
      items.push(item);
    }
    const pageSize = pageSizeOf(options);
    for (let start = 0; start < items.length; start += pageSize) {
      options.signal?.throwIfAborted();
      const page = items.slice(start, start + pageSize);
      stats.emitted += page.length;
      yield page;
    }
    this.next = { ...response.validators, seen: seen.toJSON() };
  }
}

// rss-parser converts Atom <published>/<updated> with `new Date(x).toISOString()`, which throws on one bad
// date and loses the whole feed; renaming the tags hands the raw strings to parseDate instead.
const renameAtomDates = (name: string): string => (name === 'published' || name === 'updated' ? `tf-${name}` : name);

/** Parses RSS 1.0/2.0/Atom text; HTML pages and anything else become SourceFormatError. */
async function parseFeed(spec: string, url: string, body: string): Promise<Parser.Output<FeedEntry> & Record<string, unknown>> {
  if (looksLikeHtml(body)) throw new SourceFormatError(spec, `${url} returned an HTML page, not an RSS or Atom feed`);
  if (body.trim() === '') throw new SourceFormatError(spec, `${url} returned an empty body, not a feed`);
  // A fresh parser per call: rss-parser shares one xml2js parser per instance, which concurrent parses would corrupt.
  const parser = new Parser<Record<string, unknown>, FeedEntry>({
    xml2js: { tagNameProcessors: [renameAtomDates] },
    customFields: {
      item: [
        ['category', 'atomCategories', { keepArray: true }],
        ['tf-published', 'published'],
        ['tf-updated', 'updated'],
        ...FLAVOR_FIELDS,
      ],
    },
  });
  try {
    return await parser.parseString(body);
  } catch (err) {
    const reason = errorMessage(err).split('\n')[0];
    throw new SourceFormatError(spec, `${url} is not a readable RSS or Atom feed: ${reason}`, { cause: err });
  }
}

/** Maps one parsed entry; null when it has no title or no link (counted as skipped). */
function toRawItem(entry: FeedEntry, baseUrl: string, publisher: string | undefined): RawItem | null {
  const title = asText(entry.title);
  const guid = asText(entry.guid);
  // Some feeds only give a permalink guid; relative links (common in Atom) resolve against the feed URL.
  const link = asText(entry.link) ?? (guid && /^https?:\/\//i.test(guid) ? guid : undefined);
  if (title === undefined || link === undefined) return null;
  const item: RawItem = { url: resolveUrl(link, baseUrl), title };

  const externalId = guid ?? asText(entry['id']);
  if (externalId !== undefined) item.externalId = externalId;
  const summary = asText(entry.summary);
  const text = asText(entry.contentSnippet) ?? (summary ? htmlToText(summary) : undefined) ?? asText(entry['content:encodedSnippet']);
  if (text) item.text = text;
  const author = asText(entry.creator) ?? asText(entry['author']);
  if (author !== undefined) item.author = author;
  const publishedAt = firstDate(entry.pubDate, entry['published'], entry['date'], entry['updated'], entry.isoDate);
  if (publishedAt !== undefined) item.publishedAt = publishedAt;

  const metadata: Record<string, unknown> = {};
  const categories = [...toArray(entry.categories), ...toArray(entry['atomCategories'])].flatMap((c) => categoryName(c) ?? []);
  if (categories.length > 0) metadata['categories'] = [...new Set(categories)];
  if (publisher !== undefined) metadata['publisher'] = publisher;
  item.metadata = metadata;
  return item;
}

function firstDate(...candidates: unknown[]): Date | undefined {
  for (const candidate of candidates) {
    const text = asText(candidate);
    const date = text === undefined ? undefined : parseDate(text);
    if (date) return date;
  }
  return undefined;
}

function resolveUrl(link: string, base: string): string {
  try {
    return new URL(link, base).toString();
  } catch {
    return link; // normalizeItem drops items whose URL does not parse
  }
}

/** Text of an xml2js value: a string, or `{ _: text }` for elements with attributes. */
function asText(value: unknown): string | undefined {
  const text = typeof value === 'string' ? value : isObject(value) && typeof value['_'] === 'string' ? value['_'] : undefined;
  const trimmed = text?.trim();
  return trimmed ? trimmed : undefined;
}

/** RSS `<category>Tech</category>` or Atom `<category term="tech" label="Tech"/>`. */
function categoryName(value: unknown): string | undefined {
  const attrs = isObject(value) && isObject(value['$']) ? value['$'] : {};
  return asText(value) ?? asText(attrs['label']) ?? asText(attrs['term']);
}

function toArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : value === undefined ? [] : [value];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
