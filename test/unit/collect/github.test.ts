import type { HttpClient } from '../../../activities/collect/http';
import { conditional, fixture, sendJson, startReplayServer, type ReplayServer } from './replay-server';
import { fastClient, runSource, sourceFailure } from './run-source';

let api: ReplayServer; // stands in for https://api.github.com
let http: HttpClient;
const options = (githubToken?: string) => ({ http, baseUrls: { github: api.base }, ...(githubToken && { githubToken }) });

beforeAll(async () => {
  http = fastClient();
  api = await startReplayServer({
    '/search/repositories': (_req, res, url) => {
      if (!url.searchParams.get('q')?.startsWith('paged')) {
        sendJson(res, fixture('github-search-repositories.json'), 200, { 'x-ratelimit-remaining': '9', 'x-ratelimit-reset': '1714670000' });
        return;
      }
      // Every page full, 1000 results in all, and the quota running out with page 2.
      const page = Number(url.searchParams.get('page'));
      const repos = Array.from({ length: 100 }, (_, i) => {
        const id = page * 1000 + i;
        return { id, full_name: `org/repo-${id}`, html_url: `https://github.com/org/repo-${id}`, description: `Repo ${id}`, stargazers_count: 5000 - id };
      });
      sendJson(res, { total_count: 1000, incomplete_results: false, items: repos }, 200, { 'x-ratelimit-remaining': String(Math.max(0, 2 - page)) });
    },
    '/repos/nodejs/node/releases': conditional(fixture('github-releases.json'), 'application/json; charset=utf-8', 'W/"rel-1"'),
    '/repos/acme/private/releases': (_req, res) => sendJson(res, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' }, 404),
    '/repos/acme/quota/releases': (_req, res) =>
      sendJson(res, { message: 'API rate limit exceeded for 127.0.0.1.' }, 403, {
        'x-ratelimit-limit': '60',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 120),
      }),
  });
});

afterAll(async () => {
  await http?.close();
  await api?.close();
});

describe('github: REST API (a local server stands in for api.github.com)', () => {
  it('searches repositories created in a window by stars, sends the token, maps stars as engagement', async () => {
    const before = api.requests.length;
    const started = Date.now();
    const { items } = await runSource('github:search?q=language:rust topic:database&window=7d', options('ghp_test123'));
    const sent = api.requests[before];
    const since = (sent?.query.get('q') ?? '').match(/created:>=(\S+)$/)?.[1] ?? '';
    expect(sent?.query.get('q')).toMatch(/^language:rust topic:database created:>=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Math.abs(Date.parse(since) - (started - 7 * 86_400_000))).toBeLessThan(60_000);
    expect(sent?.query.get('sort')).toBe('stars');
    expect(sent?.query.get('order')).toBe('desc');
    expect(sent?.headers['authorization']).toBe('Bearer ghp_test123');
    expect(sent?.headers['accept']).toBe('application/vnd.github+json');
    expect(sent?.headers['x-github-api-version']).toBe('2022-11-28');

    expect(items).toHaveLength(2);
    expect(items[0]).toEqual({
      externalId: '781234001',
      url: 'https://github.com/octo-labs/tiny-vector',
      title: 'octo-labs/tiny-vector: A 500-line vector database in Rust, for learning',
      text: 'A 500-line vector database in Rust, for learning vector-database rust education',
      author: 'octo-labs',
      publishedAt: new Date('2024-04-28T08:00:00Z'),
      metadata: {
        repo: 'octo-labs/tiny-vector',
        score: 1843,
        forks: 61,
        openIssues: 12,
        programmingLanguage: 'Rust',
        topics: ['vector-database', 'rust', 'education'],
      },
    });
    expect(items[1]).toMatchObject({ title: 'someone/llm-evals', publishedAt: new Date('2024-04-30T20:15:00Z') });
    expect(items[1]).not.toHaveProperty('text');
  });

  it('uses pushed time with by=pushed and sends no Authorization without a token', async () => {
    const before = api.requests.length;
    const { items } = await runSource('github:search?q=stars:>100&window=2024-04-01&by=pushed', options());
    expect(api.requests[before]?.query.get('q')).toBe('stars:>100 pushed:>=2024-04-01T00:00:00Z');
    expect(api.requests[before]?.headers).not.toHaveProperty('authorization');
    expect(items[0]?.publishedAt).toEqual(new Date('2024-05-02T09:30:00Z'));
  });

  it('pages through search results and stops early when the quota runs out', async () => {
    const before = api.requests.length;
    const { items, pages } = await runSource('github:search?q=paged&limit=1000', options());
    expect(api.requests.slice(before).map((r) => r.query.get('page'))).toEqual(['1', '2']);
    expect(pages).toBe(2);
    expect(items).toHaveLength(200);
    const capped = await runSource('github:search?q=paged&limit=150', options());
    expect(capped.items).toHaveLength(150);
  });

  it('lists releases (drafts left out, prereleases optional) and then costs one 304', async () => {
    const first = await runSource('github:releases/nodejs/node', options());
    expect(first.items.map((i) => i.title)).toEqual(['nodejs/node 2024-05-02, Version 22.1.0 (Current), @targos', 'nodejs/node v23.0.0-rc.1']);
    expect(first.items[0]).toMatchObject({
      externalId: '155000003',
      url: 'https://github.com/nodejs/node/releases/tag/v22.1.0',
      author: 'nodejs-github-bot',
      publishedAt: new Date('2024-05-02T14:10:00Z'),
      metadata: { repo: 'nodejs/node', tag: 'v22.1.0', prerelease: false },
    });
    expect(first.cursor).toMatchObject({ etag: 'W/"rel-1"', seen: ['155000003', '155000004'] });
    const stable = await runSource('github:releases/nodejs/node?prereleases=false', options());
    expect(stable.items.map((i) => i.metadata?.['tag'])).toEqual(['v22.1.0']);

    const second = await runSource('github:releases/nodejs/node', options(), first.cursor);
    expect(second.items).toEqual([]);
    expect(second.stats).toMatchObject({ requests: 1, notModified: 1 });
    expect(second.cursor).toEqual(first.cursor);
  });

  it('fails a missing repo fast and an exhausted quota as retryable at the reset time', async () => {
    expect(await sourceFailure('github:releases/acme/private', options())).toMatchObject({ name: 'SourceNotFoundError', retryable: false });
    const quota = await sourceFailure('github:releases/acme/quota', options());
    expect(quota).toMatchObject({ name: 'SourceFetchError', retryable: true, status: 403 });
    expect((quota as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(100_000);
  });
});
