import fc from 'fast-check';
import pino from 'pino';
import type { Embedder } from '../../activities/embed/embedder';
import { listen, type RunningApi } from '../../api/server';
import { createApiKey } from '../../services/api-keys';
import { defaultLazyDeps } from '../../workers/deps';
import { openTestStack, type TestStack } from '../helpers/stack';

/**
 * Hostile input at the API: for every operation in the served OpenAPI document, thousands of
 * generated bad requests (wrong types, huge and control-char strings, SQL injection, path traversal,
 * prototype-pollution keys, malformed JSON, wrong content types; with and without a key) must get
 * a 4xx problem (never 5xx), write nothing, and meet the documented auth.
 */

const SEED = Number(process.env.FUZZ_SEED ?? 20261122);
const RUNS_PER_OPERATION = Number(process.env.FUZZ_RUNS ?? 200);

interface JsonSchema {
  type?: string | string[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
}
interface Operation {
  method: string;
  path: string;
  secured: boolean;
  pathParams: string[];
  queryParams: string[];
  body?: JsonSchema;
}
type AuthVariant = 'none' | 'valid' | 'bogus-bearer' | 'bogus-header';
interface BadRequest {
  pathValues: string[];
  encodePath: boolean;
  query: Array<[string, string]>;
  body?: string;
  contentType?: string;
  auth: AuthVariant;
}

const INJECTIONS = [
  "' OR 1=1 --",
  "'; DROP TABLE items; --",
  "'; DROP TABLE runs; --",
  '1; DELETE FROM api_keys',
  '1 OR 1=1',
  "admin'--",
  '" OR ""="',
  '1) UNION SELECT key_hash FROM api_keys --',
  '$1',
  '../../etc/passwd',
  '..%2F..%2Fetc%2Fpasswd',
  '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  '..\\..\\windows\\win.ini',
  '/etc/passwd',
  'file:///etc/passwd',
  'csv:../../etc/passwd',
  '%00',
  '%',
  '%zz',
  '%C0%AE%C0%AE%2F',
  '\u0000\u0001\u001f\u007f',
  '\r\nSet-Cookie: x=1',
  '<script>alert(1)</script>',
  '{{7*7}}',
  '${jndi:ldap://x}',
  '__proto__',
  'constructor',
  'NaN',
  'Infinity',
  '-1',
  '0',
  '1e309',
  '99999999999999999999999',
  '-0',
  '0x10',
  '',
  ' ',
  '\u202e\u200b\ufeff',
  '😀'.repeat(50),
];

const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...INJECTIONS) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 4000 }).map((n) => 'A'.repeat(n)) },
  { weight: 1, arbitrary: fc.double().map(String) },
  { weight: 1, arbitrary: fc.bigInt().map(String) },
);

