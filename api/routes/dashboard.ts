import fs from 'node:fs';
import path from 'node:path';
import express, { type Router } from 'express';
import { z } from 'zod';
import { TIMELINE_BUCKETS, trendTimeline } from '../../services/timeline';
import type { ApiDeps } from '../app';
import { apiRouter } from '../openapi';

// Same-origin only: the page loads nothing from elsewhere (the machines it runs on are often offline),
// and links out (Temporal UI, item URLs) are plain navigations, which CSP does not restrict.
const CSP = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/** web/ sits at the repository root: two levels up from api/routes, three from dist/api/routes. */
export function findWebDir(from = __dirname): string {
  const candidates = [path.resolve(from, '..', '..', 'web'), path.resolve(from, '..', '..', '..', 'web')];
  const found = candidates.find((dir) => fs.existsSync(path.join(dir, 'index.html')));
  if (!found) throw new Error(`dashboard assets not found; looked in ${candidates.join(', ')}`);
  return found;
}

const trendParams = z.object({ id: z.coerce.number().int().positive().max(2_147_483_647).describe('trend id') });
const timelineQuery = z.object({ bucket: z.enum(TIMELINE_BUCKETS).default('hour').describe('width of one time bucket (UTC)') });
const uiConfig = z.object({
  temporalUiUrl: z.string().describe('base URL of the Temporal Web UI, no trailing slash'),
  namespace: z.string().describe('Temporal namespace the runs live in'),
});
const timeline = z.object({
  trendId: z.number().int(),
  bucket: z.enum(TIMELINE_BUCKETS),
  points: z.array(z.object({ t: z.string().describe('bucket start, UTC'), count: z.number().int() })).describe('buckets with items, oldest first'),
});

/**
 * The web dashboard at `/` (static files from web/) and the two small JSON endpoints only it needs:
 * `GET /api/v1/ui-config` (where the Temporal Web UI is) and `GET /api/v1/trends/:id/timeline`.
 * Mounted on the app without a path, so the routes carry their full path.
 */
export function dashboardRouter({ db, config }: ApiDeps, webDir = findWebDir()): Router {
  const r = apiRouter();
  const tags = ['dashboard'];
  r.get(
    '/api/v1/ui-config',
    { summary: 'Where the dashboard links runs to: the Temporal Web UI and namespace', tags, responses: { 200: { description: 'UI settings', schema: uiConfig } } },
    (_input, _req, res) => {
      res.json({ temporalUiUrl: config.temporal.uiUrl.replace(/\/+$/, ''), namespace: config.temporal.namespace });
    },
  );
  r.get(
    '/api/v1/trends/:id/timeline',
    {
      summary: "A trend's member items counted per time bucket, by published time",
      tags,
      params: trendParams,
      query: timelineQuery,
      responses: { 200: { description: 'counts per bucket', schema: timeline }, 404: { description: 'no such trend' } },
    },
    async ({ params, query }, _req, res) => {
      res.json(await trendTimeline(db, params.id, query.bucket));
    },
  );
  r.router.use(
    express.static(webDir, {
      index: 'index.html',
      // No build step and no fingerprinted names: revalidate so a deploy shows up on the next load.
      maxAge: 0,
      setHeaders: (res) => {
        res.setHeader('Content-Security-Policy', CSP);
        res.setHeader('X-Content-Type-Options', 'nosniff');
      },
    }),
  );
  return r.router;
}
