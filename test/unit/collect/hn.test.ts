import { SourceFetchError, SourceFormatError } from '../../../activities/collect/errors';
import type { HttpClient } from '../../../activities/collect/http';
import { normalizeItem } from '../../../activities/collect/normalize';
import { fixture, sendJson, sendText, startReplayServer, type ReplayServer } from './replay-server';
import { fastClient, runSource, sourceFailure } from './run-source';

const items = JSON.parse(fixture('hn-items.json')) as Record<string, unknown>;
let firebase: ReplayServer; // stands in for https://hacker-news.firebaseio.com/v0
let algolia: ReplayServer; // stands in for https://hn.algolia.com/api/v1
let http: HttpClient;
const options = () => ({ http, baseUrls: { hn: `${firebase.base}/v0`, 'hn-search': `${algolia.base}/api/v1` } });

beforeAll(async () => {
  http = fastClient();
  firebase = await startReplayServer({
    '/v0/topstories.json': (_req, res) => sendJson(res, fixture('hn-topstories.json')),
    '/v0/newstories.json': (_req, res) => sendJson(res, [40210005, 40210099]),
    '/v0/beststories.json': (_req, res) => sendText(res, '<!DOCTYPE html><html><body>Service Unavailable</body></html>', 'text/html'),
    '/v0/askstories.json': (_req, res) => sendJson(res, { error: 'Permission denied' }),
    '/v0/showstories.json': (_req, res) => sendJson(res, [1, 2]),
    '/v0/jobstories.json': (_req, res) => sendText(res, 'overloaded', 'text/plain', 503, { 'retry-after': '30' }),
  });
  for (const [id, doc] of Object.entries(items)) firebase.route(`/v0/item/${id}.json`, (_req, res) => sendJson(res, JSON.stringify(doc)));
  firebase.route('/v0/item/40210099.json', (_req, res) => sendJson(res, '{"id": 40210099, "title": '));
  firebase.route('/v0/item/1.json', (_req, res) => sendText(res, '<html><body>oops</body></html>', 'text/html'));
  firebase.route('/v0/item/2.json', (_req, res) => sendText(res, '<html><body>oops</body></html>', 'text/html'));
  algolia = await startReplayServer({
    '/api/v1/search_by_date': (_req, res, url) => sendJson(res, fixture(`hn-algolia-page${url.searchParams.get('page') ?? '0'}.json`)),
  });
});

afterAll(async () => {
  await http?.close();
  await Promise.all([firebase?.close(), algolia?.close()]);
});

