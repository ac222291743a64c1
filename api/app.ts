import type { Client } from '@temporalio/client';
import cors from 'cors';
import express, { type Express, type RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import type { Embedder } from '../activities/embed/embedder';
import type { Config } from '../config/config';
import { databaseUrl } from '../config/database-url';
import type { VectorStore } from '../vectors/vector-store';
import { createAuth, type AuthSettings } from './auth';
import { createMetrics, type ApiMetrics } from './metrics';
import { collectRoutes, routeCatalog } from './openapi';
import { problemMiddleware, sendProblem } from './problem';
import { createRateLimiter } from './rate-limit';
import type { ResponseCache } from './response-cache';
import { requestContext } from './request-id';
import { createEventStream, type EventStream } from './event-stream';
import { eventsRouter } from './routes/events';
import { webhooksRouter } from './routes/webhooks';
import { dashboardRouter } from './routes/dashboard';
import { docsRouter } from './routes/docs';
import { digestRouter } from './routes/digest';
import { healthRouter } from './routes/health';
import { runsRouter } from './routes/runs';
import { schedulesRouter } from './routes/schedules';
import { sourcesRouter } from './routes/sources';
import { searchRouter } from './routes/search';
import { trendsRouter } from './routes/trends';

/** Everything the HTTP layer needs, passed in so tests can start the API against their own stack. */
export interface ApiDeps {
  config: Config;
  db: DataSource;
  temporal: () => Client;
  vectorStore: () => Promise<VectorStore>;
  /** Embeds search queries; defaults to the configured model, loaded on the first search. */
  getEmbedder?: () => Promise<Embedder>;
  log: Logger;
  /** Overrides config.api.auth (tests enable or disable key checks per app). */
  auth?: Partial<AuthSettings>;
  /** The SSE fan-out of the events table (server.ts builds it and ends it on close); else made here, lazily. */
  events?: EventStream;
  /** Serialized trend responses, dropped when trends change (server.ts builds it); none = always read. */
  trendCache?: ResponseCache;
}

/** The URL the data source was opened with (the SSE listener needs a connection of its own). */
export function databaseUrlOf(deps: Pick<ApiDeps, 'db' | 'config'>): string {
  return (deps.db.options as { url?: string }).url ?? databaseUrl(deps.config);
}

const preRoutes = new WeakMap<Express, RequestHandler[]>();

/** The middleware createApp put before its routers (request id, metrics, CORS, auth, rate limit). */
export function preRouteMiddleware(app: Express): RequestHandler[] {
  return preRoutes.get(app) ?? [];
}

export function createApp(deps: ApiDeps, metrics: ApiMetrics = createMetrics()): Express {
  const app = express();
  const { api } = deps.config;
  const settings: AuthSettings = { ...api.auth, ...deps.auth };
  app.disable('x-powered-by');
  app.set('query parser', 'simple'); // no nested objects from ?a[b]=c: every query value is a string
  // What every request passes before the routers, in order; fast-path.ts runs these same instances
  // (one rate-limit budget, one metrics registry) for cached trend answers.
  const preRoute: RequestHandler[] = [requestContext(deps.log), metrics.middleware];
  if (api.corsOrigins.length > 0) {
    preRoute.push(
      cors({
        origin: api.corsOrigins.includes('*') ? '*' : api.corsOrigins,
        allowedHeaders: ['Authorization', 'X-API-Key', 'Content-Type', 'X-Request-Id'],
        exposedHeaders: ['X-Request-Id', 'Location', 'Retry-After', 'RateLimit', 'RateLimit-Policy'],
        maxAge: 600,
      }),
    );
  }
  // Read once every router below is mounted: which routes are public, and the OpenAPI document.
  const catalog = routeCatalog(() => [collectRoutes(app.router, ''), collectRoutes(v1, '/api/v1')], {
    version: '1.0.0',
    authEnabled: settings.mode === 'required',
    authReads: settings.reads,
  });
  const auth = createAuth({ db: deps.db, settings, log: deps.log, metrics, isPublic: catalog.isPublic });
  preRoute.push(auth.identify, createRateLimiter(api.rateLimit, metrics, catalog.isPublic), auth.enforce);
  app.use(preRoute);
  preRoutes.set(app, preRoute);
  // strict: false lets a JSON string or null through to the schema, whose message says what was expected.
  app.use(express.json({ limit: '256kb', strict: false }));
  app.use(healthRouter(deps, metrics.registry));
  const v1 = express.Router();
  v1.use(healthRouter(deps, metrics.registry)); // also under /api/v1 for clients that only know the prefix
  v1.use(runsRouter(deps));
  v1.use(schedulesRouter(deps));
  v1.use(sourcesRouter(deps));
  v1.use(trendsRouter(deps));
  v1.use(searchRouter(deps));
  v1.use(digestRouter(deps));
  v1.use(webhooksRouter(deps));
  v1.use(eventsRouter(deps, deps.events ?? createEventStream({ db: deps.db, url: databaseUrlOf(deps), log: deps.log })));
  v1.use(docsRouter(catalog.document)); // /api/v1/openapi.json and /api/v1/docs
  // Errors handled inside the router keep req.baseUrl, so metrics label them /api/v1/… like successes.
  v1.use(problemMiddleware(deps.log));
  app.use('/api/v1', v1);
  app.use(dashboardRouter(deps)); // the web dashboard at / and the JSON it alone needs
  app.use((req, res) => sendProblem(res, 404, 'Not found', `no route for ${req.method} ${req.path}`));
  app.use(problemMiddleware(deps.log));
  return app;
}
