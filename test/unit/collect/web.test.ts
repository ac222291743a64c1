import { gzipSync } from 'node:zlib';
import { SourceFormatError, SourceNotFoundError } from '../../../activities/collect/errors';
import type { HttpClient } from '../../../activities/collect/http';
import { normalizeItem } from '../../../activities/collect/normalize';
import { conditional, fixture, sendText, startReplayServer, type ReplayServer } from './replay-server';
import { fastClient, runSource, sourceFailure } from './run-source';

let site: ReplayServer; // stands in for a publisher's web site
let http: HttpClient;
const options = () => ({ http });

const ARTICLE = fixture('article.html');
const HEAT_PUMPS = ARTICLE.replaceAll("Europe's grid batteries doubled in 2023", 'Heat pump sales slow as subsidies change')
  .replace('https://energy.example.com/2024/05/grid-batteries-doubled', 'https://energy.example.com/2024/04/heat-pumps')
  .replaceAll('2024-05-02T09:30:00+02:00', '2024-04-30T07:00:00+02:00');

beforeAll(async () => {
  http = fastClient();
  site = await startReplayServer({
    '/2024/05/grid-batteries-doubled': conditional(ARTICLE, 'text/html; charset=utf-8', '"a1"'),
    '/amp/2024/05/grid-batteries-doubled': (_req, res) => sendText(res, ARTICLE, 'text/html'),
    '/2024/04/heat-pumps': (_req, res) => sendText(res, HEAT_PUMPS, 'text/html; charset=utf-8'),
    '/2023/12/year-in-review': (_req, res) => sendText(res, HEAT_PUMPS.replaceAll('Heat pump sales slow as subsidies change', '2023 in review'), 'text/html'),
    '/report.pdf': (_req, res) => sendText(res, '%PDF-1.7 ...', 'application/pdf'),
    '/home': (_req, res) => sendText(res, '<!doctype html><html><head><title>Home</title></head><body><nav><a href="/a">A</a></nav></body></html>', 'text/html'),
    '/sitemap.xml': (_req, res) => sendText(res, fixture('sitemap-index.xml', site.base), 'application/xml', 200, { 'last-modified': 'Thu, 02 May 2024 10:00:00 GMT' }),
    '/sitemaps/news.xml': (_req, res) => sendText(res, fixture('sitemap-news.xml', site.base), 'application/xml'),
    '/sitemaps/archive-2023.xml.gz': (_req, res) => sendText(res, gzipSync(fixture('sitemap-archive-2023.xml', site.base)), 'application/x-gzip'),
    '/not-a-sitemap.xml': (_req, res) => sendText(res, '<?xml version="1.0"?><rss version="2.0"><channel/></rss>', 'application/xml'),
    '/broken-sitemap.xml': (_req, res) => sendText(res, '<urlset><url><loc>x</loc></url', 'application/xml'),
    '/all-gone.xml': (_req, res) => sendText(res, `<urlset><url><loc>${site.base}/gone-1</loc></url><url><loc>${site.base}/gone-2</loc></url></urlset>`, 'application/xml'),
  });
  site.route('/sitemap-plain.xml', conditional(fixture('sitemap-news.xml', site.base), 'application/xml', '"s1"'));
});

afterAll(async () => {
  await http?.close();
  await site?.close();
});

