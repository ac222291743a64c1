import { SourceSpecError } from '../../../activities/collect/errors';
import { DEFAULT_BASE_URLS, resolveBaseUrls } from '../../../activities/collect/sources';
import { parseSourceSpec } from '../../../activities/collect/sources/spec';

function specError(spec: string): SourceSpecError {
  try {
    parseSourceSpec(spec);
  } catch (err) {
    if (err instanceof SourceSpecError) return err;
    throw err;
  }
  throw new Error(`expected "${spec}" to be rejected`);
}

describe('connector specs', () => {
  it('reads hn lists and search, with defaults', () => {
    expect(parseSourceSpec('hn:')).toEqual({ kind: 'hn', mode: 'list', list: 'top', limit: 100 });
    expect(parseSourceSpec('hn:Best?limit=30')).toEqual({ kind: 'hn', mode: 'list', list: 'best', limit: 30 });
    expect(parseSourceSpec('hn:search?q=rust lang&from=2024-05-01&to=1714700000&tags=show_hn')).toEqual({
      kind: 'hn', mode: 'search', query: 'rust lang', tags: 'show_hn', limit: 200,
      from: { at: new Date('2024-05-01T00:00:00Z') },
      to: { at: new Date(1714700000 * 1000) },
    });
    expect(parseSourceSpec('hn:search?q=ai&from=24h')).toMatchObject({ from: { agoMs: 86_400_000 } });
  });

  it('reads reddit subreddits, listings and options', () => {
    expect(parseSourceSpec('reddit:programming')).toEqual({ kind: 'reddit', subreddit: 'programming', listing: 'hot', limit: 100, includeStickied: false });
    expect(parseSourceSpec('reddit:r/rust+golang/top?t=day&limit=250')).toEqual({
      kind: 'reddit', subreddit: 'rust+golang', listing: 'top', t: 'day', limit: 250, includeStickied: false,
    });
  });

  it('reads github search and releases', () => {
    expect(parseSourceSpec('github:search?q=topic:llm&window=7d&by=pushed')).toEqual({
      kind: 'github', mode: 'search', query: 'topic:llm', by: 'pushed', limit: 100, since: { agoMs: 7 * 86_400_000 },
    });
    expect(parseSourceSpec('github:releases/nodejs/node?prereleases=no')).toEqual({
      kind: 'github', mode: 'releases', owner: 'nodejs', repo: 'node', prereleases: false, limit: 30,
    });
  });

  it('maps named feeds to endpoints on overridable base URLs', () => {
    expect(parseSourceSpec('youtube:UCsBjURrPoezykLs9EqgamOA')).toEqual({
      kind: 'youtube', endpoint: { base: 'youtube', path: '/feeds/videos.xml?channel_id=UCsBjURrPoezykLs9EqgamOA' },
    });
    expect(parseSourceSpec('medium:@karpathy')).toMatchObject({ endpoint: { base: 'medium', path: '/feed/@karpathy' } });
    expect(parseSourceSpec('medium:towards-data-science')).toMatchObject({ endpoint: { path: '/feed/towards-data-science' } });
    expect(parseSourceSpec('devto:')).toMatchObject({ endpoint: { base: 'devto', path: '/feed' } });
    expect(parseSourceSpec('devto:@ben')).toMatchObject({ endpoint: { path: '/feed/ben' } });
    expect(parseSourceSpec('producthunt:')).toMatchObject({ endpoint: { base: 'producthunt', path: '/feed' } });
    expect(parseSourceSpec('lobsters:newest')).toMatchObject({ endpoint: { base: 'lobsters', path: '/newest.rss' } });
    expect(parseSourceSpec('arxiv:cat:cs.AI')).toMatchObject({
      endpoint: { base: 'arxiv', path: '/api/query?search_query=cat%3Acs.AI&sortBy=submittedDate&sortOrder=descending&start=0&max_results=100' },
    });
    expect(resolveBaseUrls({ hn: 'http://127.0.0.1:9999/v0/' })).toEqual({ ...DEFAULT_BASE_URLS, hn: 'http://127.0.0.1:9999/v0' });
    expect(() => resolveBaseUrls({ hackernews: 'http://x' })).toThrow(/unknown base URL name "hackernews"; known: hn, hn-search/);
  });

  it('reads web and sitemap URLs; sitemap options live in the fragment', () => {
    expect(parseSourceSpec('web:https://Example.com/a?id=1')).toEqual({ kind: 'web', url: 'https://example.com/a?id=1' });
    expect(parseSourceSpec('sitemap:https://example.com/sitemap.xml?lang=en#limit=5')).toEqual({
      kind: 'sitemap', url: 'https://example.com/sitemap.xml?lang=en', limit: 5,
    });
    expect(parseSourceSpec('sitemap:https://example.com/sitemap.xml')).toMatchObject({ limit: 20 });
  });

  it.each([
    ['hn:trending', 'unknown Hacker News list "trending" in "hn:trending"; expected one of top, new, best, ask, show, job or search?q=…'],
    ['hn:top?limit=0', /invalid options in "hn:top\?limit=0": limit: /],
    ['hn:top?count=5', 'unknown option "count" in "hn:top?count=5"; hn options are limit'],
    ['hn:search?q=x&from=last tuesday', /from: "last tuesday" is not a date/],
    ['reddit:a', /is not a subreddit; expected reddit:<name>/],
    ['reddit:rust/best', 'unknown listing "best" in "reddit:rust/best"; expected one of hot, new, top, rising, controversial'],
    ['reddit:rust/hot?t=day', 'option t=day in "reddit:rust/hot?t=day" only applies to the top and controversial listings'],
    ['reddit:rust?t=decade', /t: /],
    ['github:search', /q: /],
    ['github:search?q=x created:>2024-01-01&window=7d', /has both a created:\/pushed: qualifier in q and window=/],
    ['github:releases/nodejs', /expected github:search\?q=… or github:releases\/<owner>\/<repo>/],
    ['github:', 'source spec "github:" is missing the target after "github:"'],
    ['youtube:Fireship', /expected youtube:<channel id, UC…> or youtube:playlist/],
    ['medium:tag/', /expected medium:@<user>, medium:tag\/<tag> or medium:<publication>/],
    ['producthunt:ai', /expected producthunt: with nothing after the colon/],
    ['lobsters:rust', /expected lobsters:, lobsters:newest, or lobsters:t\/<tag>/],
    ['arxiv:?limit=5', /expected arxiv:<search query>/],
    ['web:example.com/a', '"example.com/a" in "web:example.com/a" is not an absolute URL; expected web:https://…'],
    ['sitemap:https://e.com/s.xml#limit=9999', /limit: /],
    ['sitemap:https://e.com/s.xml#max=3', /unknown option "max" in .*; sitemap options are limit/],
  ])('rejects %s', (spec, message) => {
    const err = specError(spec);
    if (typeof message === 'string') expect(err.message).toBe(message);
    else expect(err.message).toMatch(message);
    expect(err).toMatchObject({ spec, retryable: false });
  });
});
