import { validatorsFrom } from '../cursor';
import { SourceFormatError } from '../errors';
import type { HttpClient, HttpResponse } from '../http';
import { looksLikeHtml } from '../http-body';
import { extractArticle, isHtmlContentType } from './article';
import type { WebSourceConfig } from './feed-specs';
import { TrackedSource } from './json-source';
import type { FetchOptions, RawItem } from './types';

export const HTML_ACCEPT = 'text/html, application/xhtml+xml;q=0.9, */*;q=0.5';

/**
 * `web:<url>`: one article page, its main text extracted with Readability. The cursor keeps the
 * page's ETag/Last-Modified, so an unchanged page costs one 304 on later runs.
 */
export class WebSource extends TrackedSource {
  readonly kind = 'web';

  constructor(
    spec: string,
    private readonly config: WebSourceConfig,
    private readonly http: HttpClient,
  ) {
    super(spec);
  }

  protected async *pages(options: FetchOptions): AsyncGenerator<RawItem[]> {
    const stats = this.current;
    const response = await this.http.get({
      spec: this.spec,
      url: this.config.url,
      accept: HTML_ACCEPT,
      validators: validatorsFrom(options.cursor),
      signal: options.signal,
      stats,
    });
    if (!response.notModified) {
      stats.rows = 1;
      const item = articleItem(this.spec, response, {});
      stats.emitted = 1;
      yield [item];
    }
    this.next = { ...response.validators };
  }
}

/**
 * The item of one fetched article page; SourceFormatError when it is not HTML or has no readable
 * article. `hints` fill in what the page itself lacks (a sitemap's news publication date).
 */
export function articleItem(spec: string, response: HttpResponse, hints: { publishedAt?: Date }): RawItem {
  const url = response.url;
  if (!isHtmlContentType(response.contentType)) {
    throw new SourceFormatError(spec, `${url} is not an HTML page (content-type ${response.contentType})`);
  }
  const html = response.text();
  if (!looksLikeHtml(html) && !/<(?:p|div|article)[\s>]/i.test(html.slice(0, 65_536))) {
    throw new SourceFormatError(spec, `${url} did not return HTML`);
  }
  const article = extractArticle(html, url);
  if (!article) throw new SourceFormatError(spec, `${url} has no readable article text (a home page, a login wall, or a script-only page?)`);
  const item: RawItem = {
    externalId: url,
    url: article.canonicalUrl ?? url,
    title: article.title,
    text: article.text,
    ...(article.lang && { language: article.lang }),
    metadata: {
      fetchedUrl: url,
      ...(article.siteName && { publisher: article.siteName }),
      ...(article.excerpt && { excerpt: article.excerpt }),
      ...(article.lang && { declaredLanguage: article.lang }),
    },
  };
  if (article.author) item.author = article.author;
  const publishedAt = article.publishedAt ?? hints.publishedAt;
  if (publishedAt) item.publishedAt = publishedAt;
  return item;
}
