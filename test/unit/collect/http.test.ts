import { setTimeout as sleep } from 'node:timers/promises';
import { SourceFetchError, SourceFormatError, SourceNotFoundError } from '../../../activities/collect/errors';
import { DEFAULT_HOST_POLICY, HostLimiters, KNOWN_HOST_POLICIES } from '../../../activities/collect/host-limiter';
import { HttpClient, type HttpClientOptions, type RequestStats } from '../../../activities/collect/http';
import { conditional, sendJson, sendText, startReplayServer, type ReplayServer } from './replay-server';

const SPEC = 'test:http';
const FAST = { minTimeMs: 0, maxConcurrent: 10 };

let a: ReplayServer; // stands in for one remote host
let b: ReplayServer; // and for another (a different host:port has its own limiter)
const clients: HttpClient[] = [];

function client(options: Partial<HttpClientOptions> = {}): HttpClient {
  const c = new HttpClient({ defaultHostPolicy: FAST, ...options });
  clients.push(c);
  return c;
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (err: unknown) => err,
  );
}

beforeAll(async () => {
  a = await startReplayServer({
    '/feed': conditional('<rss/>', 'application/rss+xml', '"v1"', 'Thu, 02 May 2024 10:00:00 GMT'),
    '/json': (_req, res) => sendJson(res, { ok: true }),
    '/html-not-json': (_req, res) => sendText(res, '<!DOCTYPE html><html><body>Blocked</body></html>', 'text/html'),
    '/broken-json': (_req, res) => sendJson(res, '{"items": [1, 2'),
    '/missing': (_req, res) => sendText(res, 'nope', 'text/plain', 404),
    '/bad-request': (_req, res) => sendJson(res, { message: 'Validation Failed', errors: [] }, 422),
    '/error': (_req, res) => sendText(res, 'oops', 'text/plain', 500),
    '/busy': (_req, res) => sendText(res, 'busy', 'text/plain', 503, { 'retry-after': '7' }),
    '/limited': (_req, res) => sendText(res, 'slow down', 'text/plain', 429, { 'retry-after': new Date(Date.now() + 20_000).toUTCString() }),
    '/go-away': (_req, res) => sendText(res, 'later', 'text/plain', 429, { 'retry-after': '7200' }),
    '/quota': (_req, res) =>
      sendJson(res, { message: 'API rate limit exceeded for 127.0.0.1.' }, 403, {
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 60),
      }),
    '/forbidden': (_req, res) => sendJson(res, { message: 'Resource not accessible by integration' }, 403),
    '/hop/0': (_req, res) => sendText(res, '', 'text/plain', 301, { location: '/hop/1' }),
    '/hop/1': (_req, res) => sendText(res, '', 'text/plain', 302, { location: '/hop/2' }),
    '/hop/2': (_req, res) => sendText(res, '', 'text/plain', 307, { location: '/json' }),
    '/loop': (_req, res) => sendText(res, '', 'text/plain', 302, { location: '/loop' }),
    '/bad-location': (_req, res) => sendText(res, '', 'text/plain', 302, { location: 'ftp://example.com/x' }),
    '/headers': (req, res) => sendJson(res, req.headers),
    '/stall': () => undefined, // never answers
    '/slow': async (_req, res) => {
      await sleep(30);
      sendText(res, 'ok', 'text/plain');
    },
  });
  b = await startReplayServer({
    '/headers': (req, res) => sendJson(res, req.headers),
    '/fast': (_req, res) => sendText(res, 'ok', 'text/plain'),
  });
  a.route('/to-other-origin', (_req, res) => sendText(res, '', 'text/plain', 302, { location: `${b.base}/headers` }));
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await Promise.all([a?.close(), b?.close()]);
});

