import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import { explainTrend, getTrend, listTrends, TREND_LIFECYCLES, TREND_SORTS } from '../../services/trends';
import type { ApiDeps } from '../app';
import { apiRouter } from '../openapi';

const listQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(500).default(50).describe('trends per page'),
    offset: z.coerce.number().int().min(0).max(1_000_000).default(0).describe('trends to skip; prefer following `next`'),
    // A lifecycle stage is accepted as a status too (`?status=emerging`), meaning an active trend in that stage.
    status: z.enum(['active', 'dissolved', 'all', ...TREND_LIFECYCLES]).default('active'),
    lifecycle: z.enum(TREND_LIFECYCLES).optional(),
    sort: z.enum(TREND_SORTS).default('size'),
  })
  .transform(({ status, lifecycle, ...rest }) =>
    status === 'active' || status === 'dissolved' || status === 'all'
      ? { ...rest, status, lifecycle }
      : { ...rest, status: 'active' as const, lifecycle: lifecycle ?? status },
  );
const trendParams = z.object({ id: z.coerce.number().int().positive().max(2_147_483_647).describe('trend id') });
const trendQuery = z.object({ items: z.coerce.number().int().min(0).max(5000).default(200).describe('members to include, most central first') });

const trendView = z.looseObject({
  id: z.number(),
  status: z.string(),
  label: z.string(),
  size: z.number(),
  summary: z.looseObject({ title: z.string(), summary: z.string(), stale: z.boolean() }).nullable(),
});
const trendPage = z.object({
  total: z.number(),
  limit: z.number(),
  offset: z.number(),
  trends: z.array(trendView),
  next: z.string().nullable().describe('link to the next page (same filters and order); null on the last'),
});

const NOT_MODIFIED = {
  description:
    'If-None-Match holds the current ETag: keep the copy you have. Answers carry a strong ETag and `Cache-Control: no-cache`, and are gzip- or br-encoded when Accept-Encoding allows',
};

/** Sends `produce()`'s JSON through the trend response cache when the app has one, else as it is. */
function cachedJson({ trendCache }: ApiDeps) {
  return async (req: Request, res: Response, key: string, produce: () => Promise<unknown>) => {
    if (trendCache) await trendCache.send(req, res, key, produce);
    else res.json(await produce());
  };
}

export function trendsRouter(deps: ApiDeps): Router {
  const { db } = deps;
  const r = apiRouter();
  const tags = ['trends'];
  const send = cachedJson(deps);
  r.get(
    '/trends',
    { summary: 'List trends with their summaries (largest first unless `sort` says otherwise)', tags, query: listQuery, responses: { 200: { description: 'a page of trends', schema: trendPage }, 304: NOT_MODIFIED } },
    async ({ query: q }, req, res) => {
      // Keyed by the raw URL: the body depends on the raw query string (the `next` link repeats the
      // client's own parameters), and the fast path (api/fast-path.ts) finds hits by the raw URL.
      await send(req, res, req.originalUrl, async () => {
        const { total, trends } = await listTrends(db, q);
        // The link keeps the client's own filters and moves the offset; a page shorter than `limit` is the last.
        const params = new URLSearchParams(Object.entries(req.query).filter((e): e is [string, string] => typeof e[1] === 'string'));
        params.set('offset', String(q.offset + q.limit));
        const next = trends.length === q.limit && q.offset + q.limit < total ? `/api/v1/trends?${params.toString()}` : null;
        return { total, limit: q.limit, offset: q.offset, trends, next };
      });
    },
  );
  r.get(
    '/trends/:id',
    {
      summary: 'One trend: summary, members (most central first), sources',
      tags,
      params: trendParams,
      query: trendQuery,
      responses: { 200: { description: 'the trend', schema: trendView }, 304: NOT_MODIFIED, 404: { description: 'no such trend' } },
    },
    async ({ params, query }, req, res) => {
      await send(req, res, req.originalUrl, () => getTrend(db, params.id, query.items));
    },
  );
  r.get(
    '/trends/:id/explain',
    { summary: 'Why a trend has its lifecycle stage and identity', tags, params: trendParams, responses: { 200: { description: 'the explanation' }, 404: { description: 'no such trend' } } },
    async ({ params }, _req, res) => {
      res.json(await explainTrend(db, params.id));
    },
  );
  return r.router;
}
