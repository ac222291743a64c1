import { SourceFetchError, SourceFormatError, SourceNotFoundError } from '../../../activities/collect/errors';
import type { HttpClient } from '../../../activities/collect/http';
import { normalizeItem } from '../../../activities/collect/normalize';
import { fixture, sendJson, sendText, startReplayServer, type ReplayServer } from './replay-server';
import { fastClient, runSource, sourceFailure } from './run-source';

let reddit: ReplayServer; // stands in for https://www.reddit.com
let http: HttpClient;
const options = () => ({ http, baseUrls: { reddit: reddit.base } });

beforeAll(async () => {
  http = fastClient();
  reddit = await startReplayServer({
    '/r/rust/hot.json': (_req, res, url) => sendJson(res, fixture(url.searchParams.get('after') === 't3_1cj0003' ? 'reddit-rust-hot-2.json' : 'reddit-rust-hot-1.json')),
    '/r/rust/new.json': (_req, res, url) => sendJson(res, fixture(url.searchParams.get('after') ? 'reddit-rust-hot-2.json' : 'reddit-rust-hot-1.json')),
    '/r/rust/top.json': (_req, res) => sendJson(res, fixture('reddit-rust-hot-2.json')),
    '/r/doesnotexist123/hot.json': (_req, res) => sendText(res, '', 'text/plain', 302, { location: '/subreddits/search.json?q=doesnotexist123' }),
    '/subreddits/search.json': (_req, res) => sendJson(res, { kind: 'Listing', data: { after: null, children: [] } }),
    '/r/privatesub/hot.json': (_req, res) => sendJson(res, { reason: 'private', message: 'Forbidden', error: 403 }, 403),
    '/r/blocked/hot.json': (_req, res) => sendText(res, '<!doctype html><html><body>whoa there, pardner!</body></html>', 'text/html', 200),
    '/r/busy/hot.json': (_req, res) => sendText(res, 'Too Many Requests', 'text/plain', 429, { 'retry-after': '12' }),
  });
});

afterAll(async () => {
  await http?.close();
  await reddit?.close();
});

describe('reddit: listings (a local server stands in for www.reddit.com)', () => {
  it('pages with `after`, maps link and self posts with engagement, leaves out the pinned megathread', async () => {
    const before = reddit.requests.length;
    const { items, pages, stats } = await runSource('reddit:rust', options());
    expect(pages).toBe(2);
    expect(items.map((i) => i.externalId)).toEqual(['t3_1cj0002', 't3_1cj0003', 't3_1cj0004']);
    expect(items[0]).toEqual({
      externalId: 't3_1cj0002',
      url: 'https://blog.rust-lang.org/2024/05/02/Rust-1.78.0.html',
      title: 'Announcing Rust 1.78.0',
      author: 'rust-lang-blog',
      publishedAt: new Date('2024-05-02T15:05:00Z'),
      metadata: {
        subreddit: 'rust',
        score: 823,
        comments: 97,
        upvoteRatio: 0.99,
        discussionUrl: 'https://www.reddit.com/r/rust/comments/1cj0002/announcing_rust_1780/',
        domain: 'blog.rust-lang.org',
        flair: '📢 announcement',
      },
    });
    // A self post is its own page; Markdown/entity text is kept as text.
    expect(items[1]?.url).toBe('https://www.reddit.com/r/rust/comments/1cj0003/two_years_of_rust_in_production_at_a_fintech/');
    expect(normalizeItem(items[1] ?? { url: '', title: '' })?.text).toContain('what worked & what did not');
    expect(items[2]?.author).toBeUndefined(); // [deleted]
    expect(stats).toMatchObject({ rows: 4, emitted: 3, skipped: 1 });

    const asked = reddit.requests.slice(before);
    expect(asked.map((r) => r.query.get('after'))).toEqual([null, 't3_1cj0003']);
    expect(asked[0]?.query.get('limit')).toBe('100');
    expect(asked[0]?.query.get('raw_json')).toBe('1');
    expect(asked[0]?.headers['user-agent']).toMatch(/^trendflow\/\S+ \(\+https:\/\//);
  });

  it('keeps the pinned post when asked and passes t= for top', async () => {
    const pinned = await runSource('reddit:rust/hot?stickied=true&limit=1', options());
    expect(pinned.items.map((i) => i.externalId)).toEqual(['t3_1cj0001']);
    const before = reddit.requests.length;
    await runSource('reddit:rust/top?t=week', options());
    expect(reddit.requests[before]?.query.get('t')).toBe('week');
  });

  it('on /new stops paging at the first post an earlier run collected', async () => {
    const first = await runSource('reddit:rust/new?limit=2', options());
    expect(first.items.map((i) => i.externalId)).toEqual(['t3_1cj0002', 't3_1cj0003']);
    const before = reddit.requests.length;
    const second = await runSource('reddit:rust/new', options(), first.cursor);
    expect(second.items).toEqual([]);
    expect(reddit.requests.length - before).toBe(1); // the first page showed a seen post: no page 2
  });

  it('names a missing subreddit, a private one, a block page and a rate limit clearly', async () => {
    const missing = await sourceFailure('reddit:doesnotexist123', options());
    expect(missing).toBeInstanceOf(SourceNotFoundError);
    expect(missing).toMatchObject({ message: 'subreddit r/doesnotexist123 does not exist (Reddit redirected to its search)' });
    expect(await sourceFailure('reddit:privatesub', options())).toMatchObject({ retryable: false, status: 403, message: expect.stringContaining('private') });
    const blocked = await sourceFailure('reddit:blocked', options());
    expect(blocked).toBeInstanceOf(SourceFormatError);
    expect(blocked).toMatchObject({ message: expect.stringContaining('returned an HTML page (content-type text/html), not JSON') });
    const busy = await sourceFailure('reddit:busy', options());
    expect(busy).toBeInstanceOf(SourceFetchError);
    expect(busy).toMatchObject({ retryable: true, status: 429, retryAfterMs: 12_000 });
  });
});
