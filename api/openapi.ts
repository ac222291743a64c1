import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { parseInput } from '../services/validate';

type Schema = z.ZodType;
type Out<S> = S extends Schema ? z.output<S> : undefined;
type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** One documented answer of a route; `schema` describes a JSON body. */
export interface ResponseDoc {
  description: string;
  schema?: Schema;
  /** Defaults to application/json; e.g. text/html or text/plain for non-JSON answers. */
  contentType?: string;
}

/**
 * What a route accepts and answers. The same zod schemas validate the request (before the handler
 * runs) and generate the OpenAPI document, so the two cannot drift apart.
 */
export interface RouteDoc<P extends Schema | undefined, Q extends Schema | undefined, B extends Schema | undefined> {
  summary: string;
  description?: string;
  tags?: string[];
  params?: P;
  query?: Q;
  /** JSON body; a request without one is validated as `{}`. */
  body?: B;
  responses: Record<number, ResponseDoc>;
  /** Never needs an API key (health, metrics, docs). */
  public?: boolean;
}

export interface ValidInput<P, Q, B> {
  params: Out<P>;
  query: Out<Q>;
  body: Out<B>;
}

type Handler<P, Q, B> = (input: ValidInput<P, Q, B>, req: Request, res: Response) => unknown;

/** A route as the registry keeps it; `path` is relative to where the router is mounted. */
export interface DocumentedRoute {
  method: Method;
  path: string;
  doc: RouteDoc<Schema | undefined, Schema | undefined, Schema | undefined>;
}

const registered = new WeakMap<object, DocumentedRoute[]>();

/** Routes documented on an Express router built with apiRouter(); undefined for plain routers. */
export function documentedRoutes(router: object): DocumentedRoute[] | undefined {
  return registered.get(router);
}

/**
 * An Express router whose routes carry their schemas: `r.get(path, doc, handler)` validates params,
 * query and body with the doc's schemas (400 problem on failure) and records the doc for /openapi.json.
 * Mount `r.router` without a path (`v1.use(xRouter(deps))`); routes carry their full path.
 */
export function apiRouter() {
  const router = Router();
  const routes: DocumentedRoute[] = [];
  registered.set(router, routes);
  const add =
    (method: Method) =>
    <P extends Schema | undefined = undefined, Q extends Schema | undefined = undefined, B extends Schema | undefined = undefined>(
      path: string,
      doc: RouteDoc<P, Q, B>,
      handler: Handler<P, Q, B>,
    ) => {
      routes.push({ method, path, doc });
      router[method](path, async (req: Request, res: Response) => {
        const input = {
          params: doc.params ? parseInput(doc.params, req.params) : undefined,
          query: doc.query ? parseInput(doc.query, req.query) : undefined,
          body: doc.body ? parseInput(doc.body, req.body === undefined ? {} : req.body) : undefined,
        } as ValidInput<P, Q, B>;
        await handler(input, req, res);
      });
    };
  return { router, get: add('get'), post: add('post'), put: add('put'), patch: add('patch'), delete: add('delete') };
}

interface StackLayer {
  handle?: unknown;
  route?: { path?: unknown; methods?: Record<string, boolean> };
}

/**
 * The routes of `router` and of the routers mounted on it without a path, under `prefix`: `all` lists
 * every METHOD + path Express serves, `documented` the docs of those registered with apiRouter().
 */
export function collectRoutes(router: { stack: unknown[] }, prefix: string) {
  const documented: DocumentedRoute[] = [];
  const all: Array<{ method: string; path: string }> = [];
  const addRoutes = (layers: unknown[]) => {
    for (const layer of layers as StackLayer[]) {
      if (!layer.route || typeof layer.route.path !== 'string') continue;
      for (const m of Object.keys(layer.route.methods ?? {})) if (m !== '_all') all.push({ method: m, path: prefix + layer.route.path });
    }
  };
  addRoutes(router.stack);
  for (const layer of router.stack as StackLayer[]) {
    const handle = layer.handle as { stack?: unknown[] } | undefined;
    if (!handle || !Array.isArray(handle.stack)) continue;
    documented.push(...(registered.get(handle) ?? []).map((d) => ({ ...d, path: prefix + d.path })));
    addRoutes(handle.stack);
  }
  return { documented, all };
}

export const problemSchema = z
  .object({
    type: z.string().describe('always about:blank: the status says what kind of problem it is'),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().describe('what went wrong and how to fix the request'),
    requestId: z.string().optional().describe('the X-Request-Id of the request; quote it when reporting a problem'),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional().describe('one entry per invalid input'),
  })
  .describe('An RFC 9457 problem document');
const PROBLEM_REF = { $ref: '#/components/schemas/Problem' };

const toJson = (schema: Schema): Record<string, unknown> => {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
  delete json.$schema;
  return json;
};

function parameters(schema: Schema | undefined, where: 'path' | 'query') {
  if (!schema) return [];
  const json = toJson(schema) as { properties?: Record<string, { description?: string }>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, prop]) => ({
    name,
    in: where,
    required: where === 'path' || (json.required ?? []).includes(name),
    ...(prop.description ? { description: prop.description } : {}),
    schema: prop,
  }));
}

