import type { Response, Router } from 'express';
import { z } from 'zod';
import { createEmbedder } from '../../activities/embed/create-embedder';
import { MAX_SEARCH_DEPTH, searchItems, similarItems, type SearchPage } from '../../services/search';
import { lazy } from '../../workers/deps';
import type { ApiDeps } from '../app';
import { apiRouter } from '../openapi';

/** An ISO 8601 date (`2014-03-11`, as UTC midnight) or date-time with offset, to ms since the epoch. */
const instant = (bound: 'from' | 'to') =>
  z
    .union([z.iso.datetime({ offset: true }), z.iso.date()], { error: 'not an ISO 8601 date or date-time, e.g. 2014-03-11 or 2014-03-11T09:30:00Z' })
    .transform((s) => Date.parse(/T/.test(s) ? s : `${s}T00:00:00Z`))
    .optional()
    .describe(`items published at or ${bound === 'from' ? 'after' : 'before'} this instant (inclusive)`);

/** Opaque cursor: the offset of the next page, base64url-encoded so clients do not build their own. */
function encodeCursor(offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset })).toString('base64url');
}
const cursor = z
  .string()
  .max(64)
  .transform((s, ctx) => {
    try {
      const { o } = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as { o?: unknown };
      if (typeof o === 'number' && Number.isInteger(o) && o >= 0 && o < MAX_SEARCH_DEPTH) return o;
    } catch {
      // falls through to the issue below
    }
    ctx.addIssue({ code: 'custom', message: 'not a cursor: use the `next` link of the previous page' });
    return z.NEVER;
  })
  .optional()
  .describe('cursor from the `next` link of the previous page');

const windowQuery = {
  source: z.string().trim().min(1).max(2048).optional().describe('only items of this source spec, e.g. rss:https://…'),
  from: instant('from'),
  to: instant('to'),
  limit: z.coerce.number().int().min(1).max(100).default(20).describe('hits per page'),
  cursor,
};
const searchQuery = z.object({ q: z.string().trim().min(1, 'give a search text').max(1000).describe('what to search for, in plain words'), ...windowQuery });
const similarQuery = z.object(windowQuery);
const itemParams = z.object({ id: z.string().regex(/^[1-9]\d{0,18}$/, 'not an item id').describe('item id') });

const hit = z.object({
  id: z.string(),
  title: z.string(),
  url: z.string(),
  source: z.string().describe('source spec'),
  publishedAt: z.string().nullable(),
  score: z.number().describe('cosine similarity to the query, higher is closer'),
  trend: z.object({ id: z.number(), label: z.string(), status: z.string() }).nullable().describe("the item's current trend"),
});
const resultPage = z.object({
  model: z.string().describe('embedding model of the index searched'),
  hits: z.array(hit),
  next: z.string().nullable().describe('link to the next page; null on the last'),
});

/** `GET /search` and `GET /items/:id/similar`. The query embedder runs in the API process, on its own thread. */
export function searchRouter(deps: ApiDeps): Router {
  const embedder = deps.getEmbedder ?? lazy(() => createEmbedder(deps.config.embed, { threads: 0 }));
  const services = { db: deps.db, vectorStore: deps.vectorStore, embedder };
  const r = apiRouter();
  const tags = ['search'];

  /** The same URL with the cursor of the next page. */
  function respond(res: Response, path: string, query: Record<string, unknown>, result: SearchPage) {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (typeof v === 'string' && k !== 'cursor') params.set(k, v);
    if (result.nextOffset !== null) params.set('cursor', encodeCursor(result.nextOffset));
    res.json({ model: result.model, hits: result.hits, next: result.nextOffset === null ? null : `/api/v1${path}?${params}` });
  }

  r.get(
    '/search',
    {
      summary: 'Semantic search over collected items',
      description: `Embeds \`q\` with the configured model and returns the closest items with their current trend. Pages go at most ${MAX_SEARCH_DEPTH} hits deep.`,
      tags,
      query: searchQuery,
      responses: { 200: { description: 'a page of hits, best first', schema: resultPage } },
    },
    async ({ query }, req, res) => {
      const result = await searchItems(services, query.q, { ...query, fromMs: query.from, toMs: query.to, offset: query.cursor ?? 0 });
      respond(res, '/search', req.query, result);
    },
  );
  r.get(
    '/items/:id/similar',
    {
      summary: 'Items most similar to one item',
      tags,
      params: itemParams,
      query: similarQuery,
      responses: {
        200: { description: 'a page of hits, best first (the item itself excluded)', schema: resultPage },
        404: { description: 'no such item' },
        409: { description: 'the item has no vector for the configured model yet' },
      },
    },
    async ({ params, query }, req, res) => {
      const result = await similarItems(services, params.id, { ...query, fromMs: query.from, toMs: query.to, offset: query.cursor ?? 0 });
      respond(res, `/items/${params.id}/similar`, req.query, result);
    },
  );
  return r.router;
}
