import type { NextFunction, Request, Response } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { createStoreMetrics } from '../observability/store-metrics';

/**
 * The route template a request matched (`/api/v1/runs/:id`), or `unmatched`: labels and logs use
 * templates, never raw paths, so ids in URLs cannot blow up the series count.
 */
export function routeLabel(req: Request): string {
  return req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
}

/** One registry per API instance (tests start several): process metrics, HTTP by route, auth, stores. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'trendflow_api_' });
  const httpDuration = new Histogram({
    name: 'trendflow_http_request_duration_seconds',
    help: 'HTTP request latency by method, route template and status code',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const inFlight = new Gauge({
    name: 'trendflow_http_requests_in_flight',
    help: 'HTTP requests being handled right now',
    registers: [registry],
  });
  const authFailures = new Counter({
    name: 'trendflow_api_auth_failures_total',
    help: 'Requests refused for authentication (missing/invalid key, 401) or authorization (read-only key, 403)',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  const rateLimited = new Counter({
    name: 'trendflow_api_rate_limited_total',
    help: 'Requests refused with 429 because their API key or client IP used up its rate limit',
    labelNames: ['client'] as const,
    registers: [registry],
  });
  // One labelled child per (method, route, status), found by one string key: cheaper than prom-client
  // hashing the label object on every observation. Routes are templates, so the map stays small.
  const durationFor = new Map<string, Histogram.Internal<'method' | 'route' | 'status'>>();
  const middleware = (req: Request, res: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    inFlight.inc();
    // 'close' follows 'finish' on every response, and comes alone when the client hangs up mid-request.
    res.once('close', () => {
      inFlight.dec();
      const route = routeLabel(req);
      const status = String(res.statusCode);
      const key = `${req.method} ${route} ${status}`;
      let child = durationFor.get(key);
      if (!child) {
        child = httpDuration.labels(req.method, route, status);
        durationFor.set(key, child);
      }
      child.observe(Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  };
  return { registry, middleware, authFailures, rateLimited, stores: createStoreMetrics(registry) };
}

export type ApiMetrics = ReturnType<typeof createMetrics>;
