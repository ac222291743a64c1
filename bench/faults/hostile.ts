import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { peakRssKb, type WorkerPool } from './stack';

const TWO_GB = 2 * 1024 ** 3;
const NEST = 100_000;

export interface HostileServer {
  base: string;
  close(): Promise<void>;
}

/** RSS head, then an endless-looking body: 2 GB of <item>s produced chunk by chunk, never held in memory. */
function streamHuge(res: http.ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/rss+xml' });
  const chunk = Buffer.from('<item><title>padding headline that never ends</title><link>https://x.invalid/a</link></item>\n'.repeat(700));
  let sent = 0;
  res.write('<?xml version="1.0"?><rss version="2.0"><channel><title>huge</title>');
  const pump = () => {
    while (sent < TWO_GB) {
      sent += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', pump);
    }
    res.end('</channel></rss>');
  };
  res.on('close', () => (sent = TWO_GB + 1)); // client gave up: stop generating
  pump();
}

/**
 * 127.0.0.1 server of hostile feeds: /hang never answers, /reset drops the connection, /huge streams
 * 2 GB, /bad-utf8 sends invalid UTF-8, and every other path (the hn: API) answers deeply nested JSON.
 */
export async function startHostileServer(): Promise<HostileServer> {
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    if (url === '/hang') return; // holds the socket open and silent
    if (url === '/reset') return req.socket.destroy();
    if (url === '/huge') return streamHuge(res);
    if (url === '/bad-utf8') {
      const bad = Buffer.from([0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1, 0xf0, 0x28, 0x8c, 0xbc, 0xff, 0xfe]);
      const item = (i: number) => Buffer.concat([Buffer.from(`<item><title>broken `), bad, Buffer.from(` ${i}</title><link>https://bad-utf8.invalid/${i}</link></item>`)]);
      res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8' });
      return res.end(Buffer.concat([Buffer.from('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>bad</title>'), ...[1, 2, 3].map(item), Buffer.from('</channel></rss>')]));
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('['.repeat(NEST) + ']'.repeat(NEST));
  });
  server.on('connection', (s) => (sockets.add(s), s.on('close', () => sockets.delete(s))));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

/** A JSONL file whose one line is JSON nested NEST deep, plus one good line. */
export function writeNestedJsonl(dir: string): string {
  const file = path.join(dir, 'nested.jsonl');
  const nested = `{"title":"deep","url":"https://deep.invalid/1","extra":${'{"a":'.repeat(NEST)}1${'}'.repeat(NEST)}}`;
  fs.writeFileSync(file, `${nested}\n{"title":"A normal line after the deep one","url":"https://deep.invalid/2"}\n`);
  return file;
}

export function hostileSources(base: string, jsonl: string): string[] {
  return [`rss:${base}/hang`, `rss:${base}/reset`, `rss:${base}/huge`, `rss:${base}/bad-utf8`, 'hn:top', `jsonl:${jsonl}`];
}

/** Per run: every source's outcome, and the collect worker's peak RSS. */
export async function inspectSources(db: DataSource, runId: string, pool: WorkerPool): Promise<Record<string, unknown>> {
  const rows = (await db.query('SELECT spec, status, error_type, inserted, fetched FROM run_sources WHERE run_id = $1 ORDER BY spec', [runId])) as Array<Record<string, unknown>>;
  return { sources: rows.map((r) => ({ ...r, spec: String(r.spec).replace(/http:\/\/127\.0\.0\.1:\d+/, '').replace(/^(csv|jsonl):.*\//, '$1:') })), collectPeakRssKb: peakRssKb(pool.pid('collect')) };
}

/** An OpenAI-compatible endpoint that either never answers (`hang`) or answers junk (`junk`). */
export async function startBadLlm(mode: 'hang' | 'junk'): Promise<HostileServer> {
  const server = http.createServer((req, res) => {
    req.resume();
    if (mode === 'hang') return;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"choices":[{"message":{"content":"\\u0000<<not json>> ]]]"}}], "usage": "banana"');
  });
  const sockets = new Set<Socket>();
  server.on('connection', (s) => (sockets.add(s), s.on('close', () => sockets.delete(s))));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

export async function inspectSummaries(db: DataSource, runId: string): Promise<Record<string, unknown>> {
  const rows = (await db.query('SELECT method, count(*)::int AS n FROM summaries WHERE run_id = $1 GROUP BY method', [runId])) as Array<{ method: string; n: number }>;
  return { summaryMethods: Object.fromEntries(rows.map((r) => [r.method, r.n])) };
}
