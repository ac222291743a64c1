import type { Router } from 'express';
import { z } from 'zod';
import {
  addSource,
  createSourceSchema,
  getSource,
  listSources,
  listSourcesQuery,
  patchSourceSchema,
  removeSource,
  sourceIdSchema,
  updateSource,
} from '../../services/sources';
import type { ApiDeps } from '../app';
import { apiRouter } from '../openapi';

const sourceView = z.looseObject({
  id: z.number().int(),
  spec: z.string(),
  kind: z.string(),
  enabled: z.boolean(),
  items: z.number().int().describe('items stored from this source'),
  cursor: z.looseObject({ seen: z.number().int().describe('ids/URLs remembered as collected') }).describe('high-water mark, summarised'),
  lastCollectedAt: z.string().nullable(),
  lastError: z.string().nullable(),
  createdAt: z.string(),
  deletedAt: z.string().nullable(),
});

/**
 * `/sources`: configured sources (services/sources.ts). DELETE removes a source without items and
 * soft-deletes one with items (it stays for their provenance, disabled and hidden; POST restores it).
 */
export function sourcesRouter({ db }: ApiDeps): Router {
  const r = apiRouter();
  const tags = ['sources'];
  const one = { 200: { description: 'the source', schema: sourceView }, 404: { description: 'no such source (or removed)' } };

  r.get(
    '/sources',
    { summary: 'List sources', tags, query: listSourcesQuery, responses: { 200: { description: 'sources, oldest first', schema: z.object({ sources: z.array(sourceView) }) } } },
    async ({ query }, _req, res) => {
      res.json({ sources: await listSources(db, query) });
    },
  );
  r.post(
    '/sources',
    {
      summary: 'Add a source',
      description: 'The spec is validated by parsing it (no request is made). Adding a removed spec restores it (200).',
      tags,
      body: createSourceSchema,
      responses: {
        201: { description: 'created', schema: sourceView },
        200: { description: 'a removed source restored', schema: sourceView },
        409: { description: 'the spec exists already' },
      },
    },
    async ({ body }, _req, res) => {
      const { source, restored } = await addSource(db, body);
      res.status(restored ? 200 : 201).location(`/api/v1/sources/${source.id}`).json(source);
    },
  );
  r.get('/sources/:id', { summary: 'One source', tags, params: sourceIdSchema, responses: one }, async ({ params }, _req, res) => {
    res.json(await getSource(db, params.id));
  });
  r.patch(
    '/sources/:id',
    { summary: 'Enable or disable a source, or reset its cursor', tags, params: sourceIdSchema, body: patchSourceSchema, responses: one },
    async ({ params, body }, _req, res) => {
      res.json(await updateSource(db, params.id, body));
    },
  );
  r.delete(
    '/sources/:id',
    {
      summary: 'Remove a source',
      description: 'Deleted when no item references it (204); otherwise soft-deleted: disabled and hidden, its items kept (200).',
      tags,
      params: sourceIdSchema,
      responses: { 204: { description: 'deleted' }, 200: { description: 'soft-deleted', schema: sourceView }, 404: { description: 'no such source' } },
    },
    async ({ params }, _req, res) => {
      const { removed, source } = await removeSource(db, params.id);
      if (removed === 'deleted') res.status(204).end();
      else res.json(source);
    },
  );
  return r.router;
}