describe('hn: Firebase lists (a local server stands in for hacker-news.firebaseio.com)', () => {
  it('maps stories, Ask HN and jobs with engagement; skips deleted, dead and missing items', async () => {
    const { items: got, stats } = await runSource('hn:top', options());
    expect(got.map((i) => i.externalId)).toEqual(['40210005', '40210003', '40210001']);
    expect(got[0]).toEqual({
      externalId: '40210005',
      url: 'https://antonz.org/sqlite-is-not-a-toy-database/?utm_source=hackernews',
      title: 'SQLite is not a toy database',
      language: 'en',
      author: 'dang_fan',
      publishedAt: new Date('2024-05-01T10:00:00Z'),
      metadata: {
        hnId: 40210005, type: 'story', list: 'top', rank: 1,
        discussionUrl: 'https://news.ycombinator.com/item?id=40210005',
        score: 312,
        comments: 148,
      },
    });
    // A text post is its own discussion page; its HTML text is cleaned when normalised.
    expect(got[1]?.url).toBe('https://news.ycombinator.com/item?id=40210003');
    expect(normalizeItem(got[1] ?? { url: '', title: '' })?.text).toBe("I've been running Postgres on a single box for 6 years. When did you actually need to shard?");
    expect(got[2]?.metadata).toMatchObject({ type: 'job', rank: 3, score: 1 });
    expect(got[2]?.metadata).not.toHaveProperty('comments'); // jobs have no discussion
    expect(stats).toMatchObject({ rows: 6, emitted: 3, skipped: 3, requests: 7 });
  });

  it('asks only for stories an earlier run did not collect (cursor round trip)', async () => {
    const first = await runSource('hn:top?limit=2', options());
    expect(first.items.map((i) => i.externalId)).toEqual(['40210005', '40210003']);
    expect(first.cursor).toEqual({ seen: ['40210005', '40210003'] });

    const before = firebase.requests.length;
    const second = await runSource('hn:top', options(), first.cursor);
    expect(second.items.map((i) => i.externalId)).toEqual(['40210001']);
    const asked = firebase.requests.slice(before).map((r) => r.pathname);
    expect(asked).not.toContain('/v0/item/40210005.json');
    expect(asked).toContain('/v0/item/40210001.json');
    expect(second.stats.seen).toBe(2);

    const third = await runSource('hn:top', options(), second.cursor);
    expect(third.items).toEqual([]);
    expect(third.stats.requests).toBe(1); // the list only
  });

  it('skips one broken item document but fails when every item is garbage', async () => {
    const { items: got, stats } = await runSource('hn:new', options());
    expect(got.map((i) => i.externalId)).toEqual(['40210005']);
    expect(stats.skipped).toBe(1);
    const err = await sourceFailure('hn:show', options());
    expect(err).toBeInstanceOf(SourceFormatError);
    expect(err).toMatchObject({ message: expect.stringContaining('/v0/item/1.json returned an HTML page') });
  });

  it('fails the source with a clear reason for HTML, a wrong JSON shape, or 503 + Retry-After', async () => {
    expect(await sourceFailure('hn:best', options())).toMatchObject({
      name: 'SourceFormatError',
      message: expect.stringContaining('beststories.json returned an HTML page'),
    });
    expect(await sourceFailure('hn:ask', options())).toMatchObject({
      name: 'SourceFormatError',
      message: expect.stringMatching(/askstories\.json answered JSON of an unexpected shape: /),
    });
    const busy = await sourceFailure('hn:job', options());
    expect(busy).toBeInstanceOf(SourceFetchError);
    expect(busy).toMatchObject({ retryable: true, status: 503, retryAfterMs: 30_000 });
  });
});

describe('hn:search (a local server stands in for hn.algolia.com)', () => {
  it('pages through search_by_date and maps hits with points and comments', async () => {
    const before = algolia.requests.length;
    const { items: got, pages, cursor } = await runSource('hn:search?q=rust&from=2024-05-01&to=2024-05-03T00:00:00Z', options());
    expect(pages).toBe(2);
    expect(got.map((i) => i.title)).toEqual([
      'Rust 1.78 released',
      'Ask HN: How did Rust ownership finally click for you?',
      'A half-hour to learn Rust (2020)',
    ]);
    expect(got[0]).toMatchObject({
      externalId: '40220003',
      url: 'https://blog.rust-lang.org/2024/05/02/Rust-1.78.0.html',
      author: 'steveklabnik',
      publishedAt: new Date('2024-05-02T15:00:00Z'),
      metadata: { score: 540, comments: 210, discussionUrl: 'https://news.ycombinator.com/item?id=40220003' },
    });
    expect(got[1]).toMatchObject({ url: 'https://news.ycombinator.com/item?id=40220002', text: expect.stringContaining('borrow checker') });
    const asked = algolia.requests.slice(before);
    expect(asked.map((r) => r.query.get('page'))).toEqual(['0', '1']);
    expect(asked[0]?.query.get('query')).toBe('rust');
    expect(asked[0]?.query.get('tags')).toBe('story');
    expect(asked[0]?.query.get('numericFilters')).toBe(`created_at_i>=${Date.parse('2024-05-01T00:00:00Z') / 1000},created_at_i<${Date.parse('2024-05-03T00:00:00Z') / 1000}`);
    expect(cursor).toMatchObject({ newest: 1714662000 });
  });

  it('starts the next run at the newest hit seen and leaves out hits already collected', async () => {
    const first = await runSource('hn:search?q=rust&from=2024-04-01', options());
    const before = algolia.requests.length;
    const second = await runSource('hn:search?q=rust&from=2024-04-01', options(), first.cursor);
    expect(second.items).toEqual([]); // the replay answers the same hits; all were collected
    expect(algolia.requests[before]?.query.get('numericFilters')).toBe('created_at_i>=1714662000');
    expect(second.stats.seen).toBe(3);
  });

  it('stops at the limit', async () => {
    const { items: got } = await runSource('hn:search?q=rust&limit=1', options());
    expect(got).toHaveLength(1);
  });
});
