import type { parseHTML as ParseHtml } from 'linkedom' with { 'resolution-mode': 'import' };
import { Readability } from '@mozilla/readability';
import { parseDate } from '../normalize';

type Linkedom = { parseHTML: typeof ParseHtml };
let linkedom: Linkedom | undefined;

/**
 * linkedom 0.18's CommonJS build requires css-select 7, which is ESM-only: Node ≥ 20.19 loads that
 * through require(esm), but Jest's module registry (which also wraps `module.createRequire`) cannot.
 * Node's own require, reached through process.getBuiltinModule, works in both. Loaded on first use.
 * Its DOM types resolve to nothing without the DOM lib, so the DOM calls made here are typed by
 * MiniDocument below.
 */
function loadLinkedom(): Linkedom {
  linkedom ??= process.getBuiltinModule('node:module').createRequire(__filename)('linkedom') as Linkedom;
  return linkedom;
}

interface MiniElement {
  getAttribute(name: string): string | null;
  textContent: string | null;
}
interface MiniDocument {
  querySelector(selector: string): MiniElement | null;
}

/** What a readable page yields. */
export interface Article {
  title: string;
  text: string;
  /** `<link rel=canonical>` (else og:url) resolved against the page URL, when it is http(s). */
  canonicalUrl?: string;
  author?: string;
  publishedAt?: Date;
  siteName?: string;
  excerpt?: string;
  lang?: string;
}

/** Shorter "articles" are navigation, cookie banners or error stubs. */
const MIN_ARTICLE_CHARS = 100;

// Where publishers put the publication time, most specific first (Readability already reads JSON-LD).
const PUBLISHED_SELECTORS: Array<[string, string]> = [
  ['meta[property="article:published_time"]', 'content'],
  ['meta[name="article:published_time"]', 'content'],
  ['meta[itemprop="datePublished"]', 'content'],
  ['meta[name="date"]', 'content'],
  ['meta[name="dc.date"]', 'content'],
  ['time[datetime]', 'datetime'],
];

/**
 * The main text of an HTML page via Mozilla Readability (the Firefox Reader View engine) over
 * linkedom's DOM; null when the page has no article-like content (a home page, a login wall).
 */
export function extractArticle(html: string, pageUrl: string): Article | null {
  const { document } = loadLinkedom().parseHTML(html);
  const doc = document as unknown as MiniDocument;
  // Read metadata first: Readability rewrites the document while it works.
  const meta = (selector: string, attr = 'content'): string | undefined => doc.querySelector(selector)?.getAttribute(attr)?.trim() || undefined;
  const canonical = absoluteHttp(meta('link[rel="canonical"]', 'href') ?? meta('meta[property="og:url"]'), pageUrl);
  const metaPublished = PUBLISHED_SELECTORS.map(([selector, attr]) => meta(selector, attr)).find((v) => v !== undefined);
  const fallbackTitle = meta('meta[property="og:title"]') ?? doc.querySelector('title')?.textContent?.trim();

  const parsed = new Readability(document, { charThreshold: 300 }).parse();
  const text = parsed?.textContent?.replace(/\s+/g, ' ').trim() ?? '';
  const title = parsed?.title?.trim() || fallbackTitle;
  // Readability returns its best attempt even for a page of links; a few words are not an article.
  if (!parsed || text.length < MIN_ARTICLE_CHARS || !title) return null;
  const article: Article = { title, text };
  if (canonical) article.canonicalUrl = canonical;
  if (parsed.byline?.trim()) article.author = parsed.byline.trim();
  const publishedAt = parseDate(parsed.publishedTime ?? metaPublished ?? '');
  if (publishedAt) article.publishedAt = publishedAt;
  if (parsed.siteName?.trim()) article.siteName = parsed.siteName.trim();
  if (parsed.excerpt?.trim()) article.excerpt = parsed.excerpt.trim();
  if (parsed.lang?.trim()) article.lang = parsed.lang.trim();
  return article;
}

/** True for content types an article page may have (or none at all). */
export function isHtmlContentType(contentType: string): boolean {
  return contentType === '' || /\b(?:text\/html|application\/xhtml\+xml)\b/i.test(contentType);
}

function absoluteHttp(href: string | undefined, base: string): string | undefined {
  if (!href) return undefined;
  try {
    const url = new URL(href, base);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.toString() : undefined;
  } catch {
    return undefined;
  }
}