describe('HttpClient (local servers stand in for remote hosts)', () => {
  it('sends a descriptive User-Agent and the Accept it is given', async () => {
    const { data } = await client().getJson({ spec: SPEC, url: `${a.base}/headers` });
    expect(data).toMatchObject({ 'user-agent': 'trendflow/0.1 (+https://github.com/trendflow/trendflow)', accept: 'application/json' });
  });

  it('makes an unchanged resource cost one 304: validators sent back, no body, counted', async () => {
    const http = client();
    const stats: RequestStats = { requests: 0, notModified: 0 };
    const first = await http.get({ spec: SPEC, url: `${a.base}/feed`, stats });
    expect(first).toMatchObject({ status: 200, notModified: false, validators: { etag: '"v1"', lastModified: 'Thu, 02 May 2024 10:00:00 GMT' } });
    expect(first.text()).toBe('<rss/>');

    const second = await http.get({ spec: SPEC, url: `${a.base}/feed`, validators: first.validators, stats });
    expect(second).toMatchObject({ status: 304, notModified: true, validators: first.validators });
    expect(second.bytes.byteLength).toBe(0);
    expect(stats).toEqual({ requests: 2, notModified: 1 });
    const sent = a.requests.filter((r) => r.pathname === '/feed').at(-1);
    expect(sent?.headers['if-none-match']).toBe('"v1"');
    expect(sent?.headers['if-modified-since']).toBe('Thu, 02 May 2024 10:00:00 GMT');
  });

  it('follows redirects up to the cap and reports the final URL', async () => {
    const response = await client({ maxRedirects: 3 }).get({ spec: SPEC, url: `${a.base}/hop/0` });
    expect(response.url).toBe(`${a.base}/json`);
    const err = await failure(client({ maxRedirects: 2 }).get({ spec: SPEC, url: `${a.base}/hop/0` }));
    expect(err).toBeInstanceOf(SourceFetchError);
    expect(err).toMatchObject({ retryable: false, message: expect.stringContaining('redirected more than 2 times') });
    expect(await failure(client().get({ spec: SPEC, url: `${a.base}/loop` }))).toMatchObject({ retryable: false });
    expect(await failure(client().get({ spec: SPEC, url: `${a.base}/bad-location` }))).toMatchObject({
      retryable: false,
      message: expect.stringContaining('unusable Location'),
    });
  });

  it('drops credentials when a redirect leaves the origin', async () => {
    const http = client();
    const same = await http.getJson({ spec: SPEC, url: `${a.base}/headers`, headers: { Authorization: 'Bearer s3cret' } });
    expect(same.data).toMatchObject({ authorization: 'Bearer s3cret' });
    const moved = await http.getJson({ spec: SPEC, url: `${a.base}/to-other-origin`, headers: { Authorization: 'Bearer s3cret' } });
    expect(moved.response.url).toBe(`${b.base}/headers`);
    expect(moved.data).not.toHaveProperty('authorization');
  });

  it('maps statuses: 404 not found, 4xx permanent with the reason from the body, 5xx retryable', async () => {
    const http = client();
    expect(await failure(http.get({ spec: SPEC, url: `${a.base}/missing` }))).toBeInstanceOf(SourceNotFoundError);
    expect(await failure(http.get({ spec: SPEC, url: `${a.base}/bad-request` }))).toMatchObject({
      retryable: false,
      status: 422,
      message: expect.stringMatching(/answered 422 .*: Validation Failed$/),
    });
    expect(await failure(http.get({ spec: SPEC, url: `${a.base}/error` }))).toMatchObject({ retryable: true, status: 500, retryAfterMs: undefined });
    expect(await failure(http.get({ spec: SPEC, url: `${a.base}/forbidden` }))).toMatchObject({ retryable: false, status: 403 });
  });

  it('turns Retry-After on 503/429 into a retryable error with the delay, and stops asking that host meanwhile', async () => {
    const http = client();
    expect(await failure(http.get({ spec: SPEC, url: `${a.base}/busy` }))).toMatchObject({ retryable: true, status: 503, retryAfterMs: 7000 });
    const asked = a.requests.length;
    // Another source on the same host fails fast, without a request, with the remaining wait.
    const blocked = await failure(http.get({ spec: 'other', url: `${a.base}/json` }));
    expect(blocked).toMatchObject({ retryable: true, status: 429 });
    expect((blocked as SourceFetchError).retryAfterMs).toBeGreaterThan(5000);
    expect(a.requests.length).toBe(asked);
    // Other hosts are unaffected, and so is another process (another client).
    expect((await http.get({ spec: SPEC, url: `${b.base}/fast` })).status).toBe(200);
    const limited = await failure(client().get({ spec: SPEC, url: `${a.base}/limited` }));
    expect(limited).toMatchObject({ retryable: true, status: 429 });
    expect((limited as SourceFetchError).retryAfterMs).toBeGreaterThan(15_000);
  });

  it('gives up for this run when the wait asked for is longer than maxRetryAfterMs', async () => {
    const err = await failure(client({ maxRetryAfterMs: 60_000 }).get({ spec: SPEC, url: `${a.base}/go-away` }));
    expect(err).toMatchObject({ retryable: false, status: 429, message: expect.stringContaining('asked us to wait 120 min') });
  });

  it('reads an exhausted GitHub-style quota (403, x-ratelimit-remaining: 0) as retryable at the reset time', async () => {
    const err = await failure(client().get({ spec: SPEC, url: `${a.base}/quota` }));
    expect(err).toMatchObject({ retryable: true, status: 403, message: expect.stringContaining('API rate limit exceeded') });
    expect((err as SourceFetchError).retryAfterMs).toBeGreaterThan(50_000);
  });

  it('times out a server that never answers, as retryable', async () => {
    const err = await failure(client({ timeoutMs: 200 }).getJson({ spec: SPEC, url: `${a.base}/stall` }));
    expect(err).toBeInstanceOf(SourceFetchError);
    expect(err).toMatchObject({ retryable: true, status: undefined, message: `no complete response from ${a.base}/stall within 200 ms` });
  });

  it('rejects HTML and broken JSON where JSON was expected', async () => {
    const http = client();
    expect(await failure(http.getJson({ spec: SPEC, url: `${a.base}/html-not-json` }))).toMatchObject({
      message: expect.stringContaining('returned an HTML page (content-type text/html), not JSON'),
    });
    const broken = await failure(http.getJson({ spec: SPEC, url: `${a.base}/broken-json` }));
    expect(broken).toBeInstanceOf(SourceFormatError);
    expect(broken).toMatchObject({ message: expect.stringContaining('returned invalid JSON') });
  });
});

