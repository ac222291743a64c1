import { setMaxListeners } from 'node:events';
import { SourceError, SourceFetchError, SourceFormatError, SourceNotFoundError } from './errors';
import { decodeText, describeNetworkError, errorDetail, parseJsonBody, parseRetryAfter, readCapped } from './http-body';
import { DEFAULT_HOST_POLICY, HostLimiters, KNOWN_HOST_POLICIES, type HostPolicy } from './host-limiter';

/** Limits and manners of every network request the collect stage makes. */
export interface HttpClientOptions {
  /** One request (one redirect hop), body included. */
  timeoutMs: number;
  /** Largest body read, after decompression. */
  maxBytes: number;
  maxRedirects: number;
  userAgent: string;
  /** Longest Retry-After still treated as "retry later"; a longer ask fails the source for this run. */
  maxRetryAfterMs: number;
  defaultHostPolicy: HostPolicy;
  /** Per host (`hostname` or `host:port`), on top of KNOWN_HOST_POLICIES. */
  hostPolicies: Record<string, HostPolicy>;
}

export const DEFAULT_HTTP_OPTIONS: HttpClientOptions = {
  timeoutMs: 20_000,
  maxBytes: 10 * 1024 * 1024,
  maxRedirects: 5,
  userAgent: 'trendflow/0.1 (+https://github.com/trendflow/trendflow)',
  maxRetryAfterMs: 15 * 60_000,
  defaultHostPolicy: DEFAULT_HOST_POLICY,
  hostPolicies: {},
};

/** Conditional-GET validators a source keeps in its cursor. */
export interface Validators {
  etag?: string;
  lastModified?: string;
}

/** Per-source counters the client updates, so a source can report what a run cost. */
export interface RequestStats {
  requests: number;
  notModified: number;
}

export interface HttpRequest {
  /** The source spec, for error messages. */
  spec: string;
  url: string;
  accept?: string;
  /** Extra headers (e.g. Authorization); dropped when a redirect leaves the request's origin. */
  headers?: Record<string, string>;
  validators?: Validators;
  signal?: AbortSignal;
  stats?: RequestStats;
}

export interface HttpResponse {
  status: number;
  /** Final URL after redirects. */
  url: string;
  /** 304: the body is empty and nothing was downloaded. */
  notModified: boolean;
  headers: Headers;
  contentType: string;
  bytes: Uint8Array;
  /** Validators to send next time (the old ones on a 304 without new ones). */
  validators: Validators;
  text(): string;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * The polite HTTP client every network source uses: descriptive User-Agent, per-host rate limits
 * shared across the process, timeouts, a body size cap, capped redirects, conditional GET, and
 * status codes mapped to the collect stage's errors (Retry-After carried on retryable ones).
 */
export class HttpClient {
  readonly options: HttpClientOptions;
  private readonly limiters: HostLimiters;

  constructor(options: Partial<HttpClientOptions> = {}) {
    this.options = { ...DEFAULT_HTTP_OPTIONS, ...options };
    this.limiters = new HostLimiters(this.options.defaultHostPolicy, { ...KNOWN_HOST_POLICIES, ...this.options.hostPolicies });
  }

  /** GETs a URL, following up to maxRedirects redirects; throws a SourceError for anything but 2xx/304. */
  async get(request: HttpRequest): Promise<HttpResponse> {
    const origin = new URL(request.url).origin;
    let url = new URL(request.url);
    for (let hop = 0; ; hop++) {
      // Credentials are for the origin the caller named; a redirect elsewhere must not carry them.
      const headers = url.origin === origin ? request.headers : undefined;
      const outcome = await untilAborted(this.limiters.schedule(url, () => this.once(request, url, headers)), request.signal);
      if (!('location' in outcome)) return outcome;
      if (hop >= this.options.maxRedirects) {
        throw new SourceFetchError(request.spec, `${request.url} redirected more than ${this.options.maxRedirects} times`, {
          status: outcome.status,
          retryable: false,
        });
      }
      url = outcome.location;
    }
  }

  /** GET + JSON.parse; HTML or broken JSON is a SourceFormatError. A 304 gives `data: undefined`. */
  async getJson(request: HttpRequest): Promise<{ response: HttpResponse; data: unknown }> {
    const response = await this.get({ accept: 'application/json', ...request });
    if (response.notModified) return { response, data: undefined };
    return { response, data: parseJsonBody(request.spec, response.url, response.text(), response.contentType) };
  }

  async close(): Promise<void> {
    await this.limiters.stop();
  }

