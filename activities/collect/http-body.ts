import { errorMessage, SourceFormatError } from './errors';

/** Retry-After as milliseconds from now: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Reads the body chunk by chunk so an oversized response is cut off instead of buffered whole. */
export async function readCapped(response: Response, maxBytes: number, onTooLarge: () => Error): Promise<Uint8Array> {
  if (!response.body) return new Uint8Array(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw onTooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, total);
}

/** Charset from Content-Type, else from an XML declaration or HTML meta tag, else UTF-8. */
export function decodeText(bytes: Uint8Array, contentType: string | null): string {
  const head = Buffer.from(bytes.subarray(0, 1024)).toString('latin1');
  const label =
    /charset\s*=\s*"?([\w.:-]+)/i.exec(contentType ?? '')?.[1] ??
    /^\s*<\?xml[^>]*encoding\s*=\s*["']([\w.:-]+)["']/i.exec(head)?.[1] ??
    /<meta[^>]+charset\s*=\s*["']?([\w.:-]+)/i.exec(head)?.[1] ??
    'utf-8';
  try {
    return new TextDecoder(label).decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
}

/** True when a body is an HTML page (error pages, logins, captchas) rather than the data asked for. */
export function looksLikeHtml(text: string): boolean {
  return /^\s*(?:<\?xml[^>]*>\s*)?(?:<!--[\s\S]*?-->\s*)*<(?:!doctype\s+html|html[\s>]|head[\s>]|body[\s>])/i.test(text.slice(0, 4096));
}

/**
 * Parses a JSON API answer. An HTML page (a block page, a login wall) or broken JSON is a
 * SourceFormatError naming what came back, so the recorded reason says what to look at.
 */
export function parseJsonBody(spec: string, url: string, text: string, contentType: string): unknown {
  if (looksLikeHtml(text)) {
    throw new SourceFormatError(spec, `${url} returned an HTML page (content-type ${contentType || 'none'}), not JSON`);
  }
  if (text.trim() === '') throw new SourceFormatError(spec, `${url} returned an empty body, not JSON`);
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const start = JSON.stringify(text.trim().slice(0, 40));
    throw new SourceFormatError(spec, `${url} returned invalid JSON (${errorMessage(err)}; starts with ${start})`, { cause: err });
  }
}

/**
 * A short reason from an error response body, for the recorded failure: `message`/`error`/`reason`
 * of a JSON body (GitHub, Reddit, Algolia), an Atom error entry's summary (arXiv), or plain text.
 * HTML error pages say nothing useful and are skipped.
 */
export function errorDetail(text: string): string | undefined {
  const trimmed = text.trim();
  if (trimmed === '' || looksLikeHtml(trimmed)) return undefined;
  let detail: string | undefined;
  if (trimmed.startsWith('{')) {
    try {
      const body: unknown = JSON.parse(trimmed);
      if (isObject(body)) {
        const strings = [body['message'], body['error'], body['reason']].filter((v): v is string => typeof v === 'string' && v !== '');
        // Reddit sends {"message": "Forbidden", "reason": "private"}: the reason is the useful half.
        detail = strings.length > 0 ? [...new Set(strings)].join(': ') : undefined;
      }
    } catch {
      detail = undefined;
    }
  } else if (trimmed.startsWith('<')) {
    detail = /<summary[^>]*>([\s\S]*?)<\/summary>/i.exec(trimmed)?.[1];
  } else {
    detail = trimmed;
  }
  const oneLine = detail?.replace(/\s+/g, ' ').trim();
  return oneLine ? oneLine.slice(0, 200) : undefined;
}

/** undici reports "fetch failed" and keeps the useful part (ECONNREFUSED, ENOTFOUND…) in `cause`. */
export function describeNetworkError(err: unknown): string {
  const cause = isObject(err) ? err['cause'] : undefined;
  const code = isObject(cause) && typeof cause['code'] === 'string' ? cause['code'] : undefined;
  const message = errorMessage(err);
  return code ? `${message} (${code})` : cause !== undefined ? `${message}: ${errorMessage(cause)}` : message;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