describe('per-host rate limiting', () => {
  it('runs one host one request at a time, in the order asked, across sources sharing the client', async () => {
    const http = client({ defaultHostPolicy: { minTimeMs: 20, maxConcurrent: 1 } });
    const before = a.requests.length;
    await Promise.all(
      [0, 1, 2, 3, 4].map((i) => http.get({ spec: `source-${i % 2}`, url: `${a.base}/slow?n=${i}` })),
    );
    const seen = a.requests.slice(before);
    expect(seen.map((r) => r.query.get('n'))).toEqual(['0', '1', '2', '3', '4']);
    expect(Math.max(...seen.map((r) => r.inFlight))).toBe(1);
  });

  it('lets another host go ahead while one host is queued', async () => {
    const http = client({ defaultHostPolicy: FAST, hostPolicies: { [`127.0.0.1:${a.port}`]: { minTimeMs: 60, maxConcurrent: 1 } } });
    const order: string[] = [];
    const slow = [0, 1, 2, 3].map((i) => http.get({ spec: SPEC, url: `${a.base}/json?n=${i}` }).then(() => order.push(`a${i}`)));
    // Scheduled after all of host a's requests, but host b has its own budget.
    const fast = http.get({ spec: SPEC, url: `${b.base}/fast` }).then(() => order.push('b'));
    await Promise.all([...slow, fast]);
    expect(order.indexOf('b')).toBeLessThan(order.indexOf('a3'));
    expect(order.filter((o) => o.startsWith('a'))).toEqual(['a0', 'a1', 'a2', 'a3']);
  });

  it('applies published limits of known hosts, then configured ones by host:port or hostname', () => {
    const limiters = new HostLimiters(DEFAULT_HOST_POLICY, { ...KNOWN_HOST_POLICIES, 'www.reddit.com': { minTimeMs: 10_000, maxConcurrent: 1 }, '127.0.0.1:8080': FAST });
    expect(limiters.policyFor(new URL('https://export.arxiv.org/api/query?x=1'))).toEqual({ minTimeMs: 3000, maxConcurrent: 1 });
    expect(limiters.policyFor(new URL('https://www.reddit.com/r/rust.json'))).toEqual({ minTimeMs: 10_000, maxConcurrent: 1 });
    expect(limiters.policyFor(new URL('http://127.0.0.1:8080/x'))).toEqual(FAST);
    expect(limiters.policyFor(new URL('http://127.0.0.1:8081/x'))).toEqual(DEFAULT_HOST_POLICY);
  });

  it('rejects with the caller abort reason while a request waits in the host queue, and never sends it', async () => {
    const http = client({ defaultHostPolicy: { minTimeMs: 300, maxConcurrent: 1 } });
    const controller = new AbortController();
    const reason = new Error('activity cancelled');
    const first = http.get({ spec: SPEC, url: `${a.base}/json?n=first` });
    const queued = expect(http.get({ spec: SPEC, url: `${a.base}/json?n=queued`, signal: controller.signal })).rejects.toBe(reason);
    controller.abort(reason);
    await queued;
    await first;
    await sleep(400); // past the slot the queued request would have had
    expect(a.requests.filter((r) => r.query.get('n') === 'queued')).toHaveLength(0);
  });
});
