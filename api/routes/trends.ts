import type { Router } from 'express';
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

export function trendsRouter({ db }: ApiDeps): Router {
  const r = apiRouter();
  const tags = ['trends'];
  r.get(
    '/trends',
    { summary: 'List trends with their summaries (largest first unless `sort` says otherwise)', tags, query: listQuery, responses: { 200: { description: 'a page of trends', schema: trendPage } } },
    async ({ query: q }, req, res) => {
      const { total, trends } = await listTrends(db, q);
      // The link keeps the client's own filters and moves the offset; a page shorter than `limit` is the last.
      const params = new URLSearchParams(Object.entries(req.query).filter((e): e is [string, string] => typeof e[1] === 'string'));
      params.set('offset', String(q.offset + q.limit));
      const next = trends.length === q.limit && q.offset + q.limit < total ? `/api/v1/trends?${params.toString()}` : null;
      res.json({ total, limit: q.limit, offset: q.offset, trends, next });
    },
  );
  r.get(
    '/trends/:id',
    {
      summary: 'One trend: summary, members (most central first), sources',
      tags,
      params: trendParams,
      query: trendQuery,
      responses: { 200: { description: 'the trend', schema: trendView }, 404: { description: 'no such trend' } },
    },
    async ({ params, query }, _req, res) => {
      res.json(await getTrend(db, params.id, query.items));
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
