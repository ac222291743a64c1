import http from 'node:http';
import https from 'node:https';
import { isPrivateAddress, PrivateAddressError, publicOnlyLookup } from './address-guard';
import { DELIVERY_FAILURES } from './errors';

export interface PostOutcome {
  ok: boolean;
  statusCode: number | null;
  /** Why it failed (status line or network error), null on success. */
  error: string | null;
  retryable: boolean;
  /** From a 429's or 503's Retry-After, in ms. */
  retryAfterMs?: number;
  ms: number;
}

/** `Retry-After: <seconds>` or an HTTP date, in ms from now; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** 408 and 429 say "later", like 5xx; any other 4xx (and a redirect we do not follow) says "never". */
export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

export interface PostOptions {
  timeoutMs: number;
  /** Let receivers on loopback, private and link-local addresses through (WEBHOOK_ALLOW_PRIVATE_NETWORKS). */
  allowPrivateNetworks: boolean;
}

interface RawResponse {
  status: number;
  statusText: string;
  retryAfter: string | null;
}

/** One POST with node:http(s), whose `lookup` hook lets the address guard see where the socket goes. */
function post(url: URL, body: string, headers: Record<string, string>, o: PostOptions): Promise<RawResponse> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!o.allowPrivateNetworks && isPrivateAddress(host)) {
    // An address literal is never looked up, so the hook below would not see it.
    return Promise.reject(new PrivateAddressError(`${host} is a private or reserved address; set WEBHOOK_ALLOW_PRIVATE_NETWORKS=true to allow it`));
  }
  const request = url.protocol === 'https:' ? https.request : http.request;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': 'trendflow-webhooks/1', ...headers },
        signal: AbortSignal.timeout(o.timeoutMs),
        ...(o.allowPrivateNetworks ? {} : { lookup: publicOnlyLookup }),
      },
      (res) => {
        res.resume(); // drain, so the socket is freed
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', retryAfter: (res.headers['retry-after'] as string | undefined) ?? null }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** POSTs one signed body; never throws, so the caller records every attempt the same way. */
export async function postWebhook(url: string, body: string, headers: Record<string, string>, o: PostOptions): Promise<PostOutcome> {
  const started = Date.now();
  try {
    // Redirects are not followed (node:http never does): one could point the signed body anywhere.
    const res = await post(new URL(url), body, headers, o);
    const ms = Date.now() - started;
    if (res.status >= 200 && res.status < 300) return { ok: true, statusCode: res.status, error: null, retryable: false, ms };
    return {
      ok: false,
      statusCode: res.status,
      error: `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`,
      retryable: isRetryableStatus(res.status),
      retryAfterMs: parseRetryAfter(res.retryAfter, Date.now()),
      ms,
    };
  } catch (err) {
    const e = err as Error & { code?: string };
    const ms = Date.now() - started;
    // A receiver on a forbidden address will not move: refuse for good instead of retrying for a day.
    if (err instanceof PrivateAddressError) return { ok: false, statusCode: null, error: e.message, retryable: false, ms };
    const reason = e.name === 'TimeoutError' || e.name === 'AbortError' ? `no answer within ${o.timeoutMs} ms` : (e.code ?? e.message);
    return { ok: false, statusCode: null, error: `${DELIVERY_FAILURES.retryable}: ${reason}`, retryable: true, ms };
  }
}