/** Percent-encodes all but unreserved ASCII (lone surrogates become U+FFFD), so fetch always accepts the URL. */
function pct(s: string): string {
  return [...Buffer.from(s, 'utf8')].map((b) => (/[\w.~-]/.test(String.fromCharCode(b)) && b < 128 ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, '0')}`)).join('');
}

const POLLUTION = fc.constantFrom('__proto__', 'constructor', 'prototype', '__defineGetter__', 'hasOwnProperty', 'toString');
const deepNest = fc.integer({ min: 50, max: 3000 }).map((d) => '['.repeat(d) + ']'.repeat(d));
const jsonValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.dictionary(fc.oneof(POLLUTION, hostileString), fc.oneof(hostileString, fc.jsonValue({ maxDepth: 2 })), { maxKeys: 5 }),
  fc.record({ __proto__: fc.constant({ polluted: true }), constructor: fc.constant({ prototype: { polluted: true } }) }),
);

/** The JSON types a property schema accepts (empty = unknown, any value may be valid). */
function typesOf(s: JsonSchema): string[] {
  const own = s.type === undefined ? [] : Array.isArray(s.type) ? s.type : [s.type];
  const alts = [...(s.anyOf ?? []), ...(s.oneOf ?? [])].flatMap(typesOf);
  return [...own, ...alts].map((t) => (t === 'integer' ? 'number' : t));
}
const WRONG: Array<[string, unknown]> = [
  ['object', { __proto__: { polluted: true }, $where: "' OR 1=1 --" }],
  ['array', [[['../../etc/passwd']]]],
  ['number', 1e308],
  ['boolean', true],
  ['string', "'; DROP TABLE items; --"],
];
/** A value of a type the property does not accept, or undefined when its schema allows anything. */
function wrongValue(s: JsonSchema): unknown {
  const ok = typesOf(s);
  if (ok.length === 0) return undefined;
  return WRONG.find(([t]) => !ok.includes(t))?.[1];
}

/**
 * Bodies that cannot be valid: non-objects, or objects with every typed declared property of a
 * wrong type (so a key never starts a run or creates a source by accident), plus raw junk.
 */
function badBody(schema: JsonSchema | undefined): fc.Arbitrary<string> {
  const wrongProps = Object.fromEntries(
    Object.entries(schema?.properties ?? {})
      .map(([k, v]) => [k, wrongValue(v)] as const)
      .filter(([, v]) => v !== undefined),
  );
  const canForceInvalidObject = Object.keys(wrongProps).length > 0;
  const nonObject = fc.oneof(fc.constant(null), fc.boolean(), fc.double(), hostileString, fc.array(jsonValue, { maxLength: 4 }));
  const objects = canForceInvalidObject
    ? [jsonValue.map((v) => ({ ...(v !== null && typeof v === 'object' && !Array.isArray(v) ? v : { junk: v }), ...wrongProps }))]
    : [];
  return fc.oneof(
    { weight: 3, arbitrary: fc.oneof(nonObject, ...objects).map((v) => JSON.stringify(v) ?? 'null') },
    { weight: 1, arbitrary: deepNest },
    {
      weight: 2,
      arbitrary: fc.constantFrom('{"sources": [', "{'sources': 1}", '{"a":1,}', '\u0000', 'undefined', 'NaN', '{"__proto__":', '\ufeff{}x', '', '"'),
    },
    { weight: 1, arbitrary: fc.integer({ min: 257, max: 400 }).map((kb) => `{"sources":["${'x'.repeat(kb * 1024)}"]}`) },
  );
}

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  'application/json; charset=utf-16',
  'application/merge-patch+json',
  undefined,
];

function requestFor(op: Operation): fc.Arbitrary<BadRequest> {
  const names = fc.oneof(fc.constantFrom(...op.queryParams, 'limit', 'offset', 'q'), POLLUTION, hostileString);
  return fc.record({
    pathValues: fc.tuple(...op.pathParams.map(() => hostileString)),
    encodePath: fc.boolean(),
    // Node itself answers URLs over its 16 KB header limit (see the oversized-URL test below).
    query: fc.array(fc.tuple(names, hostileString), { maxLength: 3 }),
    body: op.body || op.method !== 'get' ? badBody(op.body).map((b): string | undefined => b) : fc.constant(undefined),
    contentType: fc.constantFrom(...CONTENT_TYPES),
    auth: fc.constantFrom<AuthVariant>('none', 'valid', 'valid', 'bogus-bearer', 'bogus-header'),
  });
}

/** Whatever could make one row: every base table in the public schema, with its row count. */
async function tableCounts(stack: TestStack): Promise<Record<string, number>> {
  const tables = (await stack.db.query(
    `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`,
  )) as Array<{ name: string }>;
  const counts: Record<string, number> = {};
  for (const { name } of tables) {
    const [row] = (await stack.db.query(`SELECT count(*)::int AS n FROM "${name.replace(/"/g, '""')}"`)) as Array<{ n: number }>;
    counts[name] = row?.n ?? -1;
  }
  return counts;
}

/** Deterministic embedder so /search never loads a model in a test. */
const fakeEmbedder: Embedder = {
  id: 'fuzz-fake',
  dimensions: 512,
  embed: async (texts) => texts.map(() => new Float32Array(512).fill(0.05)),
};

