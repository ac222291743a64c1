import { gunzipSync } from 'node:zlib';
import { XMLParser } from 'fast-xml-parser';
import { cursorDate, SeenSet, validatorsFrom } from '../cursor';
import { errorMessage, SourceError, SourceFormatError } from '../errors';
import type { HttpClient, HttpResponse } from '../http';
import { decodeText, looksLikeHtml } from '../http-body';
import { parseDate } from '../normalize';
import type { SitemapSourceConfig } from './feed-specs';
import { TrackedSource } from './json-source';
import type { FetchOptions, RawItem } from './types';
import { articleItem, HTML_ACCEPT } from './web-source';

/** Child sitemaps of an index read per run, newest first (news sites have hundreds of archive sitemaps). */
const MAX_CHILD_SITEMAPS = 5;
/** Articles per yielded page; also the heartbeat interval while pages are fetched one by one. */
const ARTICLES_PER_PAGE = 10;

interface Entry {
  loc: string;
  lastmod?: Date;
  /** Google News sitemap `<news:publication_date>`. */
  newsDate?: Date;
}

/**
 * `sitemap:<url>`: article URLs from a sitemap or sitemap index (gzipped ones too), newest `lastmod`
 * first, each fetched politely (same per-host limiter) and extracted like `web:`, at most `limit`
 * per run. The cursor keeps the sitemap's validators (an unchanged sitemap costs one 304), the newest
 * lastmod seen, and the URLs already collected. One broken article is skipped and counted; if every
 * article fails, the first failure is the source's.
 */
export class SitemapSource extends TrackedSource {
  readonly kind = 'sitemap';

  constructor(
    spec: string,
    private readonly config: SitemapSourceConfig,
    private readonly http: HttpClient,
    private readonly maxBytes: number,
  ) {
    super(spec);
  }

  protected async *pages(options: FetchOptions): AsyncGenerator<RawItem[]> {
    const stats = this.current;
    const seen = SeenSet.from(options.cursor);
    const since = cursorDate(options.cursor, 'newest');
    const get = (url: string, accept: string, withValidators = false) =>
      this.http.get({
        spec: this.spec, url, accept, signal: options.signal, stats,
        ...(withValidators && { validators: validatorsFrom(options.cursor) }),
      });

    const root = await get(this.config.url, XML_ACCEPT, true);
    const keep = { ...(since && { newest: since.toISOString() }) };
    if (root.notModified) {
      this.next = { ...root.validators, ...keep, seen: seen.toJSON() };
      return;
    }
    const parsed = this.parse(root);
    let entries = parsed.urls;
    for (const child of parsed.sitemaps.slice(0, MAX_CHILD_SITEMAPS)) {
      entries = entries.concat(this.parse(await get(child.loc, XML_ACCEPT)).urls);
    }
    const fresh = [...new Map(entries.map((e) => [e.loc, e])).values()]
      .filter((e) => !seen.has(e.loc) && !(since && e.lastmod && e.lastmod < since))
      .sort((a, b) => (b.lastmod?.getTime() ?? 0) - (a.lastmod?.getTime() ?? 0))
      .slice(0, this.config.limit);
    stats.seen = entries.length - fresh.length;

    let newest = since;
    let firstError: SourceError | undefined;
    let page: RawItem[] = [];
    for (const entry of fresh) {
      stats.rows++;
      try {
        page.push(articleItem(this.spec, await get(entry.loc, HTML_ACCEPT), { ...(entry.newsDate && { publishedAt: entry.newsDate }) }));
        seen.add(entry.loc);
        if (entry.lastmod && (!newest || entry.lastmod > newest)) newest = entry.lastmod;
      } catch (err) {
        if (!(err instanceof SourceError)) throw err; // a cancellation, or a bug
        stats.skipped++;
        firstError ??= err;
        // Permanent failures are remembered so later runs do not ask again; transient ones are retried next run.
        if (!err.retryable) seen.add(entry.loc);
      }
      if (page.length >= ARTICLES_PER_PAGE) {
        stats.emitted += page.length;
        yield page;
        page = [];
      }
    }
    if (page.length > 0) {
      stats.emitted += page.length;
      yield page;
    }
    if (firstError && stats.emitted === 0) throw firstError;
    this.next = { ...root.validators, ...(newest && { newest: newest.toISOString() }), seen: seen.toJSON() };
  }

  /** `<urlset>` entries and `<sitemapindex>` children (newest first) of one sitemap document. */
  private parse(response: HttpResponse): { urls: Entry[]; sitemaps: Entry[] } {
    const url = response.url;
    let bytes = response.bytes;
    if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
      // Served as a .gz file rather than with Content-Encoding, so fetch did not inflate it; the cap still applies.
      try {
        bytes = gunzipSync(bytes, { maxOutputLength: this.maxBytes });
      } catch (err) {
        throw new SourceFormatError(this.spec, `${url} is a broken or oversized gzip file: ${errorMessage(err)}`, { cause: err });
      }
    }
    const text = decodeText(bytes, response.contentType);
    if (looksLikeHtml(text)) throw new SourceFormatError(this.spec, `${url} returned an HTML page, not a sitemap`);
    let doc: unknown;
    try {
      doc = new XMLParser({ removeNSPrefix: true, isArray: (name) => name === 'url' || name === 'sitemap' }).parse(text, true);
    } catch (err) {
      throw new SourceFormatError(this.spec, `${url} is not valid XML: ${errorMessage(err).split('\n')[0]}`, { cause: err });
    }
    const urlset = field(doc, 'urlset');
    const index = field(doc, 'sitemapindex');
    if (urlset === undefined && index === undefined) {
      throw new SourceFormatError(this.spec, `${url} is not a sitemap (no <urlset> or <sitemapindex>)`);
    }
    const toEntry = (node: unknown): Entry[] => {
      const loc = scalarText(field(node, 'loc'));
      if (!loc || !/^https?:\/\//i.test(loc)) return [];
      const lastmod = parseDate(scalarText(field(node, 'lastmod')) ?? '');
      const newsDate = parseDate(scalarText(field(field(node, 'news'), 'publication_date')) ?? '');
      return [{ loc, ...(lastmod && { lastmod }), ...(newsDate && { newsDate }) }];
    };
    const urls = list(field(urlset, 'url')).flatMap(toEntry);
    const sitemaps = list(field(index, 'sitemap'))
      .flatMap(toEntry)
      .sort((a, b) => (b.lastmod?.getTime() ?? 0) - (a.lastmod?.getTime() ?? 0));
    return { urls, sitemaps };
  }
}

const XML_ACCEPT = 'application/xml, text/xml;q=0.9, */*;q=0.5';

function field(node: unknown, name: string): unknown {
  return typeof node === 'object' && node !== null && !Array.isArray(node) ? (node as Record<string, unknown>)[name] : undefined;
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : value === undefined || value === '' ? [] : [value];
}

function scalarText(value: unknown): string | undefined {
  const raw = typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;
  return raw?.trim() || undefined;
}
