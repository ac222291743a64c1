import type { HttpClient } from '../../../activities/collect/http';
import { conditional, fixture, sendText, startReplayServer, type ReplayServer } from './replay-server';
import { fastClient, runSource, sourceFailure } from './run-source';

const RSS = (title: string, link: string) =>
  `<?xml version="1.0"?><rss version="2.0"><channel><title>${title}</title><item><title>${title} item</title><link>${link}</link></item></channel></rss>`;

let host: ReplayServer; // stands in for youtube.com, export.arxiv.org, lobste.rs, medium.com, dev.to and producthunt.com
let http: HttpClient;
const options = () => ({
  http,
  baseUrls: {
    youtube: host.base, arxiv: host.base, lobsters: host.base, medium: host.base, devto: host.base, producthunt: host.base,
  },
});

beforeAll(async () => {
  http = fastClient();
  host = await startReplayServer({
    '/feeds/videos.xml': (_req, res) => sendText(res, fixture('youtube-videos.xml'), 'application/atom+xml; charset=UTF-8'),
    '/api/query': (_req, res, url) =>
      url.searchParams.get('search_query') === 'bad:'
        ? sendText(res, fixture('arxiv-error.xml'), 'application/atom+xml', 400)
        : sendText(res, fixture('arxiv-query.xml'), 'application/atom+xml; charset=utf-8'),
    '/rss': conditional(fixture('lobsters.rss'), 'application/rss+xml; charset=utf-8', '"lobsters-1"', 'Thu, 02 May 2024 16:03:10 GMT'),
    '/t/rust,databases.rss': (_req, res) => sendText(res, fixture('lobsters.rss'), 'application/rss+xml'),
    '/feed/@karpathy': (_req, res) => sendText(res, RSS('Medium user', 'https://medium.com/@karpathy/post-1'), 'text/xml'),
    '/feed/tag/machine-learning': (_req, res) => sendText(res, RSS('Medium tag', 'https://medium.com/p/ml-1'), 'text/xml'),
    '/feed/tag/javascript': (_req, res) => sendText(res, RSS('Dev tag', 'https://dev.to/x/js-1'), 'application/rss+xml'),
    '/feed': (_req, res) => sendText(res, RSS('Product Hunt', 'https://www.producthunt.com/products/x'), 'application/atom+xml'),
  });
});

afterAll(async () => {
  await http?.close();
  await host?.close();
});

describe('named feeds (a local server stands in for each platform)', () => {
  it('youtube: reads the channel feed with description, views and likes', async () => {
    const before = host.requests.length;
    const { items } = await runSource('youtube:UCsBjURrPoezykLs9EqgamOA', options());
    expect(host.requests[before]?.url).toBe('/feeds/videos.xml?channel_id=UCsBjURrPoezykLs9EqgamOA');
    expect(items).toHaveLength(2);
    expect(items[0]).toMatchObject({
      externalId: 'yt:dQw4w9WgXcQ',
      url: 'https://www.youtube.com/watch?v=dQw4w9WgXcQ',
      title: 'Bun 1.1 in 100 Seconds',
      text: 'Bun 1.1 adds Windows support and a faster package manager. Here is what changed.',
      author: 'Fireship',
      publishedAt: new Date('2024-05-01T17:30:06Z'),
      metadata: { videoId: 'dQw4w9WgXcQ', channelId: 'UCsBjURrPoezykLs9EqgamOA', views: 612345, score: 25311, publisher: 'Fireship' },
    });
    await runSource('youtube:playlist/PLrAXtmErZgOeiKm4sgNOknGvNjby9efdf', options());
    expect(host.requests.at(-1)?.url).toBe('/feeds/videos.xml?playlist_id=PLrAXtmErZgOeiKm4sgNOknGvNjby9efdf');
  });

  it('arxiv: queries newest first, one id and URL per paper whatever the version, every author kept', async () => {
    const before = host.requests.length;
    const { items } = await runSource('arxiv:cat:cs.CL AND abs:summarization?limit=50', options());
    const sent = host.requests[before]?.query;
    expect(sent?.get('search_query')).toBe('cat:cs.CL AND abs:summarization');
    expect(sent?.get('sortBy')).toBe('submittedDate');
    expect(sent?.get('sortOrder')).toBe('descending');
    expect(sent?.get('max_results')).toBe('50');
    expect(items[0]).toMatchObject({
      externalId: 'arxiv:2405.01234',
      url: 'https://arxiv.org/abs/2405.01234',
      title: expect.stringMatching(/^Small Language Models Are\s+Strong Summarizers of Long Documents$/),
      author: 'Ada Lovelace, Alan Turing, Grace Hopper',
      publishedAt: new Date('2024-05-02T17:59:58Z'),
      metadata: {
        arxivId: '2405.01234', version: 2, authors: ['Ada Lovelace', 'Alan Turing', 'Grace Hopper'],
        pdfUrl: 'http://arxiv.org/pdf/2405.01234v2', primaryCategory: 'cs.CL', categories: ['cs.CL', 'cs.AI'],
      },
    });
    expect(items[0]?.text).toMatch(/^We study whether small language models/);
    expect(items[1]).toMatchObject({ externalId: 'arxiv:2405.00999', author: 'Claude Shannon' });
  });

  it('arxiv: an API error entry becomes a permanent failure that quotes it', async () => {
    expect(await sourceFailure('arxiv:bad:', options())).toMatchObject({
      name: 'SourceFetchError',
      retryable: false,
      message: expect.stringContaining('answered 400 Bad Request: max_results must be non-negative'),
    });
  });

  it('lobsters: keeps the comments link, tags and author; an unchanged feed costs one 304 next time', async () => {
    const first = await runSource('lobsters:', options());
    expect(first.items[0]).toMatchObject({
      url: 'https://sqlite.org/draft/whybytecode.html',
      author: 'pushcx@users.lobste.rs (pushcx)',
      publishedAt: new Date('2024-05-02T13:14:51Z'),
      metadata: { discussionUrl: 'https://lobste.rs/s/abc123/why_sqlite_uses_bytecode', categories: ['databases', 'performance'] },
    });
    expect(first.cursor).toEqual({
      etag: '"lobsters-1"',
      lastModified: 'Thu, 02 May 2024 16:03:10 GMT',
      seen: ['https://lobste.rs/s/abc123', 'https://lobste.rs/s/def456'],
    });
    const second = await runSource('lobsters:', options(), first.cursor);
    expect(second).toMatchObject({ items: [], stats: { requests: 1, notModified: 1 }, cursor: first.cursor });
    // Changed feed (validators lost), same entries: nothing is emitted twice.
    const third = await runSource('lobsters:', options(), { seen: first.cursor?.['seen'] });
    expect(third.items).toEqual([]);
    expect(third.stats).toMatchObject({ rows: 2, seen: 2, notModified: 0 });
    expect((await runSource('lobsters:t/rust,databases', options())).items).toHaveLength(2);
  });

  it.each([
    ['medium:@karpathy', '/feed/@karpathy'],
    ['medium:tag/Machine-Learning', '/feed/tag/machine-learning'],
    ['devto:javascript', '/feed/tag/javascript'],
    ['producthunt:', '/feed'],
  ])('%s reads %s', async (spec, path) => {
    const before = host.requests.length;
    const { items } = await runSource(spec, options());
    expect(host.requests[before]?.pathname).toBe(path);
    expect(items).toHaveLength(1);
  });
});
