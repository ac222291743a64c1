import type { Router } from 'express';
import { z } from 'zod';
import { trendDigest } from '../../services/digest';
import { parseWindow } from '../../workflows/window';
import type { ApiDeps } from '../app';
import { apiRouter } from '../openapi';

const digestQuery = z.object({
  // Same syntax as a run's window (30m, 24h, 7d, 2w), but `all` makes no digest.
  window: z
    .string()
    .default('24h')
    .describe('how far back from the newest item: 6h, 24h, 7d…')
    .transform((w, ctx) => {
      try {
        const ms = w === 'all' ? null : parseWindow(w);
        if (ms !== null) return { text: w, ms };
      } catch {
        // reported below
      }
      ctx.addIssue({ code: 'custom', message: `invalid window "${w}": use a duration such as 6h, 24h, 7d` });
      return z.NEVER;
    }),
  limit: z.coerce.number().int().min(1).max(100).default(10).describe('trends in the digest'),
});

const digestView = z.looseObject({
  window: z.string(),
  limit: z.number(),
  from: z.string().nullable(),
  to: z.string().nullable().describe('the newest member time of any active trend (never after now)'),
  trends: z.array(z.looseObject({ id: z.number(), title: z.string(), lifecycle: z.string(), explanation: z.string(), windowItems: z.number() })),
});

/** `GET /api/v1/digest?window=24h&limit=10`: the top trends of the window with their summaries. */
export function digestRouter({ db }: ApiDeps): Router {
  const r = apiRouter();
  r.get(
    '/digest',
    {
      summary: 'Top trends of a window (most members in it first) with summaries and why they trend',
      tags: ['trends'],
      query: digestQuery,
      responses: { 200: { description: 'the digest', schema: digestView } },
    },
    async ({ query: q }, _req, res) => {
      const digest = await trendDigest(db, { windowMs: q.window.ms, limit: q.limit });
      res.json({ window: q.window.text, limit: q.limit, ...digest });
    },
  );
  return r.router;
}
