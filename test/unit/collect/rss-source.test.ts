import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { SourceFetchError, SourceFormatError, SourceNotFoundError } from '../../../activities/collect/errors';
import { normalizeItem } from '../../../activities/collect/normalize';
import { createSource, type CreateSourceOptions, type RawItem } from '../../../activities/collect/sources';
import { parseRetryAfter } from '../../../activities/collect/http-body';

const feeds = join(__dirname, '../../fixtures/feeds');
const fixture = (name: string): Buffer => readFileSync(join(feeds, name));
const userAgents: string[] = [];
let server: Server;
let base: string;

/** Local stand-in for the feed servers we meet in practice, good and bad. */
function route(req: IncomingMessage, res: ServerResponse): void {
  userAgents.push(req.headers['user-agent'] ?? '');
  const send = (status: number, type: string, body: string | Buffer, headers: Record<string, string> = {}): void => {
    res.writeHead(status, { 'content-type': type, ...headers });
    res.end(body);
  };
  switch (req.url) {
    case '/rss.xml': return send(200, 'application/rss+xml; charset=utf-8', fixture('news-rss2.xml'));
    case '/atom.xml': return send(200, 'application/atom+xml', fixture('news-atom.xml'));
    case '/rdf.xml': return send(200, 'application/rdf+xml', fixture('news-rss1.xml'));
    case '/malformed.xml': return send(200, 'application/xml', fixture('malformed.xml'));
    case '/page.html': return send(200, 'text/html; charset=utf-8', fixture('not-a-feed.html'));
    case '/latin1.xml': {
      const xml = '<?xml version="1.0" encoding="ISO-8859-1"?><rss version="2.0"><channel><title>T</title>'
        + '<item><title>Café déjà vu</title><link>https://e.com/c</link></item></channel></rss>';
      return send(200, 'text/xml', Buffer.from(xml, 'latin1'));
    }
    case '/empty': return send(200, 'application/rss+xml', '');
    case '/redirect': return send(301, 'text/plain', '', { location: '/rss.xml' });
    case '/missing': return send(404, 'text/html', '<h1>Not found</h1>');
    case '/gone': return send(410, 'text/plain', 'gone');
    case '/forbidden': return send(403, 'text/plain', 'no');
    case '/busy': return send(503, 'text/plain', 'busy', { 'retry-after': '120' });
    case '/limited': return send(429, 'text/plain', 'slow down', { 'retry-after': new Date(Date.now() + 30_000).toUTCString() });
    case '/huge': {
      // Chunked, no Content-Length: the cap has to be enforced while reading.
      res.writeHead(200, { 'content-type': 'application/rss+xml' });
      const chunk = `<!-- ${'x'.repeat(1000)} -->\n`;
      for (let i = 0; i < 64; i += 1) res.write(chunk);
      res.end();
      return;
    }
    case '/huge-declared':
      res.writeHead(200, { 'content-type': 'application/rss+xml', 'content-length': String(50 * 1024 * 1024) });
      res.write('<?xml version="1.0"?>');
      return; // never finishes; the client must give up on the header alone
    case '/slow-body':
      res.writeHead(200, { 'content-type': 'application/rss+xml' });
      res.write('<?xml version="1.0"?><rss version="2.0"><channel>');
      return; // stalls mid-body
    case '/hang':
      return; // never answers
    default: return send(500, 'text/plain', 'unexpected path');
  }
}

beforeAll(async () => {
  server = createServer(route);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('expected a TCP address');
  base = `http://127.0.0.1:${address.port}`;
});

afterAll(async () => {
  // Hanging and stalled responses keep sockets open; close them so server.close() can finish.
  server.closeAllConnections();
  await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
});

async function fetchAll(path: string, options: CreateSourceOptions = {}, kind = 'rss'): Promise<RawItem[]> {
  const items: RawItem[] = [];
  for await (const page of createSource(`${kind}:${base}${path}`, options).fetchPages()) items.push(...page);
  return items;
}

