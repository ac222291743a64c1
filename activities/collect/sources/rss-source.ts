import Parser from 'rss-parser';
import { errorMessage, SourceFetchError, SourceFormatError, SourceNotFoundError } from '../errors';
import { htmlToText, parseDate } from '../normalize';
import { pageSizeOf } from './csv-source';
import type { FeedSourceConfig, SourceStats } from './spec';
import type { FetchOptions, RawItem, Source } from './types';

/** HTTP limits for feed downloads. */
export interface FeedHttpOptions {
  /** Whole request, body included. */
  timeoutMs: number;
  maxBytes: number;
  userAgent: string;
}

export const DEFAULT_FEED_HTTP_OPTIONS: FeedHttpOptions = {
  timeoutMs: 20_000,
  maxBytes: 10 * 1024 * 1024,
  userAgent: 'trendflow/0.1 (+https://github.com/trendflow/trendflow)',
};

const ACCEPT = 'application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, application/xml;q=0.8, text/xml;q=0.8, */*;q=0.5';

type FeedEntry = Parser.Item & Record<string, unknown>;

/**
 * Downloads one RSS 1.0/2.0 or Atom feed and yields its entries. The feed is one natural page;
 * it is split by pageSize only to keep page sizes uniform across sources.
 */
export class RssSource implements Source {
  readonly kind: 'rss' | 'atom';
  private current: SourceStats = { rows: 0, emitted: 0, skipped: 0 };

  constructor(
    readonly spec: string,
    private readonly config: FeedSourceConfig,
    private readonly http: FeedHttpOptions = DEFAULT_FEED_HTTP_OPTIONS,
  ) {
    this.kind = config.kind;
  }

  /** Counters of the latest (or running) fetchPages call. */
  get stats(): SourceStats {
    return { ...this.current };
  }

  async *fetchPages(options: FetchOptions = {}): AsyncGenerator<RawItem[]> {
    const stats: SourceStats = { rows: 0, emitted: 0, skipped: 0 };
    this.current = stats;
    const { body, finalUrl } = await this.download(options.signal);
    const feed = await parseFeed(this.spec, finalUrl, body);
    const publisher = asText(feed.title);
    const items: RawItem[] = [];
    for (const entry of feed.items) {
      stats.rows += 1;
      const item = toRawItem(entry, finalUrl, publisher);
      if (item) items.push(item);
      else stats.skipped += 1;
    }
    const pageSize = pageSizeOf(options);
    for (let start = 0; start < items.length; start += pageSize) {
      options.signal?.throwIfAborted();
      const page = items.slice(start, start + pageSize);
      stats.emitted += page.length;
      yield page;
    }
  }

