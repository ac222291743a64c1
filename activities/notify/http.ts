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

/** POSTs one signed body; never throws, so the caller records every attempt the same way. */
export async function postWebhook(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<PostOutcome> {
  const started = Date.now();
  try {
    const res = await fetch(url, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', 'user-agent': 'trendflow-webhooks/1', ...headers },
      // A redirect could point the signed body anywhere; receivers must give the final URL.
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.arrayBuffer().catch(() => undefined); // drain, so the socket can be reused
    const ms = Date.now() - started;
    if (res.status >= 200 && res.status < 300) return { ok: true, statusCode: res.status, error: null, retryable: false, ms };
    return {
      ok: false,
      statusCode: res.status,
      error: `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`,
      retryable: isRetryableStatus(res.status),
      retryAfterMs: parseRetryAfter(res.headers.get('retry-after'), Date.now()),
      ms,
    };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    const reason = e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (e.cause?.code ?? e.cause?.message ?? e.message);
    return { ok: false, statusCode: null, error: `${DELIVERY_FAILURES.retryable}: ${reason}`, retryable: true, ms: Date.now() - started };
  }
}