  /** One hop: either a final response or the next location. Runs inside the host's limiter. */
  private async once(
    request: HttpRequest,
    url: URL,
    extraHeaders: Record<string, string> | undefined,
  ): Promise<HttpResponse | { status: number; location: URL }> {
    const { spec, signal } = request;
    const { timeoutMs, maxBytes } = this.options;
    signal?.throwIfAborted(); // cancelled while queued behind the limiter
    const blocked = this.limiters.blockedFor(url);
    if (blocked > 0) {
      throw new SourceFetchError(spec, `${url.host} asked us to wait; not asking again for ${Math.ceil(blocked / 1000)} s`, {
        status: 429,
        retryAfterMs: blocked,
      });
    }
    const headers: Record<string, string> = { 'User-Agent': this.options.userAgent, Accept: request.accept ?? '*/*', ...extraHeaders };
    if (request.validators?.etag) headers['If-None-Match'] = request.validators.etag;
    if (request.validators?.lastModified) headers['If-Modified-Since'] = request.validators.lastModified;

    const timeout = AbortSignal.timeout(timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    const failure = (err: unknown): unknown => {
      if (signal?.aborted) return signal.reason;
      if (err instanceof SourceError) return err;
      if (timeout.aborted) return new SourceFetchError(spec, `no complete response from ${url.href} within ${timeoutMs} ms`, { cause: err });
      return new SourceFetchError(spec, `fetching ${url.href} failed: ${describeNetworkError(err)}`, { cause: err });
    };
    if (request.stats) request.stats.requests++;
    let response: Response;
    try {
      response = await fetch(url, { signal: combined, redirect: 'manual', headers });
    } catch (err) {
      throw failure(err);
    }
    const discard = () => response.body?.cancel().catch(() => undefined);

    if (REDIRECTS.has(response.status)) {
      await discard();
      return { status: response.status, location: this.redirectTarget(spec, url, response) };
    }
    if (response.status === 304) {
      await discard();
      if (request.stats) request.stats.notModified++;
      return this.result(url, response, new Uint8Array(0), request.validators);
    }
    if (!response.ok) {
      // A little of the body often says why (GitHub "Validation Failed", arXiv's error entry); never more than 4 KB.
      const detail = await readCapped(response, 4096, () => new Error('error body too large'))
        .then((bytes) => errorDetail(decodeText(bytes, response.headers.get('content-type'))))
        .catch(() => undefined);
      throw this.statusError(spec, url, response, detail);
    }
    const declared = Number(response.headers.get('content-length'));
    const tooLarge = () => new SourceFormatError(spec, `${url.href} sent more than ${maxBytes} bytes; refusing to read it`);
    if (Number.isFinite(declared) && declared > maxBytes) {
      await discard();
      throw tooLarge();
    }
    try {
      return this.result(url, response, await readCapped(response, maxBytes, tooLarge));
    } catch (err) {
      throw failure(err);
    }
  }

  private result(url: URL, response: Response, bytes: Uint8Array, previous: Validators = {}): HttpResponse {
    const contentType = response.headers.get('content-type') ?? '';
    const etag = response.headers.get('etag') ?? previous.etag;
    const lastModified = response.headers.get('last-modified') ?? previous.lastModified;
    return {
      status: response.status,
      url: url.href,
      notModified: response.status === 304,
      headers: response.headers,
      contentType,
      bytes,
      validators: { ...(etag && { etag }), ...(lastModified && { lastModified }) },
      text: () => decodeText(bytes, contentType),
    };
  }

  private redirectTarget(spec: string, from: URL, response: Response): URL {
    const location = response.headers.get('location');
    let target: URL | undefined;
    try {
      target = location ? new URL(location, from) : undefined;
    } catch {
      target = undefined;
    }
    if (!target || (target.protocol !== 'http:' && target.protocol !== 'https:')) {
      throw new SourceFetchError(spec, `${from.href} answered ${response.status} with an unusable Location ${JSON.stringify(location)}`, {
        status: response.status,
        retryable: false,
      });
    }
    return target;
  }

  /**
   * 404/410: not found. 408/425/429/5xx: retryable, with Retry-After. GitHub signals an exhausted quota
   * as 403 + `x-ratelimit-remaining: 0` (reset in `x-ratelimit-reset`) and a secondary limit as 403 +
   * Retry-After: both are retryable too. Every other status is permanent. A Retry-After beyond
   * maxRetryAfterMs fails the source for this run rather than keep a run waiting for hours.
   */
  private statusError(spec: string, url: URL, response: Response, detail?: string): SourceError {
    const { status } = response;
    const label = `${url.href} answered ${status}${response.statusText ? ` ${response.statusText}` : ''}${detail ? `: ${detail}` : ''}`;
    if (status === 404 || status === 410) return new SourceNotFoundError(spec, label);
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after')) ?? rateLimitResetMs(response.headers);
    const transient = status === 408 || status === 425 || status === 429 || status >= 500;
    const limited = status === 403 && retryAfterMs !== undefined;
    if (!transient && !limited) return new SourceFetchError(spec, label, { status, retryable: false });
    if (retryAfterMs === undefined) return new SourceFetchError(spec, label, { status });
    this.limiters.block(url, retryAfterMs);
    if (retryAfterMs > this.options.maxRetryAfterMs) {
      const minutes = Math.ceil(retryAfterMs / 60_000);
      return new SourceFetchError(spec, `${label} and asked us to wait ${minutes} min; giving up for this run`, { status, retryable: false });
    }
    return new SourceFetchError(spec, label, { status, retryAfterMs });
  }
}

/** GitHub-style quota headers: the wait until `x-ratelimit-reset` (epoch seconds) when none remain. */
export function rateLimitResetMs(headers: Headers, now = Date.now()): number | undefined {
  if (headers.get('x-ratelimit-remaining')?.trim() !== '0') return undefined;
  const reset = Number(headers.get('x-ratelimit-reset'));
  return Number.isFinite(reset) && reset > 0 ? Math.max(0, reset * 1000 - now) : undefined;
}

/**
 * Settles with `promise`, or rejects with the abort reason as soon as `signal` aborts: a request still
 * queued behind a host's limiter must not hold up a cancelled activity (once it reaches the front,
 * `once` sees the aborted signal and sends nothing).
 */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * A signal that aborts with `parent`, for fanning many concurrent requests out of one source: the
 * parent gets one listener, the child may have many (its listener-leak warning is raised to match).
 */
export function childSignal(parent: AbortSignal | undefined, maxListeners = 1000): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  setMaxListeners(maxListeners, controller.signal);
  if (!parent) return { signal: controller.signal, dispose: () => undefined };
  const forward = () => controller.abort(parent.reason);
  if (parent.aborted) forward();
  else parent.addEventListener('abort', forward, { once: true });
  return { signal: controller.signal, dispose: () => parent.removeEventListener('abort', forward) };
}