  private async download(signal: AbortSignal | undefined): Promise<{ body: string; finalUrl: string }> {
    const { spec, config, http } = this;
    const timeout = AbortSignal.timeout(http.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    const failure = (err: unknown): unknown => {
      if (signal?.aborted) return signal.reason;
      if (err instanceof SourceFormatError) return err;
      if (timeout.aborted) {
        return new SourceFetchError(spec, `no complete response from ${config.url} within ${http.timeoutMs} ms`, { cause: err });
      }
      return new SourceFetchError(spec, `fetching ${config.url} failed: ${describeNetworkError(err)}`, { cause: err });
    };

    let response: Response;
    try {
      // Redirects are followed (fetch default); response.url is then the final address.
      response = await fetch(config.url, { signal: combined, headers: { 'User-Agent': http.userAgent, Accept: ACCEPT } });
    } catch (err) {
      throw failure(err);
    }
    if (!response.ok) {
      // Free the connection; the error body is not needed.
      await response.body?.cancel().catch(() => undefined);
      throw statusError(spec, config.url, response);
    }
    const declared = Number(response.headers.get('content-length'));
    if (Number.isFinite(declared) && declared > http.maxBytes) {
      await response.body?.cancel().catch(() => undefined);
      throw tooLarge(spec, config.url, http.maxBytes);
    }
    let bytes: Uint8Array;
    try {
      bytes = await readCapped(response, http.maxBytes, () => tooLarge(spec, config.url, http.maxBytes));
    } catch (err) {
      throw failure(err);
    }
    return { body: decode(bytes, response.headers.get('content-type')), finalUrl: response.url || config.url };
  }
}

/** Maps a non-2xx answer: 404/410 not found, 408/429/5xx retryable (with Retry-After), other statuses permanent. */
function statusError(spec: string, url: string, response: Response): Error {
  const { status } = response;
  const label = `${url} answered ${status}${response.statusText ? ` ${response.statusText}` : ''}`;
  if (status === 404 || status === 410) return new SourceNotFoundError(spec, label);
  // 408 is the server timing out our request: as transient as a 503.
  if (status === 408 || status === 429 || status >= 500) {
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
    return new SourceFetchError(spec, label, { status, retryable: true, ...(retryAfterMs !== undefined && { retryAfterMs }) });
  }
  return new SourceFetchError(spec, label, { status, retryable: false });
}

/** Retry-After as milliseconds from now: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function tooLarge(spec: string, url: string, maxBytes: number): SourceFormatError {
  return new SourceFormatError(spec, `${url} sent more than ${maxBytes} bytes; not a feed we will read`);
}

/** Reads the body chunk by chunk so an oversized response is cut off instead of buffered whole. */
async function readCapped(response: Response, maxBytes: number, onTooLarge: () => Error): Promise<Uint8Array> {
  if (!response.body) return new Uint8Array(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw onTooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, total);
}

/** Charset from Content-Type, else from the XML declaration, else UTF-8 (the XML default). */
function decode(bytes: Uint8Array, contentType: string | null): string {
  const head = Buffer.from(bytes.subarray(0, 200)).toString('latin1');
  const label = /charset\s*=\s*"?([\w.:-]+)/i.exec(contentType ?? '')?.[1] ?? /^\s*<\?xml[^>]*encoding\s*=\s*["']([\w.:-]+)["']/i.exec(head)?.[1] ?? 'utf-8';
  try {
    return new TextDecoder(label).decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
}

function describeNetworkError(err: unknown): string {
  // undici reports "fetch failed" and keeps the useful part (ECONNREFUSED, ENOTFOUND…) in `cause`.
  const cause = isObject(err) ? err['cause'] : undefined;
  const code = isObject(cause) && typeof cause['code'] === 'string' ? cause['code'] : undefined;
  const message = errorMessage(err);
  return code ? `${message} (${code})` : cause !== undefined ? `${message}: ${errorMessage(cause)}` : message;
}

// rss-parser converts Atom <published>/<updated> with `new Date(x).toISOString()`, which throws on one bad
// date and loses the whole feed; renaming the tags hands the raw strings to parseDate instead.
const renameAtomDates = (name: string): string => (name === 'published' || name === 'updated' ? `tf-${name}` : name);

/** Parses RSS 1.0/2.0/Atom text; HTML pages and anything else become SourceFormatError. */
async function parseFeed(spec: string, url: string, body: string): Promise<Parser.Output<FeedEntry>> {
  if (/^\s*(?:<\?xml[^>]*>\s*)?(?:<!--[\s\S]*?-->\s*)*<(?:!doctype\s+html|html[\s>])/i.test(body.slice(0, 4096))) {
    throw new SourceFormatError(spec, `${url} returned an HTML page, not an RSS or Atom feed`);
  }
  if (body.trim() === '') throw new SourceFormatError(spec, `${url} returned an empty body, not a feed`);
  // A fresh parser per call: rss-parser shares one xml2js parser per instance, which concurrent parses would corrupt.
  const parser = new Parser<Record<string, unknown>, FeedEntry>({
    xml2js: { tagNameProcessors: [renameAtomDates] },
    customFields: {
      item: [['category', 'atomCategories', { keepArray: true }], ['tf-published', 'published'], ['tf-updated', 'updated']],
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