const ERROR_RESPONSES: Record<number, string> = {
  400: 'invalid input; `errors` lists each problem',
  401: 'no API key, or an unknown or revoked one',
  403: 'the API key may not do this (read-only key)',
  413: 'body larger than 256 kB',
  415: 'unsupported body charset or encoding',
  429: 'rate limit reached; see Retry-After',
  500: 'unexpected failure; quote the request id',
};

export interface DocumentOptions {
  version: string;
  /** Whether reads need an API key (writes always do unless auth is disabled). */
  authReads: boolean;
  authEnabled: boolean;
}

/**
 * The OpenAPI 3.1 document for the given routes. Routes served by plain Express routers (no schemas
 * registered) are listed too, marked `x-undocumented`, so the document never hides an endpoint.
 */
export function openApiDocument(routes: DocumentedRoute[], o: DocumentOptions, undocumented: Array<{ method: string; path: string }> = []) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const { method, path } of undocumented) {
    const oasPath = path.replace(/:(\w+)/g, '{$1}');
    const names = [...path.matchAll(/:(\w+)/g)].map((m) => m[1] as string);
    paths[oasPath] ??= {};
    paths[oasPath][method] = {
      summary: 'no schema registered for this route',
      'x-undocumented': true,
      parameters: names.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } })),
      security: o.authEnabled && (method !== 'get' || o.authReads) ? [{ bearerAuth: [] }, { apiKeyHeader: [] }] : [],
      responses: { default: { description: 'see the route implementation' } },
    };
  }
  for (const { method, path, doc } of routes) {
    const write = method !== 'get';
    const secured = o.authEnabled && !doc.public && (write || o.authReads);
    const codes: Record<number, ResponseDoc> = { ...doc.responses };
    const errorCodes = [
      ...(doc.params || doc.query || doc.body ? [400] : []),
      ...(secured ? [401, 403] : []),
      ...(doc.body ? [413, 415] : []),
      ...(doc.public ? [] : [429]),
      500,
    ];
    for (const c of errorCodes) codes[c] ??= { description: ERROR_RESPONSES[c] ?? 'error', schema: problemSchema };
    const responses = Object.fromEntries(
      Object.entries(codes).map(([code, r]) => {
        const type = r.contentType ?? (Number(code) >= 400 ? 'application/problem+json' : 'application/json');
        const declared = r.schema ?? (Number(code) >= 400 ? problemSchema : undefined);
        const schema = declared === problemSchema ? PROBLEM_REF : declared ? toJson(declared) : undefined;
        const content = schema ? { [type]: { schema } } : type === 'application/json' ? undefined : { [type]: {} };
        return [code, { description: r.description, ...(content ? { content } : {}) }];
      }),
    );
    const oasPath = path.replace(/:(\w+)/g, '{$1}');
    paths[oasPath] ??= {};
    paths[oasPath][method] = {
      operationId: `${method}${oasPath.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(\w)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())}`,
      summary: doc.summary,
      ...(doc.description ? { description: doc.description } : {}),
      ...(doc.tags ? { tags: doc.tags } : {}),
      parameters: [...parameters(doc.params, 'path'), ...parameters(doc.query, 'query')],
      ...(doc.body ? { requestBody: { required: true, content: { 'application/json': { schema: toJson(doc.body) } } } } : {}),
      security: secured ? [{ bearerAuth: [] }, { apiKeyHeader: [] }] : [],
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'trendflow API',
      version: o.version,
      description:
        'Durable trend intelligence. Errors are application/problem+json. Every answer carries X-Request-Id ' +
        '(sent by the client or generated). API keys: `trendflow keys create --name <name>`.',
    },
    paths,
    components: {
      schemas: { Problem: toJson(problemSchema) },
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer tf_…' },
        apiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      },
    },
  };
}

export type OpenApiDocument = ReturnType<typeof openApiDocument>;

/**
 * What the app knows about its routes, read lazily (after every router is mounted): whether a request
 * hits a public GET route, and the OpenAPI document (built once).
 */
export function routeCatalog(collect: () => Array<ReturnType<typeof collectRoutes>>, o: DocumentOptions) {
  let cached: { publicPaths: Set<string>; document: OpenApiDocument } | undefined;
  const load = () => {
    if (cached) return cached;
    const parts = collect();
    const documented = parts.flatMap((p) => p.documented);
    const known = new Set(documented.map((r) => `${r.method} ${r.path}`));
    const undocumented = parts.flatMap((p) => p.all).filter((r) => !known.has(`${r.method} ${r.path}`));
    const publicPaths = new Set(documented.filter((r) => r.doc.public && r.method === 'get').map((r) => r.path));
    return (cached = { publicPaths, document: openApiDocument(documented, o, undocumented) });
  };
  return {
    isPublic: (req: { path: string }) => load().publicPaths.has(req.path),
    document: () => load().document,
  };
}
