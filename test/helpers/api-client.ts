import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';

/** A response with its body parsed as JSON when the content type says so. */
export interface Reply<T = unknown> {
  status: number;
  headers: Headers;
  contentType: string;
  body: T;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  requestId?: string;
  errors?: Array<{ path: string; message: string }>;
}

/** fetch against `base`, parsing JSON (and problem+json) bodies. */
export async function call<T = unknown>(base: string, urlPath: string, init: RequestInit = {}): Promise<Reply<T>> {
  const res = await fetch(`${base}${urlPath}`, init);
  const text = await res.text();
  const contentType = res.headers.get('content-type') ?? '';
  return {
    status: res.status,
    headers: res.headers,
    contentType,
    body: (contentType.includes('json') && text !== '' ? JSON.parse(text) : text) as T,
  };
}

/** Headers for a JSON body, plus a bearer key when given. */
export function jsonHeaders(key?: string): Record<string, string> {
  return { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) };
}

/** Asserts an RFC 9457 problem with this status and returns it. */
export function expectProblem(reply: Reply, status: number): Problem {
  expect({ status: reply.status, contentType: reply.contentType }).toEqual({
    status,
    contentType: expect.stringMatching(/^application\/problem\+json/),
  });
  const p = reply.body as Problem;
  expect(p).toMatchObject({ type: 'about:blank', status, title: expect.any(String), detail: expect.any(String) });
  return p;
}

/** A pino logger whose JSON lines are kept in memory, for assertions on structured logs. */
export function capturedLogger(): { log: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ level: 'info' }, sink), lines };
}
