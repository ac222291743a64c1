import type { Client } from '@temporalio/client';
import express, { type Express } from 'express';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import type { Config } from '../config/config';
import type { VectorStore } from '../vectors/vector-store';
import { createMetrics } from './metrics';
import { problemMiddleware, sendProblem } from './problem';
import { healthRouter } from './routes/health';
import { runsRouter } from './routes/runs';
import { trendsRouter } from './routes/trends';

/** Everything the HTTP layer needs, passed in so tests can start the API against their own stack. */
export interface ApiDeps {
  config: Config;
  db: DataSource;
  temporal: () => Client;
  vectorStore: () => Promise<VectorStore>;
  log: Logger;
}

export function createApp(deps: ApiDeps): Express {
  const app = express();
  const metrics = createMetrics();
  app.disable('x-powered-by');
  app.set('query parser', 'simple'); // no nested objects from ?a[b]=c: every query value is a string
  app.use(metrics.middleware);
  // strict: false lets a JSON string or null through to the schema, whose message says what was expected.
  app.use(express.json({ limit: '256kb', strict: false }));
  app.use(healthRouter(deps, metrics.registry));
  const v1 = express.Router();
  v1.use(healthRouter(deps, metrics.registry)); // also under /api/v1 for clients that only know the prefix
  v1.use(runsRouter(deps));
  v1.use(trendsRouter(deps));
  // Errors handled inside the router keep req.baseUrl, so metrics label them /api/v1/… like successes.
  v1.use(problemMiddleware(deps.log));
  app.use('/api/v1', v1);
  app.use((req, res) => sendProblem(res, 404, 'Not found', `no route for ${req.method} ${req.path}`));
  app.use(problemMiddleware(deps.log));
  return app;
}
