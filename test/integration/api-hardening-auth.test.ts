import { createHash } from 'node:crypto';
import pino from 'pino';
import type { AuthSettings } from '../../api/auth';
import { listen, type RunningApi } from '../../api/server';
import { main as cli } from '../../cli/main';
import { createApiKey, revokeApiKey } from '../../services/api-keys';
import { defaultLazyDeps } from '../../workers/deps';
import { call, expectProblem, jsonHeaders } from '../helpers/api-client';
import { openTestStack, type TestStack } from '../helpers/stack';

/** Runs the real CLI in-process against the test database and returns what it printed. */
async function runCli(stack: TestStack, args: string[]): Promise<{ out: string; code: number }> {
  const saved = { url: process.env.DATABASE_URL, code: process.exitCode };
  process.env.DATABASE_URL = stack.config.db.url;
  process.exitCode = 0;
  const chunks: string[] = [];
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  });
  const err = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  });
  try {
    await cli(['node', 'trendflow', ...args]);
    return { out: chunks.join(''), code: Number(process.exitCode ?? 0) };
  } finally {
    out.mockRestore();
    err.mockRestore();
    process.env.DATABASE_URL = saved.url;
    process.exitCode = saved.code;
  }
}

describe('API hardening: API keys, auth and rate limits', () => {
  let stack: TestStack;
  const apis: RunningApi[] = [];
  let getVectorStore: ReturnType<typeof defaultLazyDeps>['getVectorStore'];

  async function start(auth: AuthSettings, rateLimit = { limit: 1000, windowMs: 60_000 }): Promise<string> {
    const config = { ...stack.config, api: { ...stack.config.api, rateLimit } };
    const api = await listen({ config, db: stack.db, temporal: () => stack.client, vectorStore: getVectorStore, log: pino({ level: 'silent' }), auth }, '127.0.0.1', 0);
    apis.push(api);
    return api.url;
  }
  const post = (url: string, headers: Record<string, string>, body = '{}') =>
    call(url, '/api/v1/runs', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

  beforeAll(async () => {
    stack = await openTestStack('auth');
    ({ getVectorStore } = defaultLazyDeps(stack.config));
  });

  afterAll(async () => {
    for (const api of apis) await api.close();
    await (await getVectorStore().catch(() => undefined))?.close();
    await stack?.close();
  });

  describe('with no key created yet (the default: writes need a key)', () => {
    let url: string;
    beforeAll(async () => {
      url = await start(stack.config.api.auth); // the config default
      expect(stack.config.api.auth).toEqual({ mode: 'required', reads: false });
    });

    it('refuses writes with 401, WWW-Authenticate, and says how to create a key', async () => {
      const reply = await post(url, {});
      const p = expectProblem(reply, 401);
      expect(p.detail).toContain('trendflow keys create --name');
      expect(p.detail).toContain('none exists yet');
      expect(reply.headers.get('www-authenticate')).toMatch(/^Bearer/);
    });

    it('keeps reads, health, metrics and the docs open', async () => {
      for (const path of ['/api/v1/trends', '/api/v1/runs', '/health', '/metrics', '/api/v1/openapi.json', '/api/v1/docs']) {
        expect({ path, status: (await call(url, path)).status }).toEqual({ path, status: 200 });
      }
    });
  });

  describe('keys from the CLI', () => {
    let key: string;
    let url: string;

    it('`keys create --json` prints a tf_ key once; only a salted hash is stored', async () => {
      const { out, code } = await runCli(stack, ['keys', 'create', '--name', 'ci-bot', '--json']);
      expect(code).toBe(0);
      const created = JSON.parse(out) as { id: number; key: string; name: string; scope: string; prefix: string };
      expect(created).toMatchObject({ name: 'ci-bot', scope: 'write' });
      expect(created.key).toMatch(/^tf_[A-Za-z0-9_-]{43}$/);
      key = created.key;
      const rows: Array<Record<string, unknown>> = await stack.db.query('SELECT * FROM api_keys WHERE id = $1', [created.id]);
      const row = rows[0] ?? {};
      const stored = JSON.stringify(row);
      expect(stored).not.toContain(key.slice(11)); // nothing beyond the 11-character lookup prefix
      expect(row.prefix).toBe(key.slice(0, 11));
      expect(row.hash).not.toBe(createHash('sha256').update(key).digest('hex')); // salted
      expect(row.hash).toBe(createHash('sha256').update(String(row.salt)).update(key).digest('hex'));
    });

    it('`keys list` shows the key without the secret; a second active key of the same name is refused', async () => {
      const { out } = await runCli(stack, ['keys', 'list', '--json']);
      const list = JSON.parse(out) as Array<Record<string, unknown>>;
      expect(list.map((k) => k.name)).toEqual(['ci-bot']);
      expect(out).not.toContain(key.slice(11));
      const again = await runCli(stack, ['keys', 'create', '--name', 'ci-bot']);
      expect(again.code).toBe(1);
      expect(again.out).toMatch(/active key named "ci-bot" exists/);
    });

    it('a write with the key (Bearer or X-API-Key) passes auth and reaches validation', async () => {
      url = await start({ mode: 'required', reads: false });
      expect(expectProblem(await post(url, { authorization: `Bearer ${key}` }), 400).detail).toMatch(/sources/);
      expect(expectProblem(await post(url, { 'x-api-key': key }), 400).detail).toMatch(/sources/);
    });

    it('refuses unknown, malformed and (after `keys revoke`) revoked keys with 401', async () => {
      const unknown = `tf_${'A'.repeat(43)}`;
      expect(expectProblem(await post(url, { authorization: `Bearer ${unknown}` }), 401).detail).toMatch(/not recognised/);
      expectProblem(await post(url, { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }), 401);
      expectProblem(await post(url, { 'x-api-key': 'tf_short' }), 401);
      const { code } = await runCli(stack, ['keys', 'revoke', 'ci-bot']);
      expect(code).toBe(0);
      expectProblem(await post(url, { authorization: `Bearer ${key}` }), 401);
    });
  });

  describe('scopes, reads and disabled auth', () => {
    let writeKey: string;
    let readKey: string;
    beforeAll(async () => {
      writeKey = (await createApiKey(stack.db, { name: 'writer' })).key;
      readKey = (await createApiKey(stack.db, { name: 'reader', scope: 'read' })).key;
    });

    it('answers 403 when a read-only key writes, and counts auth failures by reason', async () => {
      const url = await start({ mode: 'required', reads: false });
      const p = expectProblem(await post(url, { authorization: `Bearer ${readKey}` }), 403);
      expect(p.detail).toMatch(/read-only/);
      await post(url, {});
      const metrics = (await call<string>(url, '/metrics')).body;
      expect(metrics).toMatch(/trendflow_api_auth_failures_total\{reason="read_only_key"\} 1/);
      expect(metrics).toMatch(/trendflow_api_auth_failures_total\{reason="missing_key"\} 1/);
    });

    it('with API_AUTH_READS=true, reads need a key (any scope) but health, metrics and docs stay open', async () => {
      const url = await start({ mode: 'required', reads: true });
      expectProblem(await call(url, '/api/v1/trends'), 401);
      expect((await call(url, '/api/v1/trends', { headers: { 'x-api-key': readKey } })).status).toBe(200);
      expect((await call(url, '/api/v1/trends', { headers: { authorization: `Bearer ${writeKey}` } })).status).toBe(200);
      for (const path of ['/health', '/ready', '/metrics', '/api/v1/health', '/api/v1/openapi.json', '/api/v1/docs']) {
        expect({ path, status: (await call(url, path)).status }).toEqual({ path, status: 200 });
      }
      const doc = (await call<{ paths: Record<string, Record<string, { security: unknown[] }>> }>(url, '/api/v1/openapi.json')).body;
      expect(doc.paths['/api/v1/trends']?.get?.security).toEqual([{ bearerAuth: [] }, { apiKeyHeader: [] }]);
      expect(doc.paths['/health']?.get?.security).toEqual([]);
    });

    it('with API_AUTH=disabled, writes need no key', async () => {
      const url = await start({ mode: 'disabled', reads: true });
      expectProblem(await post(url, {}), 400);
      expect((await call(url, '/api/v1/trends')).status).toBe(200);
    });

    it('revoking by id works too, and an unknown key id is a 404 problem from the service', async () => {
      const temp = await createApiKey(stack.db, { name: 'temp' });
      expect((await revokeApiKey(stack.db, String(temp.id))).revokedAt).not.toBeNull();
      await expect(revokeApiKey(stack.db, String(temp.id))).rejects.toThrow(/does not exist/);
    });
  });

  describe('rate limits', () => {
    it('limits each key on its own and answers 429 problems with Retry-After', async () => {
      const url = await start({ mode: 'required', reads: false }, { limit: 3, windowMs: 60_000 });
      const a = (await createApiKey(stack.db, { name: 'limited-a' })).key;
      const b = (await createApiKey(stack.db, { name: 'limited-b' })).key;
      for (let i = 0; i < 3; i++) expect((await call(url, '/api/v1/runs', { headers: jsonHeaders(a) })).status).toBe(200);
      const limited = await call(url, '/api/v1/runs', { headers: jsonHeaders(a) });
      const p = expectProblem(limited, 429);
      expect(p.detail).toMatch(/limited-a.*3 requests per 60 s/);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(limited.headers.get('ratelimit-policy')).toMatch(/^3;w=60/);
      expect((await call(url, '/api/v1/runs', { headers: jsonHeaders(b) })).status).toBe(200); // b has its own budget
      for (let i = 0; i < 5; i++) expect((await call(url, '/health')).status).toBe(200); // probes are never limited
      expect((await call<string>(url, '/metrics')).body).toMatch(/trendflow_api_rate_limited_total\{client="api_key"\} 1/);
    });

    it('applies a key’s own limit, and limits clients without a key by IP', async () => {
      const url = await start({ mode: 'required', reads: false }, { limit: 2, windowMs: 60_000 });
      const slow = (await createApiKey(stack.db, { name: 'one-per-window', rateLimit: 1 })).key;
      expect((await call(url, '/api/v1/trends', { headers: jsonHeaders(slow) })).status).toBe(200);
      expectProblem(await call(url, '/api/v1/trends', { headers: jsonHeaders(slow) }), 429);
      expect((await call(url, '/api/v1/trends')).status).toBe(200);
      expect((await call(url, '/api/v1/trends')).status).toBe(200);
      expect(expectProblem(await call(url, '/api/v1/trends'), 429).detail).toMatch(/no API key/);
    });
  });
});
