import { Router } from 'express';
import { z } from 'zod';
import { getTrend, listTrends } from '../../services/trends';
import { parseInput } from '../../services/validate';
import type { ApiDeps } from '../app';

const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  status: z.enum(['active', 'dissolved', 'all']).default('active'),
});
const trendParams = z.object({ id: z.coerce.number().int().positive().max(2_147_483_647) });
const trendQuery = z.object({ items: z.coerce.number().int().min(0).max(5000).default(200) });

export function trendsRouter({ db }: ApiDeps): Router {
  const r = Router();
  r.get('/trends', async (req, res) => {
    const q = parseInput(listQuery, req.query);
    const { total, trends } = await listTrends(db, q);
    res.json({ total, limit: q.limit, offset: q.offset, trends });
  });
  r.get('/trends/:id', async (req, res) => {
    const { id } = parseInput(trendParams, req.params);
    const { items } = parseInput(trendQuery, req.query);
    res.json(await getTrend(db, id, items));
  });
  return r;
}