async function failure(path: string, options: CreateSourceOptions = {}): Promise<unknown> {
  return fetchAll(path, options).then(
    () => {
      throw new Error(`expected ${path} to fail`);
    },
    (err: unknown) => err,
  );
}

describe('rss source', () => {
  it('reads an RSS 2.0 feed: HTML stripped, dates zone-correct, categories and publisher kept', async () => {
    const source = createSource(`rss:${base}/rss.xml`);
    const items: RawItem[] = [];
    for await (const page of source.fetchPages()) items.push(...page);

    expect(items).toHaveLength(5);
    const [first, second, third, guidOnly, badDate] = items;
    expect(first).toMatchObject({
      externalId: 'news-example-20140310-001',
      url: 'https://news.example.com/business/fed-plosser-weather-taper?utm_source=rss&utm_medium=feed',
      title: 'Fed official says weak data caused by weather, should not slow taper',
      author: 'Jane Reporter',
      publishedAt: new Date('2014-03-10T15:52:50Z'),
      metadata: { categories: ['Economy', 'Federal Reserve'], publisher: 'Example Business News' },
    });
    expect(first?.text).toMatch(/^Philadelphia Fed President Charles Plosser said .* weather & should not slow the taper\.\s+Read more$/);
    expect(second).toMatchObject({
      title: 'McDonald’s U.S. sales fall in February as winter bites',
      text: 'Same-store sales fell 1.4% in the U.S. — the fourth monthly decline.',
      author: 'desk@news.example.com (Business Desk)',
      externalId: 'https://news.example.com/business/mcdonalds-february-sales',
      publishedAt: new Date('2014-03-11T14:05:00Z'),
    });
    expect(third?.publishedAt).toEqual(new Date('2014-03-11T13:30:00Z'));
    expect(guidOnly?.url).toBe('https://news.example.com/business/guid-only');
    expect(badDate?.publishedAt).toBeUndefined();
    expect(source.stats).toEqual({ rows: 6, emitted: 5, skipped: 1, seen: 0, requests: 1, notModified: 0 });
    expect(userAgents).toContain('trendflow/0.1 (+https://github.com/trendflow/trendflow)');
  });

  it('reads an Atom feed: relative links resolved, summary as text, bad published falls back to updated', async () => {
    const items = await fetchAll('/atom.xml', {}, 'atom');
    expect(items).toHaveLength(2);
    expect(items[0]).toMatchObject({
      externalId: 'urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a',
      url: `${base}/posts/vector-search`,
      text: 'How we cluster news & keep it fast.',
      author: 'Ada Example',
      publishedAt: new Date('2014-03-12T14:15:00Z'),
      metadata: { categories: ['Search', 'ml'], publisher: 'Example Tech Blog' },
    });
    expect(normalizeItem(items[0] ?? { url: '', title: '' })?.title).toBe('Vector search & clustering in practice');
    expect(items[1]).toMatchObject({ text: 'Full content only, no summary.', publishedAt: new Date('2014-03-11T14:59:59Z') });
  });

  it('reads RSS 1.0 (RDF) with dc:date and dc:creator', async () => {
    expect(await fetchAll('/rdf.xml')).toEqual([
      {
        url: 'https://rdf.example.net/stories/1',
        title: 'RSS 1.0 still exists',
        text: 'Some sites never moved on.',
        author: 'R. D. Fowler',
        publishedAt: new Date('2014-03-10T08:00:00Z'),
        metadata: { publisher: 'Example RDF Site' },
      },
    ]);
  });

  it('follows redirects and honours the declared charset', async () => {
    expect(await fetchAll('/redirect')).toHaveLength(5);
    expect((await fetchAll('/latin1.xml'))[0]?.title).toBe('Café déjà vu');
  });

  it('splits a feed into pages of the requested size', async () => {
    const sizes: number[] = [];
    for await (const page of createSource(`rss:${base}/rss.xml`).fetchPages({ pageSize: 2 })) sizes.push(page.length);
    expect(sizes).toEqual([2, 2, 1]);
  });

  it.each([
    ['/page.html', /returned an HTML page, not an RSS or Atom feed/],
    ['/malformed.xml', /is not a readable RSS or Atom feed: /],
    ['/empty', /returned an empty body/],
  ])('rejects %s as SourceFormatError', async (path, message) => {
    const err = await failure(path);
    expect(err).toBeInstanceOf(SourceFormatError);
    expect(err).toMatchObject({ retryable: false, message: expect.stringMatching(message) });
  });

  it.each(['/missing', '/gone'])('maps %s to SourceNotFoundError', async (path) => {
    const err = await failure(path);
    expect(err).toBeInstanceOf(SourceNotFoundError);
    expect(err).toMatchObject({ retryable: false, spec: `rss:${base}${path}` });
  });

  it('makes 503 retryable and passes Retry-After seconds on', async () => {
    const err = await failure('/busy');
    expect(err).toBeInstanceOf(SourceFetchError);
    expect(err).toMatchObject({ retryable: true, status: 503, retryAfterMs: 120_000 });
  });

  it('makes 429 retryable and reads an HTTP-date Retry-After', async () => {
    const err = await failure('/limited');
    expect(err).toMatchObject({ retryable: true, status: 429 });
    const { retryAfterMs } = err instanceof SourceFetchError ? err : { retryAfterMs: undefined };
    expect(retryAfterMs).toBeGreaterThan(25_000);
    expect(retryAfterMs).toBeLessThanOrEqual(30_000);
  });

  it('makes other client errors permanent', async () => {
    const err = await failure('/forbidden');
    expect(err).toBeInstanceOf(SourceFetchError);
    expect(err).toMatchObject({ retryable: false, status: 403, retryAfterMs: undefined });
  });

  it('cuts off a body over the size cap, streamed or declared', async () => {
    await expect(fetchAll('/huge', { maxBytes: 4096 })).rejects.toThrow(/sent more than 4096 bytes/);
    await expect(fetchAll('/huge-declared', { maxBytes: 4096, fetchTimeoutMs: 5000 })).rejects.toThrow(SourceFormatError);
    expect(await fetchAll('/huge', { maxBytes: 1024 * 1024 }).catch((e: unknown) => e)).toBeInstanceOf(SourceFormatError);
  });

  it('times out a server that never answers, and one that stalls mid-body, as retryable', async () => {
    for (const path of ['/hang', '/slow-body']) {
      const err = await failure(path, { fetchTimeoutMs: 300 });
      expect(err).toBeInstanceOf(SourceFetchError);
      expect(err).toMatchObject({ retryable: true, status: undefined, message: expect.stringContaining('within 300 ms') });
    }
  });

  it('makes connection failures retryable', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const address = closed.address();
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    if (address === null || typeof address === 'string') throw new Error('expected a TCP address');
    const pages = createSource(`rss:http://127.0.0.1:${address.port}/feed`).fetchPages();
    const err = await pages[Symbol.asyncIterator]().next().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceFetchError);
    expect(err).toMatchObject({ retryable: true, message: expect.stringContaining('ECONNREFUSED') });
  });

  it('rethrows the caller abort reason instead of a SourceError', async () => {
    const controller = new AbortController();
    const reason = new Error('activity cancelled');
    setTimeout(() => controller.abort(reason), 50);
    const pages = createSource(`rss:${base}/hang`).fetchPages({ signal: controller.signal });
    await expect(pages[Symbol.asyncIterator]().next()).rejects.toBe(reason);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates, ignores junk', () => {
    const now = Date.parse('2014-03-10T12:00:00Z');
    expect(parseRetryAfter('30', now)).toBe(30_000);
    expect(parseRetryAfter('Mon, 10 Mar 2014 12:01:00 GMT', now)).toBe(60_000);
    expect(parseRetryAfter('Mon, 10 Mar 2014 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
