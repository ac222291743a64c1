import pino from 'pino';
import { z } from 'zod';
import { listen, type RunningApi } from '../../api/server';
import type { AuthSettings } from '../../api/auth';
import { runRequestSchema } from '../../services/run-params';
import { defaultLazyDeps } from '../../workers/deps';
import { call, expectProblem, jsonHeaders, type Reply } from '../helpers/api-client';
import { openTestStack, type TestStack } from '../helpers/stack';

interface Parameter {
  name: string;
  in: 'path' | 'query';
  required: boolean;
  schema: { type?: string; maximum?: number; enum?: string[]; pattern?: string };
}
interface Operation {
  summary: string;
  parameters: Parameter[];
  requestBody?: { content: { 'application/json': { schema: { required?: string[]; additionalProperties?: boolean } } } };
  security: unknown[];
  responses: Record<string, unknown>;
  'x-undocumented'?: boolean;
}
interface Document {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
}

/** Routers converted to the schema registry; every one of their routes must carry schemas. */
const OWN_PATHS = [
  '/health', '/ready', '/metrics', '/api/v1/health', '/api/v1/ready', '/api/v1/metrics',
  '/api/v1/runs', '/api/v1/runs/{id}', '/api/v1/trends', '/api/v1/trends/{id}', '/api/v1/openapi.json', '/api/v1/docs',
];

describe('API hardening: OpenAPI document and schema-driven validation', () => {
  let stack: TestStack;
  let api: RunningApi;
  let doc: Document;
  const ops = () =>
    Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ method, path, op })));

  beforeAll(async () => {
    stack = await openTestStack('openapi');
    const auth: AuthSettings = { mode: 'disabled', reads: false };
    const { getVectorStore } = defaultLazyDeps(stack.config);
    api = await listen({ config: stack.config, db: stack.db, temporal: () => stack.client, vectorStore: getVectorStore, log: pino({ level: 'silent' }), auth }, '127.0.0.1', 0);
    const reply = await call<Document>(api.url, '/api/v1/openapi.json');
    expect(reply.status).toBe(200);
    doc = reply.body;
  });

  afterAll(async () => {
    await api?.close();
    await stack?.close();
  });

  it('is OpenAPI 3.1 and lists every route Express serves, including other routers', () => {
    expect(doc.openapi).toBe('3.1.0');
    const listed = ops().map((o) => `${o.method.toUpperCase()} ${o.path}`);
    for (const route of ['POST /api/v1/runs', 'GET /api/v1/runs', 'GET /api/v1/runs/{id}', 'GET /api/v1/trends', 'GET /api/v1/trends/{id}', 'GET /health']) {
      expect(listed).toContain(route);
    }
    expect(new Set(listed).size).toBe(listed.length);
    expect(doc.components.securitySchemes).toHaveProperty('bearerAuth');
    expect(doc.components.securitySchemes).toHaveProperty('apiKeyHeader');
  });

  it('documents every route of the converted routers with schemas, none as x-undocumented', () => {
    for (const path of OWN_PATHS) {
      expect(doc.paths[path]).toBeDefined();
      for (const op of Object.values(doc.paths[path] ?? {})) {
        expect(op['x-undocumented']).toBeUndefined();
        expect(op.summary.length).toBeGreaterThan(0);
      }
    }
  });

  it('has schemas for every route: no router is left on plain Express', () => {
    expect(ops().filter((o) => o.op['x-undocumented']).map((o) => `${o.method.toUpperCase()} ${o.path}`)).toEqual([]);
  });

  it('describes the POST /runs body with the very schema that validates it', () => {
    const body = doc.paths['/api/v1/runs']?.post?.requestBody?.content['application/json'].schema;
    const expected = z.toJSONSchema(runRequestSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
    delete expected.$schema;
    expect(body).toEqual(expected);
    expect(body).toMatchObject({ required: ['sources'], additionalProperties: false });
  });

  it('refers errors to the Problem schema', () => {
    expect(doc.components.schemas.Problem).toMatchObject({ type: 'object', required: expect.arrayContaining(['type', 'title', 'status', 'detail']) });
    expect(doc.paths['/api/v1/runs/{id}']?.get?.responses['404']).toEqual({
      description: expect.any(String),
      content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
    });
  });

  /** For each documented parameter, values the document forbids; the API must refuse every one with 400. */
  function forbiddenValues(p: Parameter): string[] {
    const s = p.schema;
    const values: string[] = [];
    if (s.type === 'integer' || s.type === 'number') values.push('not-a-number');
    if (s.type === 'integer') values.push('1.5');
    if (s.maximum !== undefined) values.push(String(s.maximum + 1));
    if (s.enum) values.push('no-such-value');
    if (s.pattern) values.push('bad value!');
    return values;
  }

  it('rejects, with a 400 problem naming the parameter, every value the document forbids', async () => {
    let checked = 0;
    for (const { method, path, op } of ops()) {
      if (method !== 'get' || op['x-undocumented']) continue;
      const validPath = path.replace(/\{\w+\}/g, '1'); // a valid id of every kind (integer, run and item ids)
      for (const p of op.parameters) {
        for (const bad of forbiddenValues(p)) {
          const url =
            p.in === 'query'
              ? `${validPath}?${p.name}=${encodeURIComponent(bad)}`
              : path.replace(`{${p.name}}`, encodeURIComponent(bad)).replace(/\{\w+\}/g, 'x');
          const problem = expectProblem(await call(api.url, url), 400);
          expect(problem.detail).toContain(p.name);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(10); // limit, offset, status, before, items, id…
  });

  it('rejects bodies that break the documented body schema (missing required, unknown property)', async () => {
    const schema = doc.paths['/api/v1/runs']?.post?.requestBody?.content['application/json'].schema;
    for (const field of schema?.required ?? []) {
      const p = expectProblem(await call(api.url, '/api/v1/runs', { method: 'POST', headers: jsonHeaders(), body: '{}' }), 400);
      expect(p.errors?.map((e) => e.path)).toContain(field);
    }
    const extra = await call(api.url, '/api/v1/runs', { method: 'POST', headers: jsonHeaders(), body: JSON.stringify({ sources: ['csv:x.csv'], colour: 'red' }) });
    expect(expectProblem(extra, 400).detail).toMatch(/colour/);
  });

  it('serves a self-contained HTML page listing every path, with no scripts or remote assets', async () => {
    const reply: Reply<string> = await call<string>(api.url, '/api/v1/docs');
    expect(reply.status).toBe(200);
    expect(reply.contentType).toMatch(/^text\/html/);
    expect(reply.headers.get('content-security-policy')).toContain("default-src 'none'");
    for (const path of Object.keys(doc.paths)) expect(reply.body).toContain(`<code>${path.replace(/&/g, '&amp;')}</code>`);
    expect(reply.body).not.toMatch(/<script|<link|<img|<iframe|src=|url\(|@import/);
    expect(reply.body).toContain('minimum'); // schemas are rendered, not just names
  });
});