describe('API fuzz: hostile input at every documented endpoint', () => {
  let stack: TestStack;
  let api: RunningApi;
  let key: string;
  let ops: Operation[] = [];
  let before: Record<string, number>;
  let getVectorStore: ReturnType<typeof defaultLazyDeps>['getVectorStore'];
  let sent = 0;
  /** How often each status came back, and how often a keyed write got past auth (else the key is broken). */
  const statuses: Record<number, number> = {};
  let keyedWritesPastAuth = 0;

  beforeAll(async () => {
    stack = await openTestStack('fuzz');
    ({ getVectorStore } = defaultLazyDeps(stack.config));
    key = (await createApiKey(stack.db, { name: 'fuzz' })).key;
    const config = { ...stack.config, api: { ...stack.config.api, rateLimit: { limit: 1_000_000, windowMs: 60_000 } } };
    api = await listen(
      {
        config,
        db: stack.db,
        temporal: () => stack.client,
        vectorStore: getVectorStore,
        getEmbedder: async () => fakeEmbedder,
        log: pino({ level: 'silent' }),
        auth: { mode: 'required', reads: false }, // the documented default
      },
      '127.0.0.1',
      0,
    );
    const doc = (await (await fetch(`${api.url}/api/v1/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { security?: unknown[]; parameters?: Array<{ name: string; in: string }>; requestBody?: { content: Record<string, { schema: JsonSchema }> } }>>;
    };
    ops = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, o]) => ({
        method,
        path,
        secured: (o.security ?? []).length > 0,
        pathParams: (o.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name),
        queryParams: (o.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
        body: o.requestBody?.content['application/json']?.schema,
      })),
    );
    before = await tableCounts(stack);
    console.log(`api-fuzz: seed ${SEED}, ${RUNS_PER_OPERATION} runs × ${ops.length} operations (FUZZ_SEED / FUZZ_RUNS override)`);
  });

  afterAll(async () => {
    await api?.close();
    await (await getVectorStore?.().catch(() => undefined))?.close();
    await stack?.close();
  });

  function describeRequest(op: Operation, r: BadRequest): { method: string; url: string; headers: Record<string, string>; body?: string } {
    let i = 0;
    const urlPath = op.path.replace(/\{\w+\}/g, () => {
      const v = r.pathValues[i++] ?? '';
      return r.encodePath ? pct(v) : encodeURI(v.replace(/[^\x20-\x7e]/g, '')).replace(/[?#]/g, pct);
    });
    const qs = r.query.map(([k, v]) => `${pct(k)}=${pct(v)}`).join('&');
    const headers: Record<string, string> = {};
    if (r.contentType && r.body !== undefined) headers['content-type'] = r.contentType;
    if (r.auth === 'valid') headers.authorization = `Bearer ${key}`;
    if (r.auth === 'bogus-bearer') headers.authorization = "Bearer tf_' OR 1=1 --";
    if (r.auth === 'bogus-header') headers['x-api-key'] = '../../etc/passwd';
    return { method: op.method.toUpperCase(), url: `${urlPath}${qs ? `?${qs}` : ''}`, headers, ...(r.body !== undefined && op.method !== 'get' ? { body: r.body } : {}) };
  }

  it('answers every bad request with a 4xx problem (never 5xx) and enforces documented auth', async () => {
    expect(ops.length).toBeGreaterThan(10);
    for (const [index, op] of ops.entries()) {
      await fc.assert(
        fc.asyncProperty(requestFor(op), async (r) => {
          const req = describeRequest(op, r);
          const clip = (t: string) => (t.length > 300 ? `${t.slice(0, 300)}… (${t.length} chars)` : t);
          const shown = JSON.stringify({ ...req, url: clip(req.url), body: req.body && req.body.length > 300 ? `${req.body.slice(0, 300)}… (${req.body.length} chars)` : req.body });
          const res = await fetch(`${api.url}${req.url}`, { method: req.method, headers: req.headers, body: req.body });
          const text = await res.text();
          sent++;
          statuses[res.status] = (statuses[res.status] ?? 0) + 1;
          if (op.secured && r.auth === 'valid' && res.status !== 401) keyedWritesPastAuth++;
          const contentType = res.headers.get('content-type') ?? '';
          const fail = (why: string) => new Error(`${why}: ${shown} → ${res.status} ${contentType} ${text.slice(0, 300)}`);
          if (res.status >= 500) throw fail('5xx');
          if (res.status >= 400 && !/^application\/problem\+json/.test(contentType)) throw fail('4xx without application/problem+json');
          // Encoded path values keep the request on this route, so its documented auth applies.
          if (op.secured && r.auth !== 'valid' && r.encodePath && res.status !== 401) throw fail('secured route answered without a valid key');
          if (op.method !== 'get' && res.status < 400) throw fail('a write accepted a bad request');
        }),
        { seed: SEED + index, numRuns: RUNS_PER_OPERATION, endOnFailure: false },
      );
    }
  }, 120_000);

  // Known bug: Node's default clientError handler answers a bare 431 (no problem body) before Express
  // sees the request. Fix in api/server.ts (see bench/README.md); then drop `.failing`.
  it('answers an oversized URL (> 16 KB of headers) with a problem too', async () => {
    const res = await fetch(`${api.url}/api/v1/trends?q=${'A'.repeat(20_000)}`);
    await res.text();
    expect({ status: res.status, type: res.headers.get('content-type') }).toEqual({ status: 431, type: expect.stringMatching(/^application\/problem\+json/) });
  });

  it('stored nothing and kept every table', async () => {
    expect(sent).toBeGreaterThan(1000);
    console.log(`api-fuzz: ${sent} requests, statuses ${JSON.stringify(statuses)}, ${keyedWritesPastAuth} keyed writes past auth`);
    expect(keyedWritesPastAuth).toBeGreaterThan(100);
    const after = await tableCounts(stack);
    expect(after).toEqual(before);
    for (const t of ['runs', 'sources', 'api_keys', 'items']) expect(Object.keys(after)).toContain(t);
  });
});
