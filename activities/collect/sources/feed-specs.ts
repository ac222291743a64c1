import { z } from 'zod';
import { SourceSpecError } from '../errors';
import type { Endpoint } from './base-urls';
import { limitOption, parseHttpUrl, parseOptions, splitQuery } from './spec-options';

/** Feed kinds: any feed by URL, plus the platforms users name instead of hunting for their feed URLs. */
export type FeedKind = 'rss' | 'atom' | 'youtube' | 'medium' | 'devto' | 'producthunt' | 'arxiv' | 'lobsters';

/** A parsed feed spec: `rss:`/`atom:` carry their URL, named feeds an endpoint on the platform's base URL. */
export interface FeedSourceConfig {
  kind: FeedKind;
  /** Absolute feed URL (rss/atom). */
  url?: string;
  endpoint?: Endpoint;
}

/** `web:<url>`: one article, main text extracted. */
export interface WebSourceConfig {
  kind: 'web';
  url: string;
}

/** `sitemap:<url>[#limit=N]`: article URLs from a sitemap (or sitemap index), each fetched and extracted. */
export interface SitemapSourceConfig {
  kind: 'sitemap';
  url: string;
  /** Articles fetched per run, newest `lastmod` first. */
  limit: number;
}

const SLUG = /^[A-Za-z0-9][\w.-]{0,99}$/;
const YOUTUBE_CHANNEL = /^UC[\w-]{22}$/;
const YOUTUBE_PLAYLIST = /^(?:PL|UU|LL|FL|OL)[\w-]{10,64}$/;

/** `rss:<url>`/`atom:<url>`: the whole target, query string included, is the feed URL. */
export function parseUrlFeedSpec(spec: string, kind: 'rss' | 'atom', target: string): FeedSourceConfig {
  return { kind, url: parseHttpUrl(spec, kind, target).toString() };
}

/** `web:<url>`: the whole target is the page URL. */
export function parseWebSpec(spec: string, target: string): WebSourceConfig {
  return { kind: 'web', url: parseHttpUrl(spec, 'web', target).toString() };
}

const sitemapOptions = z.object({ limit: limitOption(500) }).partial();

/** Options go in the fragment (`#limit=20`), which is never sent to the server, so the sitemap URL keeps its own query. */
export function parseSitemapSpec(spec: string, target: string): SitemapSourceConfig {
  const url = parseHttpUrl(spec, 'sitemap', target);
  const options = parseOptions(spec, 'sitemap', url.hash.replace(/^#/, ''), sitemapOptions);
  url.hash = '';
  return { kind: 'sitemap', url: url.toString(), limit: options.limit ?? 20 };
}

const arxivOptions = z.object({ limit: limitOption(500) }).partial();

/** Named feeds: `youtube:`, `medium:`, `devto:`, `producthunt:`, `arxiv:`, `lobsters:`. */
export function parseNamedFeedSpec(spec: string, kind: Exclude<FeedKind, 'rss' | 'atom'>, target: string): FeedSourceConfig {
  const fail = (expected: string): never => {
    throw new SourceSpecError(spec, `cannot read "${target}" in "${spec}"; expected ${expected}`);
  };
  const endpoint = (base: Endpoint['base'], path: string): FeedSourceConfig => ({ kind, endpoint: { base, path } });
  switch (kind) {
    case 'youtube': {
      const [what, id] = target.includes('/') ? target.split('/', 2) : ['channel', target];
      if (what === 'channel' && id && YOUTUBE_CHANNEL.test(id)) return endpoint('youtube', `/feeds/videos.xml?channel_id=${id}`);
      if (what === 'playlist' && id && YOUTUBE_PLAYLIST.test(id)) return endpoint('youtube', `/feeds/videos.xml?playlist_id=${id}`);
      return fail('youtube:<channel id, UC…> or youtube:playlist/<playlist id> (a channel id is in the channel page source as "channelId")');
    }
    case 'medium': {
      const tag = /^tag\/([\w-]{1,100})$/.exec(target)?.[1];
      if (tag) return endpoint('medium', `/feed/tag/${tag.toLowerCase()}`);
      const user = /^@([\w.-]{1,100})$/.exec(target)?.[1];
      if (user) return endpoint('medium', `/feed/@${user}`);
      if (SLUG.test(target)) return endpoint('medium', `/feed/${target}`); // a publication
      return fail('medium:@<user>, medium:tag/<tag> or medium:<publication>');
    }
    case 'devto': {
      if (target === '') return endpoint('devto', '/feed');
      const user = /^@([\w-]{1,100})$/.exec(target)?.[1];
      if (user) return endpoint('devto', `/feed/${user}`);
      if (/^[a-z0-9]{1,50}$/i.test(target)) return endpoint('devto', `/feed/tag/${target.toLowerCase()}`);
      return fail('devto:<tag> (letters and digits), devto:@<user>, or devto: for the front page');
    }
    case 'producthunt':
      return target === '' ? endpoint('producthunt', '/feed') : fail('producthunt: with nothing after the colon (the whole-site feed)');
    case 'lobsters': {
      if (target === '' || target === 'hottest') return endpoint('lobsters', '/rss');
      if (target === 'newest') return endpoint('lobsters', '/newest.rss');
      const tags = /^t\/([a-z0-9_.+-]{1,50}(?:,[a-z0-9_.+-]{1,50})*)$/i.exec(target)?.[1];
      if (tags) return endpoint('lobsters', `/t/${tags.toLowerCase()}.rss`);
      return fail('lobsters:, lobsters:newest, or lobsters:t/<tag>[,<tag>…]');
    }
    case 'arxiv': {
      const { path: query, query: rawOptions } = splitQuery(target);
      const options = parseOptions(spec, 'arxiv', rawOptions, arxivOptions);
      if (query.trim() === '') return fail('arxiv:<search query>, e.g. arxiv:cat:cs.CL or arxiv:all:"diffusion model"');
      // arXiv's API documents search_query with + for spaces; sort newest first so the cursor works.
      const params = new URLSearchParams({
        search_query: query.trim(),
        sortBy: 'submittedDate',
        sortOrder: 'descending',
        start: '0',
        max_results: String(options.limit ?? 100),
      });
      return endpoint('arxiv', `/api/query?${params.toString()}`);
    }
  }
}
