import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request, Response } from 'express';
import { routeLabel } from './metrics';
import type { TrendChanges } from './trend-changes';

const gzip = promisify(zlib.gzip);
const brotli = promisify(zlib.brotliCompress);

/** Bodies smaller than this are sent as they are: compressing them saves less than the headers cost. */
const COMPRESS_MIN_BYTES = 1024;

type Encoding = 'br' | 'gzip';

/** One serialized JSON answer, its strong ETag, and compressed variants made on first demand. */
export interface CachedResponse {
  key: string;
  /** Route template of the handler that made it (`/api/v1/trends`), for metrics and logs of hits. */
  route: string;
  epoch: number;
  body: Buffer;
  tag: string;
  variants: Partial<Record<Encoding, Promise<Buffer>>>;
  bytes: number;
}

export interface ResponseCacheOptions {
  /** When cached bodies stop being current; nothing is served while it is not live. */
  changes: Pick<TrendChanges, 'epoch' | 'live'>;
  /** Bodies (plus compressed variants) kept at most; the least recently filled go first. */
  maxBytes: number;
}

/**
 * Serialized JSON responses of the trend endpoints, keyed by the raw request URL (the body depends on
 * the raw query string, and the fast path finds hits by it), valid for one epoch of `changes`. Concurrent misses of one key share a single
 * database read (single flight); a read started before a change is never stored as current, because
 * its entry carries the epoch seen when the read began.
 */
export function createResponseCache({ changes, maxBytes }: ResponseCacheOptions) {
  const entries = new Map<string, CachedResponse>();
  const flights = new Map<string, { epoch: number; entry: Promise<CachedResponse> }>();
  let bytes = 0;

  const drop = (e: CachedResponse) => {
    if (entries.get(e.key) !== e) return;
    entries.delete(e.key);
    bytes -= e.bytes;
  };
  const store = (e: CachedResponse) => {
    const old = entries.get(e.key);
    if (old) drop(old);
    if (e.bytes > maxBytes) return;
    entries.set(e.key, e);
    bytes += e.bytes;
    for (const oldest of entries.values()) {
      if (bytes <= maxBytes) break;
      drop(oldest);
    }
  };

  const build = async (key: string, route: string, epoch: number, produce: () => Promise<unknown>): Promise<CachedResponse> => {
    const body = Buffer.from(JSON.stringify(await produce()));
    const tag = `"${createHash('sha1').update(body).digest('base64url').slice(0, 22)}"`;
    return { key, route, epoch, body, tag, variants: {}, bytes: body.length };
  };

  const fill = (key: string, route: string, epoch: number, produce: () => Promise<unknown>): Promise<CachedResponse> => {
    const entry = build(key, route, epoch, produce).then((e) => {
      if (changes.live() && changes.epoch() === epoch) store(e);
      return e;
    });
    flights.set(key, { epoch, entry });
    const land = () => {
      if (flights.get(key)?.entry === entry) flights.delete(key);
    };
    entry.then(land, land);
    return entry;
  };

  /** The stored entry for `key` if it is current. */
  const peek = (key: string): CachedResponse | undefined => {
    if (!changes.live()) return undefined;
    const hit = entries.get(key);
    if (!hit || hit.epoch === changes.epoch()) return hit;
    drop(hit);
    return undefined;
  };

  /** The current entry for `key`: cached, joined from a read in flight for this epoch, or read now. */
  const lookup = (key: string, route: string, produce: () => Promise<unknown>): Promise<CachedResponse> | CachedResponse => {
    if (!changes.live() || maxBytes <= 0) return build(key, route, -1, produce);
    const epoch = changes.epoch();
    const hit = peek(key);
    if (hit) return hit;
    const flight = flights.get(key);
    if (flight && flight.epoch === epoch) return flight.entry;
    return fill(key, route, epoch, produce);
  };

  const variant = (e: CachedResponse, encoding: Encoding): Promise<Buffer> => {
    let v = e.variants[encoding];
    if (!v) {
      v =
        encoding === 'br'
          ? brotli(e.body, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: e.body.length } })
          : gzip(e.body, { level: 6 });
      e.variants[encoding] = v;
      void v.then((buf) => {
        // Count the variant against the budget only while its entry is still the stored one.
        if (entries.get(e.key) !== e) return;
        e.bytes += buf.length;
        bytes += buf.length;
      }, () => undefined);
    }
    return v;
  };

  /**
   * Answers with a cached entry: strong ETag, 304 for a matching If-None-Match, br or gzip when the
   * client accepts it. `Cache-Control: no-cache` lets clients keep the body but makes them revalidate,
   * since trends change without notice.
   */
  async function sendEntry(req: IncomingMessage, res: ServerResponse, e: CachedResponse): Promise<void> {
    res.setHeader('Cache-Control', 'no-cache');
    res.setHeader('Vary', 'Accept-Encoding');
    const encoding = e.body.length >= COMPRESS_MIN_BYTES ? preferredEncoding(req.headers['accept-encoding']) : undefined;
    res.setHeader('ETag', encoding ? `${e.tag.slice(0, -1)}-${encoding}"` : e.tag);
    if (matches(req.headers['if-none-match'], e.tag)) {
      res.statusCode = 304;
      res.end();
      return;
    }
    const body = encoding ? await variant(e, encoding) : e.body;
    if (encoding) res.setHeader('Content-Encoding', encoding);
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.setHeader('Content-Length', body.length);
    res.end(body);
  }

  /** Answers `req` with the JSON `produce()` returns, from the cache when current (see sendEntry). */
  async function send(req: Request, res: Response, key: string, produce: () => Promise<unknown>): Promise<void> {
    await sendEntry(req, res, await lookup(key, routeLabel(req), produce));
  }

  return { send, peek, sendEntry, stats: () => ({ entries: entries.size, bytes }) };
}

export type ResponseCache = ReturnType<typeof createResponseCache>;

/** br, else gzip, when Accept-Encoding allows it (q=0 refuses); undefined = identity. */
export function preferredEncoding(header: string | undefined): Encoding | undefined {
  if (!header) return undefined;
  const accepted = new Map<string, number>();
  for (const part of header.toLowerCase().split(',')) {
    const [name = '', ...params] = part.trim().split(';');
    const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find((x) => x !== undefined);
    accepted.set(name.trim(), q === undefined ? 1 : Number(q));
  }
  const wanted = (name: Encoding) => (accepted.get(name) ?? accepted.get('*') ?? 0) > 0;
  return wanted('br') ? 'br' : wanted('gzip') ? 'gzip' : undefined;
}

/**
 * If-None-Match against the entry's tag; the -br/-gzip tags of its compressed variants match too, as
 * does `*`. Weak comparison (RFC 9110 §13.1.2), so a W/ prefix added by a proxy still matches.
 */
function matches(header: string | undefined, tag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  const opaque = tag.slice(1, -1);
  for (const candidate of header.split(',')) {
    const m = /^\s*(?:W\/)?"([^"]*)"\s*$/.exec(candidate);
    const value = m?.[1];
    if (value !== undefined && (value === opaque || value === `${opaque}-br` || value === `${opaque}-gzip`)) return true;
  }
  return false;
}
