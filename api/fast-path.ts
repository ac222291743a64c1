import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Express, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { problemMiddleware } from './problem';
import type { ResponseCache } from './response-cache';

/** URLs whose answers the trend router caches; nothing else can have an entry. */
const CACHED_URL = /^\/api\/v1\/trends(?:\/\d+)?(?:\?|$)/;

export interface FastPathDeps {
  app: Express;
  /** The very middleware instances the app runs before its routers (preRouteMiddleware(app)). */
  preRoute: RequestHandler[];
  cache: ResponseCache;
  log: Logger;
}

/**
 * Answers a GET or HEAD whose exact URL has a current cached trend response without walking Express's
 * router (on this 2-vCPU box the router and its layers cost about as much as the rest of the request).
 * The request still passes the app's own pre-route middleware, in order: request id and log line,
 * metrics, CORS, API-key identification, rate limit, auth enforcement; any of them may answer instead
 * (401, 429, …) exactly as under Express. Query validation is not skipped: an entry exists only for a
 * URL the router validated and answered, and the same URL validates the same way.
 * Returns false, having touched nothing, when the request is not such a hit; Express then handles it.
 */
export function createFastPath({ app, preRoute, cache, log }: FastPathDeps) {
  const problem = problemMiddleware(log);
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const url = req.url;
    if ((req.method !== 'GET' && req.method !== 'HEAD') || url === undefined || !CACHED_URL.test(url)) return false;
    // A request with a body goes through Express, whose JSON parser answers a malformed one with 400.
    if (req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined) return false;
    const entry = cache.peek(url);
    if (!entry) return false;
    // What Express's app.handle does before routing, so the middleware finds its helpers (req.ip, res.status …).
    Object.setPrototypeOf(req, app.request);
    Object.setPrototypeOf(res, app.response);
    const request = req as Request;
    const response = res as Response;
    request.res = response;
    response.req = request;
    response.locals ??= Object.create(null) as Record<string, unknown>;
    request.originalUrl = url;
    request.baseUrl = '';
    // The matched route as metrics and logs label it (routeLabel: baseUrl + route.path).
    (request as { route?: unknown }).route = { path: entry.route };
    const fail = (err: unknown) => problem(err, request, response, () => undefined);
    let i = 0;
    const next = (err?: unknown): void => {
      if (err !== undefined) return fail(err);
      const mw = preRoute[i++];
      // The entry is the one current when the request arrived, like a read started at that moment.
      if (!mw) return void cache.sendEntry(req, res, entry).catch(fail);
      try {
        const done: unknown = mw(request, response, next);
        if (done instanceof Promise) done.catch(fail);
      } catch (e) {
        fail(e);
      }
    };
    request.next = next;
    next();
    return true;
  };
}
