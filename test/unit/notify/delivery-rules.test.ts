import { backoffMs } from '../../../activities/notify';
import { isRetryableStatus, parseRetryAfter } from '../../../activities/notify/http';
import { signPayload, verifySignature } from '../../../services/webhooks';

describe('webhook delivery rules', () => {
  it('retries 5xx, 408 and 429; gives up on every other 4xx and on redirects', () => {
    for (const s of [500, 502, 503, 504, 408, 429]) expect({ s, retry: isRetryableStatus(s) }).toEqual({ s, retry: true });
    for (const s of [301, 302, 400, 401, 403, 404, 410, 413, 422]) expect({ s, retry: isRetryableStatus(s) }).toEqual({ s, retry: false });
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-11-22T18:00:00Z');
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter('Sun, 22 Nov 2026 18:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Sun, 22 Nov 2026 17:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  it('backs off exponentially from the initial interval up to the cap, as the retry policy does', () => {
    const retry = { initialIntervalMs: 5000, maximumIntervalMs: 600_000, giveUpAfterMs: 86_400_000, timeoutMs: 10_000 };
    expect([1, 2, 3, 4, 8, 20].map((a) => backoffMs(retry, a))).toEqual([5000, 10_000, 20_000, 40_000, 600_000, 600_000]);
  });

  it('signs "t.body" with HMAC-SHA256; verification needs the same secret, body and a fresh timestamp', () => {
    const body = '{"type":"run.completed"}';
    const header = signPayload('whsec_test-secret-123456', body, 1_790_000_000);
    // Reference value from `printf '1790000000.{"type":"run.completed"}' | openssl dgst -sha256 -hmac whsec_test-secret-123456`.
    expect(header).toBe('t=1790000000,v1=d6a724a81581f12d7aaea7d4f35e965562816a81d09e20fde584585eda7b2100');
    expect(verifySignature('whsec_test-secret-123456', body, header, 1_790_000_100)).toBe(true);
    expect(verifySignature('whsec_other-secret-1234567', body, header, 1_790_000_100)).toBe(false);
    expect(verifySignature('whsec_test-secret-123456', `${body} `, header, 1_790_000_100)).toBe(false);
    expect(verifySignature('whsec_test-secret-123456', body, header, 1_790_000_000 + 301)).toBe(false); // stale: a replay
    expect(verifySignature('whsec_test-secret-123456', body, 't=abc,v1=00', 1_790_000_000)).toBe(false);
  });
});