describe('web: one article (a local server stands in for a publisher)', () => {
  it('extracts the main text, canonical URL, author and zone-correct published time', async () => {
    const { items, cursor } = await runSource(`web:${site.base}/amp/2024/05/grid-batteries-doubled`, options());
    expect(items).toHaveLength(1);
    const item = items[0];
    expect(item).toMatchObject({
      url: 'https://energy.example.com/2024/05/grid-batteries-doubled',
      externalId: `${site.base}/amp/2024/05/grid-batteries-doubled`,
      title: "Europe's grid batteries doubled in 2023",
      author: 'Maria Schmidt',
      publishedAt: new Date('2024-05-02T07:30:00Z'),
      metadata: { publisher: 'Example Energy News', declaredLanguage: 'en' },
    });
    expect(item?.text).toContain("Battery storage connected to Europe's electricity grids doubled last year");
    expect(item?.text).toContain('faster permitting');
    for (const boilerplate of ['Subscribe', 'All rights reserved', 'dataLayer', 'display: flex']) expect(item?.text).not.toContain(boilerplate);
    expect(normalizeItem(item ?? { url: '', title: '' })?.language).toBe('en');
    expect(cursor).toEqual({});
  });

  it('costs one 304 when the page has not changed', async () => {
    const url = `web:${site.base}/2024/05/grid-batteries-doubled`;
    const first = await runSource(url, options());
    expect(first.cursor).toEqual({ etag: '"a1"' });
    const second = await runSource(url, options(), first.cursor);
    expect(second).toMatchObject({ items: [], stats: { requests: 1, notModified: 1 } });
  });

  it('refuses a PDF, a page without an article and a 404 with clear reasons', async () => {
    expect(await sourceFailure(`web:${site.base}/report.pdf`, options())).toMatchObject({
      name: 'SourceFormatError',
      message: expect.stringContaining('is not an HTML page (content-type application/pdf)'),
    });
    expect(await sourceFailure(`web:${site.base}/home`, options())).toMatchObject({ message: expect.stringContaining('has no readable article text') });
    expect(await sourceFailure(`web:${site.base}/nope`, options())).toBeInstanceOf(SourceNotFoundError);
  });
});

describe('sitemap: articles from a sitemap (a local server stands in for a publisher)', () => {
  it('follows the index (gzipped children too), fetches newest first, skips a dead link, and remembers what it read', async () => {
    const first = await runSource(`sitemap:${site.base}/sitemap.xml`, options());
    expect(first.items.map((i) => i.title)).toEqual([
      "Europe's grid batteries doubled in 2023",
      'Heat pump sales slow as subsidies change',
      '2023 in review',
    ]);
    expect(first.stats).toMatchObject({ rows: 4, emitted: 3, skipped: 1 });
    expect(first.cursor).toMatchObject({
      lastModified: 'Thu, 02 May 2024 10:00:00 GMT',
      newest: '2024-05-02T07:45:00.000Z',
      seen: expect.arrayContaining([`${site.base}/2024/05/removed-story`, `${site.base}/2024/04/heat-pumps`]),
    });

    const before = site.requests.length;
    const second = await runSource(`sitemap:${site.base}/sitemap.xml`, options(), first.cursor);
    expect(second.items).toEqual([]);
    const asked = site.requests.slice(before).map((r) => r.pathname);
    expect(asked).toEqual(['/sitemap.xml', '/sitemaps/news.xml', '/sitemaps/archive-2023.xml.gz']); // no article fetched again
  });

  it('caps the articles fetched per run with #limit and costs one 304 for an unchanged sitemap', async () => {
    const first = await runSource(`sitemap:${site.base}/sitemap-plain.xml#limit=1`, options());
    expect(first.items.map((i) => i.title)).toEqual(["Europe's grid batteries doubled in 2023"]);
    const second = await runSource(`sitemap:${site.base}/sitemap-plain.xml#limit=1`, options(), first.cursor);
    expect(second).toMatchObject({ items: [], stats: { requests: 1, notModified: 1 } });
  });

  it('fails on a feed, broken XML, or when every article is gone', async () => {
    expect(await sourceFailure(`sitemap:${site.base}/not-a-sitemap.xml`, options())).toMatchObject({
      message: expect.stringContaining('is not a sitemap (no <urlset> or <sitemapindex>)'),
    });
    expect(await sourceFailure(`sitemap:${site.base}/broken-sitemap.xml`, options())).toBeInstanceOf(SourceFormatError);
    expect(await sourceFailure(`sitemap:${site.base}/all-gone.xml`, options())).toBeInstanceOf(SourceNotFoundError);
  });
});
